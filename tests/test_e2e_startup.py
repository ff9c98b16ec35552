"""Starting the real bot process with a misconfiguration: one line saying what is wrong,
exit code 2, no traceback and never the token; a webhook is registered only once its
port is ours."""

from __future__ import annotations

import http.server
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from tests.e2e_helpers import ROOT, BotProcess, free_port
from tests.support.botapi import BotApiStandIn

START_TIMEOUT = 60


def start(api: BotApiStandIn, tmp_path: Path, env: Mapping[str, str]) -> str:
    """Run `python -m bot run` to its end; its output, after the usual checks."""
    environment = BotProcess(api, tmp_path / "data", tmp_path / "log").environment()
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
    )  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert "Traceback" not in output and " ERROR " not in output, output
    assert api.token not in output and api.token.split(":")[1] not in output, output
    reasons = [line for line in output.splitlines() if line.startswith("Cannot start: ")]
    assert len(reasons) == 1, output
    return reasons[0]


@pytest.fixture
def api() -> Iterator[BotApiStandIn]:
    with BotApiStandIn(check_webhook_url=False) as standin:
        yield standin


def test_a_data_dir_that_is_a_file(api: BotApiStandIn, tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory", encoding="utf-8")
    reason = start(api, tmp_path, {"BOT_DATA_DIR": str(tmp_path / "file")})
    assert "data directory" in reason and str(tmp_path / "file") in reason


def test_an_empty_chat_key_is_refused(api: BotApiStandIn, tmp_path: Path) -> None:
    """An empty key (left by a first start on a full disk) would make the stored hashes
    of chat ids reversible by anyone."""
    data = tmp_path / "data"
    data.mkdir()
    (data / "chat-key").write_bytes(b"")
    reason = start(api, tmp_path, {"BOT_DATA_DIR": str(data)})
    assert "chat-key" in reason and "0 bytes" in reason


def test_webhook_port_in_use_stops_before_set_webhook(api: BotApiStandIn, tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        reason = start(api, tmp_path, {
            "BOT_WEBHOOK_URL": "https://example.org/hook", "BOT_WEBHOOK_SECRET": "s3cret",
            "BOT_WEBHOOK_LISTEN": "127.0.0.1", "BOT_WEBHOOK_PORT": str(port),
        })  # fmt: skip
    assert f"127.0.0.1:{port}" in reason
    assert [c.method for c in api.calls() if c.method == "setWebhook"] == []


def test_settings_that_are_not_usable(api: BotApiStandIn, tmp_path: Path) -> None:
    environment = BotProcess(api, tmp_path / "data", tmp_path / "log").environment()
    environment.update({"BOT_WEBHOOK_LISTEN": "not-an-ip", "BOT_WEBHOOK_PORT": "²"})
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=environment,
        capture_output=True, text=True, timeout=START_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    lines = done.stderr.splitlines()
    assert any(line.startswith("BOT_WEBHOOK_LISTEN must be an IP address") for line in lines)
    assert any(line.startswith("BOT_WEBHOOK_PORT must be a port number") for line in lines)


def test_an_unreachable_bot_api(api: BotApiStandIn, tmp_path: Path) -> None:
    closed = free_port()  # nothing listens there
    reason = start(api, tmp_path, {"TELEGRAM_API_BASE_URL": f"http://127.0.0.1:{closed}/bot"})
    assert f"http://127.0.0.1:{closed}" in reason and "TELEGRAM_API_BASE_URL" in reason


class _HtmlPage(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_base_url_that_answers_html(api: BotApiStandIn, tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HtmlPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        reason = start(api, tmp_path, {"TELEGRAM_API_BASE_URL": f"{url}/bot"})
    finally:
        server.shutdown()
        server.server_close()
    assert url in reason
