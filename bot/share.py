"""Deep links and QR codes for one topic, for posters, flyers and stickers.

`t.me/<bot>?start=<lang>_<topic>` opens the bot and shows the topic's answer in
that language (see `dialogue.deep_link`); without a language the answer comes in
the reader's own Telegram language.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.explainer import Explainer

# Telegram usernames: 5-32 letters, digits and underscores; a bot's ends in "bot".
_BOT_USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{1,28}[Bb][Oo][Tt]$")
QR_SCALE = 10  # pixels per module: about 4 cm wide at 300 dpi for a link this long
QR_BORDER = 4  # the quiet zone the QR standard asks for


def link_problems(ex: Explainer, topic_id: str, bot: str, lang: str | None) -> list[str]:
    """What is wrong with the request, as messages; empty when a link can be made."""
    problems = []
    if topic_id not in ex.knowledge.topics:
        problems.append(f"unknown topic {topic_id!r}; see knowledge/topics.yaml")
    if not _BOT_USERNAME.match(bot.removeprefix("@")):
        problems.append(f"{bot!r} is not a bot username (5-32 letters, digits, _; ends in 'bot')")
    if lang is not None and lang not in ex.languages:
        problems.append(
            f"language {lang!r} is not shipped; choose one of {', '.join(ex.languages)}"
        )
    return problems


def deep_link(bot: str, topic_id: str, lang: str | None) -> str:
    """The link that opens the bot on `topic_id` (in `lang`, when given)."""
    payload = f"{lang}_{topic_id}" if lang else topic_id
    return f"https://t.me/{bot.removeprefix('@')}?start={payload}"


def write_qr_png(link: str, path: Path) -> None:
    """A QR code of `link` as a PNG (segno, pure Python); error correction M survives a
    scuffed sticker."""
    import segno

    segno.make(link, error="m", micro=False).save(str(path), scale=QR_SCALE, border=QR_BORDER)
