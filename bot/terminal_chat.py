"""`python -m bot chat`: the bot in a terminal, without Telegram or a token.

Type a question, a command (/topics, /language, /start fingerprints ...) or the
number of a button to press it. Replies are exactly what the bot would send,
shown as plain text with their buttons numbered.
"""

from __future__ import annotations

import shutil
import sys
import textwrap

from bot import markup
from bot.dialogue import Turn, command, press, question
from bot.explainer import Explainer
from bot.replies import Reply
from bot.storage import Store


def run_chat(explainer: Explainer, lang: str | None) -> int:
    turn = Turn(explainer, Store(":memory:"), chat_id=1, client_code=lang)
    actions: list[str] = []
    greeting = "Reclaim Your Face bot, in your terminal. Type a question, /help, or Ctrl-D to quit."
    print(textwrap.fill(greeting, max(shutil.get_terminal_size().columns - 1, MIN_WIDTH)) + "\n")
    while True:
        try:
            line = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line.isdigit() and 0 < int(line) <= len(actions):
            reply, _, notice = press(turn, actions[int(line) - 1])
            if notice:
                print(wrap(f"({notice})", shutil.get_terminal_size().columns, first=PROMPT))
                print()
            if reply is None:
                continue
        elif line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            reply, _ = command(turn, name.split("@")[0].lower(), argument.strip())
        else:
            reply, _ = question(turn, line)
        actions = show(reply)


PROMPT = "bot> "
INDENT = " " * len(PROMPT)
MIN_WIDTH = 20  # below this a wrapped answer is harder to read than an unwrapped one


def wrap(text: str, width: int, *, first: str = INDENT) -> str:
    """`text` indented under the prompt, each paragraph wrapped to the terminal width, so
    that long answers do not break mid-word at the screen's edge. URLs are never split."""
    width = max(width - 1, MIN_WIDTH)  # the last column would make some terminals wrap too
    lines = []
    for number, paragraph in enumerate(text.split("\n")):
        lead = first if number == 0 else INDENT
        if not paragraph.strip():
            lines.append(lead.rstrip())
            continue
        lines.extend(
            textwrap.wrap(
                paragraph,
                width,
                initial_indent=lead,
                subsequent_indent=INDENT,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return "\n".join(lines)


def show(reply: Reply) -> list[str]:
    """Print a reply; return the callback actions of its buttons, by number."""
    width = shutil.get_terminal_size().columns
    print(wrap(markup.to_plain(reply.html), width, first=PROMPT))
    actions: list[str] = []
    for row in reply.buttons:
        for button in row:
            if button.url:
                line = f"[link] {button.label}: {button.url}"
            elif button.action:
                actions.append(button.action)
                line = f"[{len(actions)}] {button.label}"
            elif button.share is not None:
                line = f"[share] {button.label}"
            else:
                continue
            print(wrap(line, width))
    print()
    sys.stdout.flush()
    return actions
