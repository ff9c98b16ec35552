"""The one markup answers may use: a small subset of Telegram HTML.

Answers may contain `<b>`, `<i>` and the entities `&amp;`, `&lt;`, `&gt;`,
`&quot;`. Everything else is rejected when the knowledge is loaded, so what we
send with `parse_mode=HTML` is always accepted by Telegram. Text that comes from
users is never markup: it goes through `escape()`.
"""

from __future__ import annotations

import html
import re

ALLOWED_TAGS = frozenset({"b", "i"})
_TOKEN = re.compile(r"<(/?)([a-zA-Z]*)([^>]*)>|&([a-zA-Z]+|#[0-9]+|#x[0-9a-fA-F]+);|[<>&]")
_ENTITIES = frozenset({"amp", "lt", "gt", "quot"})


def escape(text: str) -> str:
    """Make any text safe to send inside Telegram HTML."""
    return html.escape(text, quote=False)


def problems(markup: str) -> list[str]:
    """What is wrong with `markup`, as messages; an empty list means it is valid."""
    found: list[str] = []
    open_tags: list[str] = []
    for token in _TOKEN.finditer(markup):
        closing, tag, rest, entity = token.group(1), token.group(2), token.group(3), token.group(4)
        text = token.group(0)
        if text in {"<", ">", "&"}:
            found.append(f"bare {text!r}: write &lt; &gt; or &amp;")
        elif entity is not None:
            if not entity.startswith("#") and entity not in _ENTITIES:
                found.append(f"unknown entity &{entity}; (use &amp; &lt; &gt; &quot;)")
        elif tag.lower() not in ALLOWED_TAGS or rest.strip():
            found.append(f"tag {text!r} is not allowed (only <b> and <i>, without attributes)")
        elif closing:
            if not open_tags or open_tags[-1] != tag.lower():
                found.append(f"{text!r} closes a tag that is not open")
            else:
                open_tags.pop()
        else:
            if tag.lower() in open_tags:
                found.append(f"<{tag}> opened inside itself")
            open_tags.append(tag.lower())
    found.extend(f"<{tag}> is never closed" for tag in open_tags)
    return found


def to_plain(markup: str) -> str:
    """The visible text of valid markup: tags dropped, entities decoded."""
    return html.unescape(re.sub(r"</?[a-zA-Z]+>", "", markup))


_BOLD = re.compile(r"<b>(.*?)</b>", re.DOTALL)


def bold_names(markup: str) -> list[str]:
    """The visible text of each bold run of valid markup, in order: the names an answer
    gives its items (`• <b>Italy</b>: ...`; see `bot.focus`)."""
    return [to_plain(found).strip() for found in _BOLD.findall(markup)]
