"""Logging for `python -m bot run`: what is kept out at every level.

The bot logs what it decided (topic, language, counts), never message text, names
or ids. Libraries are less careful: python-telegram-bot logs the Bot API URL, which
contains the token, and every update in full at DEBUG, and httpx logs request URLs
at INFO. So:

* those libraries stay at INFO or above (httpx/httpcore at WARNING) even when the
  bot's own level is DEBUG (`BOT_LOG_LEVEL`);
* every record passes `Redact`, which replaces the token and the webhook secret
  wherever they appear, tracebacks included, as a last line of defence (a server
  that rejects the token, or a base URL that puts it into the host name, used to
  print it).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from urllib.parse import quote

# libraries whose DEBUG (or, for httpx, INFO) records carry URLs with the token or updates
_CHATTY = {"telegram": logging.INFO, "tornado": logging.INFO, "aiohttp": logging.INFO,
           "httpx": logging.WARNING, "httpcore": logging.WARNING}  # fmt: skip
HIDDEN = "<hidden>"


class Redact(logging.Filter):
    """Replaces secrets in a record's message and traceback."""

    def __init__(self, secrets: Iterable[str | None]) -> None:
        super().__init__()
        forms = {form for s in secrets if s for form in (s, quote(s, safe=""))}
        self._secrets = sorted(forms, key=len, reverse=True)

    def hide(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, HIDDEN)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        hidden = self.hide(message)
        if hidden != message:
            record.msg, record.args = hidden, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.hide(record.exc_text)
        if record.stack_info:
            record.stack_info = self.hide(record.stack_info)
        return True


def configure_logging(level: str = "INFO", secrets: Iterable[str | None] = ()) -> None:
    """One stderr handler for everything, redacting `secrets`; `level` for the bot's own
    loggers, never below INFO for the libraries that would log tokens or updates."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    numeric = logging.getLevelNamesMapping()[level]
    root.setLevel(numeric)
    for name, floor in _CHATTY.items():
        logging.getLogger(name).setLevel(max(numeric, floor))
    logging.captureWarnings(True)
