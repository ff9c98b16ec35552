"""`python -m bot ask|eval|check|chat|run|i18n|questions|share`: the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from bot import markup
from bot.decision import probability
from bot.dialogue import Turn, reply_to
from bot.explainer import Explainer
from bot.features import readable
from bot.modelcache import cache_dir_from_env
from bot.problems import DataError
from bot.storage import Store

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_DATA = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that stops early (`ask --batch ... | head`) ends it
    quietly, as other command-line tools do, instead of with a traceback."""
    try:
        return _command(argv)
    except BrokenPipeError:
        # Python would fail again flushing stdout at exit: point it at /dev/null first
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PROBLEMS


def _command(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_PROBLEMS
    if args.command == "check":
        from bot.check import run_check

        return run_check(args.knowledge, args.locales)
    if args.command == "i18n":
        from bot.catalog_tools import run_i18n

        return run_i18n(args.action, args.locales)
    if args.command == "run":
        from bot.telegram.run import run_bot

        return run_bot(args.log_level)
    if args.command == "questions":
        from bot.team_tools import run_questions

        return run_questions(args.action, args.file, args.data)
    try:
        explainer = Explainer.load(args.knowledge, args.locales, cache_dir_from_env())
    except DataError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_DATA
    if args.command == "ask":
        return _ask(explainer, args)
    if args.command == "eval":
        from bot.evaluate import run_eval

        return run_eval(explainer, args.file)
    if args.command == "meaning-seed":
        from bot import semantic
        from bot.explainer import ways_of_asking

        count = semantic.write_seed([p.text for p in ways_of_asking(explainer.knowledge)])
        print(f"wrote the meaning vectors of {count} ways of asking to {semantic.SEED}")
        print(f"wrote the tokenizer's {semantic.write_pieces()} pieces to {semantic.PIECES}")
        return 0
    if args.command == "share":
        from bot.team_tools import run_share

        return run_share(explainer, args.topic, args.bot, args.lang, args.png)
    from bot.terminal_chat import run_chat

    return run_chat(explainer, args.lang)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--knowledge", type=Path, default=None, help="knowledge directory")
    common.add_argument("--locales", type=Path, default=None, help="UI catalogs directory")
    sub = parser.add_subparsers(dest="command")
    ask = sub.add_parser("ask", parents=[common], help="answer one question (or a batch)")
    ask.add_argument("--lang", default=None, help="the asker's language (like Telegram's)")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument(
        "--batch", default=None, metavar="FILE", help="JSON lines {text, lang}; - for stdin"
    )
    ask.add_argument(
        "--explain",
        action="store_true",
        help="show the top topics, their scores and the n-grams that pushed each",
    )
    ask.add_argument("question", nargs="*")
    evaluate = sub.add_parser(
        "eval", parents=[common], help="score the matcher on labelled questions"
    )
    evaluate.add_argument(
        "file", type=Path, nargs="*", help="JSON lines sets (default: every set in tests/data)"
    )
    sub.add_parser("check", parents=[common], help="validate knowledge and catalogs, show coverage")
    chat = sub.add_parser("chat", parents=[common], help="talk to the bot in the terminal")
    sub.add_parser(
        "meaning-seed",
        parents=[common],
        help="store the ways of asking's meaning vectors in the package (maintainers)",
    )
    chat.add_argument("--lang", default=None, help="your language, as Telegram would report it")
    run = sub.add_parser("run", help="run the Telegram bot (configured by environment variables)")
    run.add_argument(
        "--log-level",
        type=str.upper,
        default=None,
        help="DEBUG, INFO (default), WARNING or ERROR; overrides BOT_LOG_LEVEL. The token and "
        "message contents stay out of the log at every level",
    )
    i18n = sub.add_parser("i18n", help="maintain the UI catalogs with Babel")
    i18n.add_argument("action", choices=["extract", "update", "compile", "check"])
    i18n.add_argument("--locales", type=Path, default=None)
    questions = sub.add_parser("questions", help="the questions people sent to the team")
    questions.add_argument("action", choices=["export", "purge"])
    questions.add_argument("file", type=Path, nargs="?", help="export: the JSON lines file")
    questions.add_argument(
        "--data", type=Path, default=None, help="data directory (default: $BOT_DATA_DIR or data)"
    )
    share = sub.add_parser(
        "share", parents=[common], help="a topic's deep link and QR code, for posters"
    )
    share.add_argument("topic", help="topic id, e.g. fingerprints")
    share.add_argument("--bot", required=True, help="the bot's username, e.g. ReclaimYourFaceBot")
    share.add_argument("--lang", default=None, help="open the topic in this language")
    share.add_argument("--png", type=Path, default=None, metavar="FILE", help="write a QR code")
    return parser


def answer_record(
    explainer: Explainer, store: Store, text: str, lang: str | None
) -> dict[str, Any]:
    """The `ask --json` contract: id, score, lang, answer (plain text), suggestions."""
    turn = Turn(explainer, store, chat_id=0, client_code=lang)
    match = explainer.ask(text)
    reply, reply_lang = reply_to(turn, match)
    if match.topic_id is not None:
        plain = explainer.knowledge.entry(match.topic_id, reply_lang).answer_plain.strip()
    else:
        plain = markup.to_plain(reply.html)
    return {
        "id": match.topic_id,
        "score": round(match.score, 1),
        "lang": reply_lang,
        "answer": plain,
        "suggestions": list(match.suggestions),
    }


def _ask(explainer: Explainer, args: argparse.Namespace) -> int:
    if args.batch is not None:
        if args.batch == "-":
            _print_batch(explainer, sys.stdin)
        else:
            with open(args.batch, encoding="utf-8") as source:
                _print_batch(explainer, source)
        return EXIT_OK
    text = " ".join(args.question)
    if args.explain:
        print(explanation(explainer, text))
        return EXIT_OK
    record = answer_record(explainer, Store(":memory:"), text, args.lang)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))
    else:
        print(record["answer"])
        if record["suggestions"]:
            print("\n" + "\n".join(f"- {s}" for s in record["suggestions"]))
    return EXIT_OK


def explanation(explainer: Explainer, text: str) -> str:
    """`ask --explain`: the verdict, then each top topic with its scores and the
    n-grams that pushed its model score up (+) or down (-)."""
    match, small_talk = explainer.weigh(text)
    verdict = match.topic_id or f"declined; suggestions: {', '.join(match.suggestions) or 'none'}"
    lines = [f"verdict: {verdict} (confidence {match.score:.1f}, language {match.lang or '?'})"]
    if match.signals is not None:
        weighed = ", ".join(f"{name} {value:.2f}" for name, value in match.signals.values().items())
        lines.append(
            f"probability the best topic is right: {probability(match.signals):.2f}"
            f" (answers at {match.answer_at:.2f}; {weighed})"
        )
    else:
        lines.append("declined before weighing: most of the words are unknown to the knowledge")
    named = explainer.knowledge.subject.naming(text)
    barred = sorted(explainer.knowledge.pointers_elsewhere)
    if named is not None and barred:
        lines.append(
            f"names the subject ({named!r}): ranked without the signposts {', '.join(barred)}"
        )
    ranked = [topic for topic, *_ in match.ranked]
    if list(match.suggestions) != sorted(match.suggestions, key=ranked.index):
        lines.append(
            f"specific before broad: {match.suggestions[0]} offered first, before"
            f" {', '.join(t for t in match.suggestions if t in explainer.knowledge.broad)}"
            " (broad: true in topics.yaml), ranked higher"
        )
    if small_talk is not None:
        lines.append(
            f"small talk beside a question: {small_talk} ranks first on the whole message,"
            f" what is left without it is answered (below: the whole message)"
        )
    for c in explainer.matcher.explain(text):
        lines.append(
            f"{c.topic_id}: confidence {c.confidence:.1f}, model {c.model:+.3f}, "
            f"lexical {c.lexical:.1f}" + ("" if c.meaning is None else f", meaning {c.meaning:.1f}")
        )
        lines += [f"    {push:+.3f}  {readable(gram)}" for gram, push in c.pushes]
    return "\n".join(lines)


def _print_batch(explainer: Explainer, lines: TextIO) -> None:
    for record in _batch(explainer, lines):
        print(json.dumps(record, ensure_ascii=False), flush=False)
    sys.stdout.flush()


def _batch(explainer: Explainer, lines: TextIO) -> Iterator[dict[str, Any]]:
    store = Store(":memory:")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            if not isinstance(item, dict) or not isinstance(item.get("text"), str):
                raise ValueError('not an object with a "text" string')
            text, lang = item["text"], item.get("lang")
        except ValueError as exc:
            yield {"error": f'line {number}: expected {{"text": "...", "lang": "de"}}: {exc}'}
            continue
        yield answer_record(explainer, store, text, lang if isinstance(lang, str) else None)
