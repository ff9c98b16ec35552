"""`python -m bot questions export|purge` and `python -m bot share`: tools for the team.

The export is JSON lines in the `eval` format with an empty `expect`, for someone to
label: `{"text", "lang", "expect": [], "considered", "reason", "day", "source"}`.
Once labelled, a line becomes a test case (`python -m bot eval`) or a new way of
asking in `knowledge/<lang>.yaml`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from bot.explainer import Explainer
from bot.feedback import TeamQuestion
from bot.share import deep_link, link_problems, write_qr_png
from bot.storage import DATABASE_FILE, Store

EXPORT_SOURCE = "sent-to-team"


def data_dir(given: Path | None) -> Path:
    """The bot's data directory: --data, else BOT_DATA_DIR, else ./data (as `run`)."""
    return given or Path(os.environ.get("BOT_DATA_DIR", "").strip() or "data")


def export_record(question: TeamQuestion) -> dict[str, object]:
    return {
        "text": question.text,
        "lang": question.lang,
        "expect": [],
        "considered": list(question.considered),
        "reason": question.reason,
        "day": question.day,
        "source": EXPORT_SOURCE,
    }


def run_questions(action: str, file: Path | None, data: Path | None) -> int:
    directory = data_dir(data)
    if not (directory / DATABASE_FILE).exists():
        print(
            f"{directory / DATABASE_FILE}: no database here (set --data or BOT_DATA_DIR)",
            file=sys.stderr,
        )
        return 1
    store = Store(directory / DATABASE_FILE)
    try:
        if action == "purge":
            print(f"deleted {store.purge_questions()} question(s)")
            return 0
        if file is None:
            print("questions export needs a FILE", file=sys.stderr)
            return 1
        questions = list(reversed(store.questions()))  # oldest first
        _write_private(file, "".join(json.dumps(export_record(q), ensure_ascii=False) + "\n"
                                     for q in questions))  # fmt: skip
        print(f"{file}: {len(questions)} question(s); label `expect`, then see README")
        return 0
    finally:
        store.close()


def _write_private(path: Path, text: str) -> None:
    """Write readable by the owner only: these are people's own words."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when the file existed with wider permissions
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)


def run_share(ex: Explainer, topic_id: str, bot: str, lang: str | None, png: Path | None) -> int:
    problems = link_problems(ex, topic_id, bot, lang)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    link = deep_link(bot, topic_id, lang)
    print(link)
    print(ex.knowledge.entry(topic_id, lang or "en").question)
    if png is not None:
        write_qr_png(link, png)
        print(f"{png}: QR code of the link")
    return 0
