"""`python -m bot eval FILE`: how well the matcher does on labelled questions.

Each line is `{"text", "lang", "expect": [topic ids, or null]}`. A question is
in scope when `expect` names a topic; it counts as answered right when the
matcher answers one of the expected ids (or declines, when null is expected
too). An out-of-scope question (`expect: [null]`) counts as declined when the
matcher answers no topic. A line with an empty `expect` (as `questions export`
writes them) is not labelled yet: it is counted and skipped. `lang` is passed as the asker's client language, as
Telegram would; "own language" is the share of answered questions whose reply
is in the question's language.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from bot.dialogue import Turn, reply_to
from bot.explainer import Explainer
from bot.storage import Store


def run_eval(explainer: Explainer, path: Path) -> int:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"{path}: cannot read: {exc.strerror}", file=sys.stderr)
        return 2
    labelled = [json.loads(line) for line in text.splitlines() if line.strip()]
    rows = [row for row in labelled if row.get("expect")]
    unlabelled = len(labelled) - len(rows)
    stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    misses: list[str] = []
    store = Store(":memory:")
    for row in rows:
        text, lang, expect = row["text"], row.get("lang") or "en", row["expect"]
        match = explainer.ask(text)
        _, reply_lang = reply_to(Turn(explainer, store, 0, client_code=lang), match)
        in_scope = any(e is not None for e in expect)
        for key in (lang, "all"):
            s = stats[key]
            if in_scope:
                s["in"] += 1
                ok = match.topic_id in expect
                s["in_ok"] += ok
                if match.topic_id is not None:
                    s["answered"] += 1
                    s["own_lang"] += reply_lang == lang
                    s["detected"] += match.lang == lang
            else:
                s["out"] += 1
                ok = match.topic_id is None
                s["out_ok"] += ok
        if not ok:
            got = (
                match.topic_id
                or f"(declined; suggested {', '.join(match.suggestions) or 'nothing'})"
            )
            misses.append(
                f"  [{lang}] {text!r}: expected {expect}, got {got} (score {match.score:.0f})"
            )
    print(f"{'lang':<5} {'in-scope right':>16} {'out-of-scope declined':>22} {'own language':>14}")
    for key in sorted(stats, key=lambda k: (k == "all", k)):
        s = stats[key]
        print(
            f"{key:<5} {_share(s['in_ok'], s['in']):>16} {_share(s['out_ok'], s['out']):>22} "
            f"{_share(s['own_lang'], s['answered']):>14}"
        )
    if unlabelled:
        print(f"\nnot labelled yet (empty expect), skipped: {unlabelled}")
    print(f"\nmisses ({len(misses)}):" if misses else "\nmisses: none")
    for line in misses:
        print(line)
    return 0


def _share(part: int, whole: int) -> str:
    if not whole:
        return "-"
    return f"{100 * part / whole:5.1f}% ({part}/{whole})"
