"""Settings from the environment, read and validated in one place.

Errors name the variable and what is wrong with it, never its value when the
value is a secret.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bot.feedback import HOLD_SECONDS, RETENTION_DAYS
from bot.modelcache import cache_dir_from_env

DEFAULT_API_BASE_URL = "https://api.telegram.org/bot"
_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{20,}$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
# ASCII digits only: str.isdigit() and int() also take '²', '１２３' and '1_000'
_NUMBER = re.compile(r"^[0-9]{1,20}$")


class SettingsError(Exception):
    """The environment is not usable; the message lists every problem."""


@dataclass(frozen=True)
class Settings:
    token: str = field(repr=False)
    api_base_url: str = DEFAULT_API_BASE_URL
    data_dir: Path = Path("data")
    admin_ids: frozenset[int] = frozenset()
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    knowledge_dir: Path | None = None  # None: the shipped knowledge
    locales_dir: Path | None = None  # None: the shipped catalogs
    cache_dir: Path | None = None  # where the trained model is kept; None: no cache
    question_retention_days: int = RETENTION_DAYS  # questions sent to the team
    question_hold_seconds: int = HOLD_SECONDS  # a question waiting for "send", in memory
    log_level: str = "INFO"

    @property
    def webhook_path(self) -> str:
        return urlsplit(self.webhook_url or "").path.strip("/")

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, log_level: str | None = None
    ) -> Settings:
        """`log_level` (the command line's `--log-level`) wins over BOT_LOG_LEVEL."""
        env = os.environ if env is None else env
        problems: list[str] = []
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            problems.append(
                "TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and set its token"
            )
        elif not _TOKEN.match(token):
            problems.append(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (digits, a colon, then letters)"
            )
        base_url = env.get("TELEGRAM_API_BASE_URL", "").strip() or DEFAULT_API_BASE_URL
        if urlsplit(base_url).scheme not in {"http", "https"} or not urlsplit(base_url).netloc:
            problems.append(
                "TELEGRAM_API_BASE_URL must be an http(s) URL such as https://api.telegram.org/bot"
            )
        elif not _token_goes_into_path(base_url):
            problems.append(
                "TELEGRAM_API_BASE_URL must end in /bot (the token is appended to it), "
                "such as https://api.telegram.org/bot"
            )
        level = (log_level or env.get("BOT_LOG_LEVEL", "")).strip().upper() or "INFO"
        if level not in LOG_LEVELS:
            problems.append(f"BOT_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        admin_ids: set[int] = set()
        for part in env.get("BOT_ADMIN_IDS", "").split(","):
            if part.strip():
                if _NUMBER.match(part.strip()) and int(part.strip()) > 0:
                    admin_ids.add(int(part.strip()))
                else:
                    problems.append(
                        f"BOT_ADMIN_IDS must be Telegram user ids (positive numbers) separated by commas; {part.strip()!r} is not one"
                    )
        webhook_url = env.get("BOT_WEBHOOK_URL", "").strip() or None
        if webhook_url is not None and (
            urlsplit(webhook_url).scheme != "https" or not urlsplit(webhook_url).netloc
        ):
            problems.append("BOT_WEBHOOK_URL must be an https:// URL that Telegram can reach")
        secret = env.get("BOT_WEBHOOK_SECRET", "").strip() or None
        if secret is not None and not _SECRET.match(secret):
            problems.append(
                "BOT_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 characters)"
            )
        if webhook_url is not None and secret is None:
            problems.append(
                "BOT_WEBHOOK_SECRET is required with BOT_WEBHOOK_URL, so that only Telegram can post updates"
            )
        port_text = env.get("BOT_WEBHOOK_PORT", "8443").strip() or "8443"
        port = 0
        if not _NUMBER.match(port_text) or not 0 < int(port_text) < 65536:
            problems.append(f"BOT_WEBHOOK_PORT must be a port number; {port_text!r} is not")
        else:
            port = int(port_text)
        listen = env.get("BOT_WEBHOOK_LISTEN", "").strip() or "127.0.0.1"
        if not _is_ip_address(listen):
            problems.append(
                f"BOT_WEBHOOK_LISTEN must be an IP address such as 127.0.0.1 or ::1; {listen!r} is not"
            )
        for name in ("BOT_KNOWLEDGE_DIR", "BOT_LOCALES_DIR"):
            directory = _optional_dir(env, name)
            if directory is not None and not directory.is_dir():
                problems.append(f"{name} is not a directory: {directory}")
        retention = _bounded_int(
            env, "BOT_QUESTION_RETENTION_DAYS", RETENTION_DAYS, 1, 3650, problems
        )
        hold = _bounded_int(
            env, "BOT_QUESTION_HOLD_SECONDS", HOLD_SECONDS, 0, HOLD_SECONDS, problems
        )
        if problems:
            raise SettingsError("\n".join(problems))
        return cls(
            token=token,
            api_base_url=base_url,
            data_dir=Path(env.get("BOT_DATA_DIR", "").strip() or "data"),
            admin_ids=frozenset(admin_ids),
            webhook_url=webhook_url,
            webhook_secret=secret,
            webhook_listen=listen,
            webhook_port=port,
            knowledge_dir=_optional_dir(env, "BOT_KNOWLEDGE_DIR"),
            locales_dir=_optional_dir(env, "BOT_LOCALES_DIR"),
            # never a reason not to start: a cache that cannot be used means training
            cache_dir=cache_dir_from_env(env),
            question_retention_days=retention,
            question_hold_seconds=hold,
            log_level=level,
        )


def _is_ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _token_goes_into_path(base_url: str) -> bool:
    """The token is appended to the base URL (or replaces `{token}`): it must land in the
    path, never in the host or port, where it would show up in connection errors."""
    if "{token}" in base_url:
        return "{token}" in urlsplit(base_url).path
    path = urlsplit(base_url).path
    return (
        path.endswith("/bot") and not urlsplit(base_url).query and not urlsplit(base_url).fragment
    )


def _optional_dir(env: Mapping[str, str], name: str) -> Path | None:
    value = env.get(name, "").strip()
    return Path(value) if value else None


def _bounded_int(
    env: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]
) -> int:
    """An optional whole number within [low, high]; a problem is recorded otherwise."""
    text = env.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}; {text!r} is not")
        return default
    return int(text)
