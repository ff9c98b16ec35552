"""The error handler (bot/telegram/errors.py) on its own."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
from telegram.error import InvalidToken

from bot.telegram.errors import on_error


def handled(error: Exception, caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="bot.telegram.errors"):
        asyncio.run(on_error(None, SimpleNamespace(error=error)))  # type: ignore[arg-type]
    return caplog.records


def test_a_token_refused_while_answering_is_one_line_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A reply refused because the token was revoked (the poller stops the bot next) is
    logged as one line: under load it came before the poller's refusal and logged a
    traceback (tests/test_e2e_runtime.py::test_a_token_revoked_while_running_...)."""
    records = handled(InvalidToken("Unauthorized"), caplog)
    assert [r.getMessage() for r in records] == [
        "the Bot API refused the token while answering an update"
    ]
    assert records[0].exc_info is None


def test_other_errors_keep_their_traceback(caplog: pytest.LogCaptureFixture) -> None:
    records = handled(KeyError("topic"), caplog)
    assert [r.getMessage() for r in records] == ["error while handling an update"]
    assert records[0].exc_info is not None
