"""Settings from the environment: validated at start, clear errors, secrets never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.telegram.settings import DEFAULT_API_BASE_URL, Settings, SettingsError

TOKEN = "1234567:AAFakeTokenForSettingsTests_not-real"


def test_defaults_and_values(tmp_path: Path) -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert settings.api_base_url == DEFAULT_API_BASE_URL and settings.webhook_url is None
    assert settings.data_dir == Path("data") and settings.admin_ids == frozenset()
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
        "BOT_DATA_DIR": str(tmp_path), "BOT_ADMIN_IDS": " 1, 22 ,", "BOT_WEBHOOK_URL": "https://example.org/hook",
        "BOT_WEBHOOK_SECRET": "s3cret", "BOT_WEBHOOK_PORT": "8080", "BOT_KNOWLEDGE_DIR": str(tmp_path),
    })  # fmt: skip
    assert settings.admin_ids == {1, 22} and settings.webhook_port == 8080
    assert settings.webhook_path == "hook" and settings.knowledge_dir == tmp_path
    assert TOKEN not in repr(settings) and "s3cret" not in repr(settings)


def test_every_problem_at_once_without_echoing_the_token() -> None:
    bad_token = "not-a-token-but-secret"
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({
            "TELEGRAM_BOT_TOKEN": bad_token, "BOT_ADMIN_IDS": "12,abc", "BOT_WEBHOOK_URL": "http://insecure",
            "BOT_WEBHOOK_PORT": "99999", "TELEGRAM_API_BASE_URL": "ftp://x", "BOT_KNOWLEDGE_DIR": "/no/such/dir",
        })  # fmt: skip
    message = str(caught.value)
    assert bad_token not in message
    for variable in ["TELEGRAM_BOT_TOKEN", "BOT_ADMIN_IDS", "BOT_WEBHOOK_URL", "BOT_WEBHOOK_SECRET",
                     "BOT_WEBHOOK_PORT", "TELEGRAM_API_BASE_URL", "BOT_KNOWLEDGE_DIR"]:  # fmt: skip
        assert variable in message


def test_missing_token() -> None:
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        Settings.from_env({})


@pytest.mark.parametrize("ids", ["-5", "1_000", "１２３", "0"])
def test_admin_ids_are_positive_ascii_numbers(ids: str) -> None:
    """A negative id is a group, never a user; int() would also take '1_000' and '１２３'."""
    with pytest.raises(SettingsError, match="BOT_ADMIN_IDS"):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_ADMIN_IDS": ids})


@pytest.mark.parametrize(
    ("name", "value"),
    [("BOT_WEBHOOK_PORT", "²"), ("BOT_WEBHOOK_PORT", "８０"), ("BOT_WEBHOOK_LISTEN", "not-an-ip")],
)
def test_webhook_port_and_address_are_checked(name: str, value: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})


def test_listen_address_may_be_ipv6() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "BOT_WEBHOOK_LISTEN": "::1"})
    assert settings.webhook_listen == "::1"


def test_question_retention_and_hold() -> None:
    settings = Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN})
    assert (settings.question_retention_days, settings.question_hold_seconds) == (90, 900)
    settings = Settings.from_env({
        "TELEGRAM_BOT_TOKEN": TOKEN, "BOT_QUESTION_RETENTION_DAYS": "30", "BOT_QUESTION_HOLD_SECONDS": "0",
    })  # fmt: skip
    assert (settings.question_retention_days, settings.question_hold_seconds) == (30, 0)
    for name, value in [
        ("BOT_QUESTION_RETENTION_DAYS", "0"),
        ("BOT_QUESTION_RETENTION_DAYS", "ninety"),
        ("BOT_QUESTION_HOLD_SECONDS", "901"),  # never longer than the 15 minutes promised
        ("BOT_QUESTION_HOLD_SECONDS", "-1"),
    ]:
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, name: value})


@pytest.mark.parametrize(
    ("base_url", "ok"),
    [
        ("http://127.0.0.1:8081/bot", True),
        ("https://api.example.org/custom/bot{token}/x", True),
        ("http://127.0.0.1:8081", False),  # the token would be glued to the port
        ("http://127.0.0.1:8081/", False),
        ("https://api.example.org/bot?x=1", False),
    ],
)
def test_the_base_url_must_put_the_token_into_the_path(base_url: str, ok: bool) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": base_url}
    if ok:
        assert Settings.from_env(env).api_base_url == base_url
        return
    with pytest.raises(SettingsError, match="TELEGRAM_API_BASE_URL must end in /bot"):
        Settings.from_env(env)


def test_log_level_from_the_environment_or_the_command_line() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN}
    assert Settings.from_env(env).log_level == "INFO"
    assert Settings.from_env({**env, "BOT_LOG_LEVEL": "debug"}).log_level == "DEBUG"
    assert (
        Settings.from_env({**env, "BOT_LOG_LEVEL": "debug"}, log_level="ERROR").log_level == "ERROR"
    )
    with pytest.raises(SettingsError, match="BOT_LOG_LEVEL"):
        Settings.from_env({**env, "BOT_LOG_LEVEL": "chatty"})
