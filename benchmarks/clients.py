"""CPU per Bot API call: python-telegram-bot's default client (httpx) against the bot's (aiohttp).

    python benchmarks/clients.py [--calls 3000] [--rounds 3]

Each client posts a sendMessage with a ~900-character HTML answer and a keyboard (what the
bot sends per question) to the Bot API stand-in, served in its own process on 127.0.0.1,
one call after another, through python-telegram-bot's `BaseRequest.post` (parameters
encoded, answer checked and decoded, as for every Bot API call). Reported per client:
the median over rounds of the CPU time of this process per call, and of the wall time.
Rounds alternate between the clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("PTB_TIMEDELTA", "1")

WARMUP = 50
ANSWER = "<b>How does facial recognition work?</b>\n\n" + "A camera takes a picture. " * 32


def _params() -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup
    from telegram.request import RequestData
    from telegram.request._requestparameter import RequestParameter

    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Watch the documentary", url="https://example.org/film")]]
        + [
            [InlineKeyboardButton(f"Related {i}", callback_data=f"t:en:topic-{i}")]
            for i in range(3)
        ]
        + [[InlineKeyboardButton("Share", switch_inline_query="facial-recognition")]]
    )
    values = {"chat_id": 7_000_001, "text": ANSWER, "parse_mode": "HTML", "reply_markup": markup}
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def _measure(client: Any, url: str, calls: int) -> tuple[float, float]:
    await client.initialize()
    try:
        for _ in range(WARMUP):
            await client.post(url, _params())
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(calls):
            await client.post(url, _params())
        return (time.process_time() - cpu) / calls * 1000, (
            time.perf_counter() - wall
        ) / calls * 1000
    finally:
        await client.shutdown()


def compare(calls: int = 3000, rounds: int = 3) -> dict[str, dict[str, float]]:
    from telegram.request import BaseRequest, HTTPXRequest

    from benchmarks.throughput import StandInProcess
    from bot.telegram.request import AiohttpRequest

    clients: dict[str, Callable[[], BaseRequest]] = {
        "httpx (PTB default)": lambda: HTTPXRequest(connection_pool_size=256),
        "aiohttp (the bot)": lambda: AiohttpRequest(connection_pool_size=256),
    }
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in clients}
    standin = StandInProcess()
    try:
        url = f"{standin.base_url}{standin.token}/sendMessage"
        for _ in range(rounds):
            for name, build in clients.items():
                measured[name].append(asyncio.run(_measure(build(), url, calls)))
    finally:
        standin.close()
    return {
        name: {
            "cpu_ms": round(statistics.median(c for c, _ in runs), 3),
            "wall_ms": round(statistics.median(w for _, w in runs), 3),
        }
        for name, runs in measured.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    result = compare(args.calls, args.rounds)
    try:
        import sniffio  # noqa: F401

        note = "sniffio installed"
    except ImportError:
        note = "sniffio NOT installed: httpx retries a failed import on every call"
    print(f"Bot API client cost, {args.calls} sendMessage calls x {args.rounds} rounds ({note})")
    print(f"{'client':<22} {'CPU ms/call':>12} {'wall ms/call':>13}")
    for name, figures in result.items():
        print(f"{name:<22} {figures['cpu_ms']:>12.3f} {figures['wall_ms']:>13.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
