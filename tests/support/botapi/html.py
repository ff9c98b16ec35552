"""Telegram's HTML parse mode (a port of tdlib's parse_html) and its automatic entities."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .common import ApiError, _bad, _utf16_len

# --------------------------------------------------------------------------------------------
# HTML parse mode (port of tdlib's parse_html, td/telegram/MessageEntity.cpp)
# --------------------------------------------------------------------------------------------

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_SIMPLE_TAG_TYPES = {
    "i": "italic",
    "em": "italic",
    "b": "bold",
    "strong": "bold",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
_SPACES = frozenset(b" \t\r\n\v\f\0")


def _entity_error(message: str) -> ApiError:
    return _bad("can't parse entities: " + message)


def _decode_html_entity(data: bytes, pos: int) -> tuple[int, int, bool]:
    """(code point or 0, position after the entity, ended with ';')."""
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    end = pos + 1
    code = 0
    if at(pos + 1) == 0x23:  # '#'
        end += 1
        if at(pos + 2) == 0x78:  # 'x'
            end += 1
            while chr(at(end)) in "0123456789abcdefABCDEF" and at(end):
                code = code * 16 + int(chr(at(end)), 16)
                end += 1
        else:
            while 0x30 <= at(end) <= 0x39:
                code = code * 10 + at(end) - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos, False
    else:
        while (0x41 <= at(end) <= 0x5A) or (0x61 <= at(end) <= 0x7A):
            end += 1
        code = _NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if not code:
            return 0, pos, False
    if at(end) == 0x3B:  # ';'
        return code, end + 1, True
    return code, end, False


def _checked_link(url: str) -> str:
    """Roughly tdlib's LinkManager::get_checked_link: '' means the link is dropped silently."""
    url = url.strip()
    if not url:
        return ""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ton"):
        return url if parts.netloc else ""
    if scheme == "tg":
        return url
    if not scheme and re.match(r"^[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(/|$)", url):
        return "http://" + url
    return ""


def parse_html(text: str, *, strict: bool = False) -> tuple[str, list[dict[str, Any]]]:
    """Visible text and entities of Telegram HTML; raises ApiError(400, "...can't parse entities...")."""
    data = text.encode("utf-8")
    n = len(data)

    def at(k: int) -> int:
        return data[k] if k < n else 0

    out = bytearray()
    utf16 = 0
    entities: list[dict[str, Any]] = []
    stack: list[tuple[str, str, int, int]] = []  # tag, argument, utf16 offset, out position
    i = 0
    while i < n:
        c = data[i]
        if c == 0x26:  # '&'
            code, end, semicolon = _decode_html_entity(data, i)
            if code:
                if strict and not semicolon:
                    raise _entity_error(
                        f'HTML entity "{data[i:end].decode()}" at byte offset {i} must end with ";"'
                    )
                if 0xD800 <= code <= 0xDFFF:
                    raise _entity_error(
                        "Text contains invalid Unicode characters after decoding HTML entities, "
                        "check for unmatched surrogate code units"
                    )
                out += chr(code).encode("utf-8")
                utf16 += 2 if code > 0xFFFF else 1
                i = end
                continue
            if strict:
                named = re.match(rb"&#?[A-Za-z0-9]+;", data[i:])
                if named:
                    raise _entity_error(
                        f'Unsupported HTML entity "{named.group(0).decode()}" at byte offset {i} '
                        "(only &lt; &gt; &amp; &quot; and numeric entities are supported)"
                    )
                raise _entity_error(
                    f'Character "&" at byte offset {i} must be escaped as "&amp;" '
                    "(stand-in strict mode; Telegram would show it literally)"
                )
        if c != 0x3C:  # not '<'
            if strict and c == 0x3E:
                raise _entity_error(
                    f'Character ">" at byte offset {i} must be escaped as "&gt;" '
                    "(stand-in strict mode; Telegram would show it literally)"
                )
            out.append(c)
            if (c & 0xC0) != 0x80:
                utf16 += 2 if c >= 0xF0 else 1
            i += 1
            continue

        begin = i
        i += 1
        if at(i) != 0x2F:  # start tag
            while at(i) not in _SPACES and at(i) != 0x3E:
                i += 1
            if at(i) == 0:
                raise _entity_error(f"Unclosed start tag at byte offset {begin}")
            tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
            if tag not in _HTML_TAGS:
                raise _entity_error(f'Unsupported start tag "{tag}" at byte offset {begin}')
            argument = ""
            while at(i) != 0x3E:
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0x3E:
                    break
                attr_begin = i
                while at(i) not in _SPACES and at(i) not in (0x3D, 0x3E):
                    i += 1
                name = data[attr_begin:i].decode("utf-8", "replace")
                if not name:
                    raise _entity_error(
                        f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                    )
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) != 0x3D:
                    if tag == "blockquote" and name == "expandable":
                        argument = "expandable"
                        continue
                    raise _entity_error(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {begin}"
                    )
                i += 1
                while at(i) != 0 and at(i) in _SPACES:
                    i += 1
                if at(i) == 0:
                    raise _entity_error(f'Unclosed start tag "{tag}" at byte offset {begin}')
                if at(i) not in (0x22, 0x27):
                    token_begin = i
                    while at(i) and (
                        chr(at(i)).isascii() and (chr(at(i)).isalnum() or at(i) in (0x2E, 0x2D))
                    ):
                        i += 1
                    value = data[token_begin:i].decode("utf-8", "replace").lower()
                    if at(i) not in _SPACES and at(i) != 0x3E:
                        raise _entity_error(
                            f"Unexpected end of name token at byte offset {token_begin}"
                        )
                else:
                    quote = at(i)
                    i += 1
                    buf = bytearray()
                    while at(i) != quote and at(i) != 0:
                        if at(i) == 0x26:
                            code, end, _semicolon = _decode_html_entity(data, i)
                            if code:
                                buf += chr(code).encode("utf-8", "surrogatepass")
                                i = end
                                continue
                        buf.append(at(i))
                        i += 1
                    if at(i) == quote:
                        i += 1
                    value = buf.decode("utf-8", "replace")
                if at(i) == 0:
                    raise _entity_error(f"Unclosed start tag at byte offset {begin}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[9:]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[3:]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise _entity_error(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
                )
            stack.append((tag, argument, utf16, len(out)))
            i += 1  # past '>'
            continue

        # end tag
        if not stack:
            raise _entity_error(f"Unexpected end tag at byte offset {begin}")
        while at(i) not in _SPACES and at(i) != 0x3E:
            i += 1
        end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
        while at(i) != 0 and at(i) in _SPACES:
            i += 1
        if at(i) != 0x3E:
            raise _entity_error(f"Unclosed end tag at byte offset {begin}")
        tag, argument, start16, start_out = stack[-1]
        if end_name and end_name != tag:
            raise _entity_error(
                f'Unmatched end tag at byte offset {begin}, expected "</{tag}>", found "</{end_name}>"'
            )
        if utf16 > start16:
            offset, length = start16, utf16 - start16
            last = entities[-1] if entities else None
            if tag in _SIMPLE_TAG_TYPES:
                entities.append(
                    {"type": _SIMPLE_TAG_TYPES[tag], "offset": offset, "length": length}
                )
            elif tag == "tg-emoji":
                if not argument.isdigit() or int(argument) == 0:
                    raise _entity_error("Invalid custom emoji identifier specified")
                entities.append(
                    {
                        "type": "custom_emoji",
                        "offset": offset,
                        "length": length,
                        "custom_emoji_id": argument,
                    }
                )
            elif tag == "a":
                url = argument or out[start_out:].decode("utf-8", "replace")
                mention = re.fullmatch(r"tg://user\?id=(\d+)", url.strip())
                if mention:
                    entities.append(
                        {
                            "type": "text_mention",
                            "offset": offset,
                            "length": length,
                            "user": {
                                "id": int(mention.group(1)),
                                "is_bot": False,
                                "first_name": "",
                            },
                        }
                    )
                elif url := _checked_link(url):
                    entities.append(
                        {"type": "text_link", "offset": offset, "length": length, "url": url}
                    )
            elif tag == "pre":
                if (
                    last
                    and last["type"] == "code"
                    and last["offset"] == offset
                    and last["length"] == length
                    and last.get("_language")
                ):
                    last["type"] = "pre"
                    last["language"] = last.pop("_language")
                else:
                    entities.append({"type": "pre", "offset": offset, "length": length})
            elif tag == "code":
                if (
                    last
                    and last["type"] == "pre"
                    and last["offset"] == offset
                    and last["length"] == length
                    and argument
                ):
                    last["language"] = argument
                else:
                    entity = {"type": "code", "offset": offset, "length": length}
                    if argument:
                        entity["_language"] = argument
                    entities.append(entity)
            elif tag == "blockquote":
                kind = "expandable_blockquote" if argument == "expandable" else "blockquote"
                entities.append({"type": kind, "offset": offset, "length": length})
        stack.pop()
        i += 1
    if stack:
        raise _entity_error(f"Can't find end tag corresponding to start tag {stack[-1][0]}")
    for entity in entities:
        entity.pop("_language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.decode("utf-8", "replace"), entities


# --------------------------------------------------------------------------------------------
# automatic entities (tdlib's match_bot_commands / find_mentions, plus plain URLs)
# --------------------------------------------------------------------------------------------

_COMMAND_CHARS = re.compile(r"[A-Za-z0-9_]*")
_SHORT_INLINE_BOTS = frozenset(
    {"gif", "wiki", "vid", "bing", "pic", "bold", "imdb", "coub", "like", "vote"}
)
_URL = re.compile(r"\bhttps?://[^\s<>\"]+", re.IGNORECASE)


def _is_word(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def auto_entities(text: str) -> list[dict[str, Any]]:
    """The entities Telegram adds by itself: bot_command, mention, url (UTF-16 offsets)."""
    found: list[tuple[int, int, str]] = []  # python index start, end, type
    for match in re.finditer("/", text):
        start = match.start()
        if start and (_is_word(text[start - 1]) or text[start - 1] in "/<>"):
            continue
        end = _COMMAND_CHARS.match(text, start + 1).end()  # type: ignore[union-attr]
        if not 1 <= end - start - 1 <= 64:
            continue
        if end < len(text) and text[end] == "@":
            mention_end = _COMMAND_CHARS.match(text, end + 1).end()  # type: ignore[union-attr]
            if not 3 <= mention_end - end - 1 <= 32:
                continue
            end = mention_end
        if end < len(text) and (_is_word(text[end]) or text[end] in "/<>"):
            continue
        found.append((start, end, "bot_command"))
    for match in re.finditer("@", text):
        start = match.start()
        if start and _is_word(text[start - 1]):
            continue
        if any(s < start < e for s, e, _ in found):
            continue
        end = _COMMAND_CHARS.match(text, start + 1).end()  # type: ignore[union-attr]
        name = text[start + 1 : end]
        if not 2 <= len(name) <= 32 or (end < len(text) and _is_word(text[end])):
            continue
        if len(name) < 5 and name.lower() not in _SHORT_INLINE_BOTS:
            continue
        found.append((start, end, "mention"))
    for match in _URL.finditer(text):
        end = match.end()
        while end > match.start() and text[end - 1] in ".,;:!?)]}'":
            end -= 1
        found.append((match.start(), end, "url"))
    entities: list[dict[str, Any]] = [
        {"type": kind, "offset": _utf16_len(text[:start]), "length": _utf16_len(text[start:end])}
        for start, end, kind in found
    ]
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return entities
