"""`python -m bot chat`: the bot in a terminal, without Telegram or a token.

Type a question, a command (/topics, /language, /start fingerprints ...) or the
number of a button to press it. Replies are exactly what the bot would send,
shown as plain text with their buttons numbered.
"""

from __future__ import annotations

import sys

from bot import markup
from bot.dialogue import Turn, command, press, question
from bot.explainer import Explainer
from bot.replies import Reply
from bot.storage import Store


def run_chat(explainer: Explainer, lang: str | None) -> int:
    turn = Turn(explainer, Store(":memory:"), chat_id=1, client_code=lang)
    actions: list[str] = []
    print("Reclaim Your Face bot, in your terminal. Type a question, /help, or Ctrl-D to quit.\n")
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
                print(f"bot> ({notice})\n")
            if reply is None:
                continue
        elif line.startswith("/"):
            name, _, argument = line[1:].partition(" ")
            reply, _ = command(turn, name.split("@")[0].lower(), argument.strip())
        else:
            reply, _ = question(turn, line)
        actions = show(reply)


def show(reply: Reply) -> list[str]:
    """Print a reply; return the callback actions of its buttons, by number."""
    print("bot> " + markup.to_plain(reply.html).replace("\n", "\n     "))
    actions: list[str] = []
    for row in reply.buttons:
        for button in row:
            if button.url:
                print(f"     [link] {button.label}: {button.url}")
            elif button.action:
                actions.append(button.action)
                print(f"     [{len(actions)}] {button.label}")
            elif button.share is not None:
                print(f"     [share] {button.label}")
    print()
    sys.stdout.flush()
    return actions
