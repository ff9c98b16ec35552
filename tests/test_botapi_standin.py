"""Self-tests of the Bot API stand-in (tests/support/botapi/) and RecordingRequest."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import httpx
import pytest
from support.botapi import (
    DEFAULT_USER_ID,
    BotApiStandIn,
    FakeBotApi,
    WaitTimeout,
    _decode_body,
    callback_query,
    inline_query,
    photo_message,
    post_webhook,
    sticker_message,
    text_message,
)
from support.recording_request import RecordingRequest, make_update, recording_application_builder
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, CommandHandler, ContextTypes

CHAT = DEFAULT_USER_ID


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    # PTB 22.x warns (PTBDeprecationWarning -> error here) whenever a RetryAfter is *built*,
    # unless it is told to use timedelta already.
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
def api() -> FakeBotApi:
    return FakeBotApi()


@pytest.fixture
def standin() -> Iterator[BotApiStandIn]:
    with BotApiStandIn() as running:
        yield running


def send(api: FakeBotApi, text: str, **params: Any) -> tuple[int, dict[str, Any]]:
    return api.handle("sendMessage", {"chat_id": CHAT, "text": text, **params})


def description(result: tuple[int, dict[str, Any]]) -> str:
    return result[1]["description"]


# ------------------------------------------------------------------ validation


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<b>open", "Can't find end tag corresponding to start tag b"),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("a < b", 'Unsupported start tag "" at byte offset 2'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("</b>", "Unexpected end tag at byte offset 0"),
        ("<span>x</span>", 'Tag "span" must have class "tg-spoiler"'),
        ("fish & chips", 'Character "&"'),
        ("a&nbsp;b", 'Unsupported HTML entity "&nbsp;"'),
        ("2 > 1", 'Character ">"'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
def test_invalid_html_is_rejected_like_telegram(api: FakeBotApi, html: str, expected: str) -> None:
    status, payload = send(api, html, parse_mode="HTML")
    assert status == 400
    assert payload["ok"] is False and payload["error_code"] == 400
    assert payload["description"].startswith("Bad Request: can't parse entities: ")
    assert expected in payload["description"]
    assert api.sent_messages() == []


def test_valid_html_gives_visible_text_and_utf16_entities(api: FakeBotApi) -> None:
    status, payload = send(
        api,
        '😀 <b>bold</b> &lt;tag&gt; &amp; <i>it<u>u</u></i> <a href="https://example.org">link</a> '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">t</span> &#128512;',
        parse_mode="HTML",
    )
    assert status == 200
    message = payload["result"]
    assert message["text"] == "😀 bold <tag> & itu link s t 😀"
    types = [(e["type"], e["offset"], e["length"]) for e in message["entities"]]
    assert ("bold", 3, 4) in types  # the emoji counts 2 UTF-16 units
    assert ("italic", 16, 3) in types and ("underline", 18, 1) in types
    assert (
        ("text_link", 20, 4) in types
        and ("spoiler", 25, 1) in types
        and ("spoiler", 27, 1) in types
    )


def test_tdlib_mode_accepts_what_telegram_shows_literally() -> None:
    lenient = FakeBotApi(strict_html=False)
    status, payload = send(lenient, "fish & chips &nbsp; 2 > 1", parse_mode="HTML")
    assert status == 200
    assert payload["result"]["text"] == "fish & chips &nbsp; 2 > 1"


def test_text_length_counts_visible_characters(api: FakeBotApi) -> None:
    assert send(api, "x" * 4096)[0] == 200
    assert description(send(api, "x" * 4097)) == "Bad Request: message is too long"
    assert send(api, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")[0] == 200
    assert description(send(api, "<b>" + "x" * 4097 + "</b>", parse_mode=ParseMode.HTML)) == (
        "Bad Request: message is too long"
    )
    assert send(api, "&amp;" * 4096, parse_mode="HTML")[0] == 200
    assert description(send(api, "")) == "Bad Request: message text is empty"
    assert (
        description(send(api, "<b> </b>", parse_mode="HTML"))
        == "Bad Request: message text is empty"
    )
    assert len(api.sent_messages()) == 3


def keyboard(**button: Any) -> dict[str, Any]:
    return {"inline_keyboard": [[{"text": "press", **button}]]}


def test_callback_data_limit_is_64_bytes(api: FakeBotApi) -> None:
    assert send(api, "ok", reply_markup=keyboard(callback_data="x" * 64))[0] == 200
    assert description(send(api, "no", reply_markup=keyboard(callback_data="x" * 65))) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )
    # bytes, not characters: 33 x "é" is 66 bytes
    assert description(send(api, "no", reply_markup=keyboard(callback_data="é" * 33))) == (
        "Bad Request: BUTTON_DATA_INVALID"
    )


def test_buttons_need_an_action_and_a_sane_url(api: FakeBotApi) -> None:
    assert description(send(api, "x", reply_markup=keyboard())) == (
        "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
    )
    assert "Unsupported URL protocol" in description(
        send(api, "x", reply_markup=keyboard(url="ftp://x.org"))
    )
    assert "Wrong HTTP URL" in description(
        send(api, "x", reply_markup=keyboard(url="http://localhost:8080"))
    )
    assert send(api, "x", reply_markup=keyboard(url="https://reclaimyourface.eu/"))[0] == 200
    assert send(api, "x", reply_markup=keyboard(url="tg://resolve?domain=x"))[0] == 200


def test_callback_queries_are_answered_once(api: FakeBotApi) -> None:
    _, sent = send(api, "pick", reply_markup=keyboard(callback_data="topic:1"))
    message = sent["result"]
    assert api.bot_messages(CHAT) == [message]
    with pytest.raises(ValueError, match="no button"):
        callback_query("topic:2", message)
    update = api.push_update(callback_query("topic:1", message))
    query_id = update["callback_query"]["id"]
    expired = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    assert description(api.handle("answerCallbackQuery", {"callback_query_id": "12345"})) == expired
    assert api.handle("answerCallbackQuery", {"callback_query_id": query_id})[0] == 200
    assert (
        description(api.handle("answerCallbackQuery", {"callback_query_id": query_id})) == expired
    )


def test_answer_inline_query_limits(api: FakeBotApi) -> None:
    def article(n: int) -> dict[str, Any]:
        return {
            "type": "article",
            "id": str(n),
            "title": f"t{n}",
            "input_message_content": {"message_text": f"<b>{n}</b>", "parse_mode": "HTML"},
        }

    def answer(**params: Any) -> tuple[int, dict[str, Any]]:
        query_id = api.register(inline_query("face"))["inline_query"]["id"]
        return api.handle("answerInlineQuery", {"inline_query_id": query_id, **params})

    assert answer(results=[article(n) for n in range(50)])[0] == 200
    assert (
        description(answer(results=[article(n) for n in range(51)]))
        == "Bad Request: RESULTS_TOO_MUCH"
    )
    assert (
        description(answer(results=[article(1), article(1)])) == "Bad Request: RESULT_ID_DUPLICATE"
    )
    bad_param = {"text": "open", "start_parameter": "has space"}
    assert description(answer(results=[], button=bad_param)) == "Bad Request: START_PARAM_INVALID"
    assert answer(results=[], button={"text": "open", "start_parameter": "topic-1_a"})[0] == 200
    broken = {**article(1), "input_message_content": {"message_text": "<b>x", "parse_mode": "HTML"}}
    assert "can't parse entities" in description(answer(results=[broken]))


def test_commands_and_descriptions(api: FakeBotApi) -> None:
    def commands(*pairs: tuple[str, str], **params: Any) -> tuple[int, dict[str, Any]]:
        listed = [{"command": c, "description": d} for c, d in pairs]
        return api.handle("setMyCommands", {"commands": listed, **params})

    assert commands(("start", "Start"), ("help_2", "Help"), language_code="de")[0] == 200
    assert api.commands(language_code="de")[0]["command"] == "start"
    got = api.handle("getMyCommands", {"language_code": "de"})[1]["result"]
    assert [c["command"] for c in got] == ["start", "help_2"]
    for bad in ("Start", "/start", "x" * 33, "", "grüß"):
        assert description(commands((bad, "d"))) == "Bad Request: BOT_COMMAND_INVALID"
    for bad in ("", " ", "d" * 257):
        assert (
            description(commands(("start", bad))) == "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID"
        )
    assert api.handle("setMyDescription", {"description": "d" * 512})[0] == 200
    assert api.handle("setMyDescription", {"description": "d" * 513})[0] == 400
    assert api.handle("setMyShortDescription", {"short_description": "d" * 120})[0] == 200
    assert api.handle("setMyShortDescription", {"short_description": "d" * 121})[0] == 400


def test_edits_and_deletes_follow_telegram(api: FakeBotApi) -> None:
    message = send(api, "one")[1]["result"]
    where = {"chat_id": CHAT, "message_id": message["message_id"]}
    assert api.handle("editMessageText", {**where, "text": "two"})[0] == 200
    assert "message is not modified" in description(
        api.handle("editMessageText", {**where, "text": "two"})
    )
    user_message = api.push_update(text_message("hi"))["message"]
    theirs = {"chat_id": CHAT, "message_id": user_message["message_id"]}
    assert (
        description(api.handle("editMessageText", {**theirs, "text": "x"}))
        == "Bad Request: message can't be edited"
    )
    assert api.handle("deleteMessage", where)[0] == 200
    assert (
        description(api.handle("deleteMessage", where))
        == "Bad Request: message to delete not found"
    )
    assert (
        description(api.handle("editMessageText", {**where, "text": "3"}))
        == "Bad Request: message to edit not found"
    )
    assert api.bot_messages() == []


def test_factories_build_realistic_updates(api: FakeBotApi) -> None:
    update = text_message("👋🏽 @reclaim_face_eu and /help@ryf_test_bot", chat_type="supergroup")
    message = update["message"]
    assert message["chat"]["type"] == "supergroup" and message["chat"]["id"] < -1_000_000_000_000
    assert message["entities"] == [
        {"type": "mention", "offset": 5, "length": 16},
        {"type": "bot_command", "offset": 26, "length": 18},
    ]
    assert text_message("/start topic")["message"]["entities"] == [
        {"type": "bot_command", "offset": 0, "length": 6}
    ]
    for raw in (
        update,
        sticker_message(),
        photo_message("cap"),
        inline_query("q"),
        text_message("x", reply_to=message),
    ):
        pushed = api.push_update(raw)
        parsed = Update.de_json(pushed, None)
        assert parsed is not None and parsed.update_id == pushed["update_id"]
    assert api.pending_updates() == 5


def test_multipart_and_form_bodies_decode_like_json() -> None:
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "b"}]]}
    form = {
        "chat_id": "-100123",
        "text": "123",
        "reply_markup": json.dumps(markup),
        "disable_notification": "true",
    }
    expected = {
        "chat_id": -100123,
        "text": "123",
        "reply_markup": markup,
        "disable_notification": True,
    }
    for files in (None, {"photo": ("p.jpg", b"\xff\xd8data", "image/jpeg")}):
        request = httpx.Request("POST", "http://x/botT/sendPhoto", data=form, files=files)
        params = _decode_body(request.headers["Content-Type"], request.read(), "")
        assert {k: params[k] for k in expected} == expected
        if files:
            assert (
                params["photo"].content == b"\xff\xd8data" and params["photo"].filename == "p.jpg"
            )


# ------------------------------------------------------------------ over HTTP with a real telegram.Bot


async def test_real_bot_get_me_and_send_message(standin: BotApiStandIn) -> None:
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        me = await bot.get_me()
        assert me.username == "ryf_test_bot" and me.is_bot
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Why?", callback_data="why")]])
        sent = await bot.send_message(
            CHAT, "<b>Hello</b> &amp; welcome", parse_mode="HTML", reply_markup=markup
        )
        assert sent.text == "Hello & welcome" and sent.from_user.id == me.id
        assert sent.entities[0].type == "bold"
        assert sent.reply_markup == markup
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, "<b>Hello", parse_mode="HTML")
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(
                CHAT,
                "x",
                reply_markup=InlineKeyboardMarkup(
                    [[InlineKeyboardButton("x", callback_data="d" * 65)]]
                ),
            )
        assert await bot.set_my_commands([("start", "Start the bot")])
        assert [c.command for c in await bot.get_my_commands()] == ["start"]
        assert await bot.answer_callback_query(
            standin.push_update(callback_query("why", standin.bot_messages()[0]))["callback_query"][
                "id"
            ]
        )
    params = standin.sent_messages()
    assert len(params) == 1
    assert params[0]["chat_id"] == CHAT and params[0]["text"] == "<b>Hello</b> &amp; welcome"
    assert params[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "why"


async def test_429_is_not_a_sent_message_and_then_succeeds(standin: BotApiStandIn) -> None:
    standin.fail_next("sendMessage", "429", retry_after=3)
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        with pytest.raises(RetryAfter) as caught:
            await bot.send_message(CHAT, "first try")
        assert caught.value.retry_after == timedelta(seconds=3)
        await bot.send_message(CHAT, "second try")
    assert [p["text"] for p in standin.sent_messages()] == ["second try"]
    assert [(a.method, a.status) for a in standin.attempts] == [("sendMessage", 429)]
    assert standin.attempts[0].params["text"] == "first try"


async def test_500_drop_slow_and_blocked(standin: BotApiStandIn) -> None:
    standin.fail_next("sendMessage", "500")
    standin.fail_next("sendMessage", "drop")
    standin.fail_next("sendChatAction", "slow", seconds=0.3)
    standin.block(CHAT)
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await bot.send_message(CHAT, "a")
        with pytest.raises(NetworkError):
            await bot.send_message(CHAT, "b")
        with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
            await bot.send_message(CHAT, "c")
        standin.unblock(CHAT)
        started = time.monotonic()
        assert await bot.send_chat_action(CHAT, "typing")
        assert time.monotonic() - started >= 0.3
        assert (await bot.send_message(CHAT, "d")).text == "d"
    assert [(a.method, a.status) for a in standin.attempts] == [
        ("sendMessage", 500),
        ("sendMessage", 0),
    ]
    assert standin.sent_messages()[0]["text"] == "d"


async def test_wrong_token_and_unknown_method(standin: BotApiStandIn) -> None:
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        with pytest.raises(EndPointNotFound, match="sendTelepathy"):  # PTB's reading of our 404
            await bot.do_api_request("sendTelepathy", {"chat_id": 1})
    with pytest.raises(InvalidToken, match="rejected by the server"):
        async with Bot("987654321:AAWrongTokenWrongTokenWrong", base_url=standin.base_url):
            pass
    assert standin.attempts[-1].status == 401


def fetch(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.load(err)


def test_raw_http_errors(standin: BotApiStandIn) -> None:
    assert fetch(f"{standin.base_url}{standin.token}/nope") == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert fetch(f"{standin.base_url}WRONG/getMe")[0] == 401
    status, payload = fetch(
        f"{standin.base_url}{standin.token}/GETME"
    )  # names are case-insensitive
    assert status == 200 and payload["result"]["username"] == "ryf_test_bot"


HANG_GUARD_S = 30  # only fails a test that would otherwise hang; never what is asserted


def _push_once_polling(standin: BotApiStandIn, polls_before: int, text: str) -> None:
    """Push a message once a long poll has started after `polls_before` polls."""
    deadline = time.monotonic() + HANG_GUARD_S
    while standin.long_polls_started <= polls_before and time.monotonic() < deadline:
        time.sleep(0.005)
    standin.push_update(text_message(text))


async def test_long_polling_wakes_up_on_push_and_honours_offset(standin: BotApiStandIn) -> None:
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        assert await bot.get_updates(timeout=0) == ()
        polls = standin.long_polls_started
        pusher = threading.Thread(target=_push_once_polling, args=(standin, polls, "/start"))
        pusher.start()
        try:
            # a poll that did not wake up on the push would wait its whole 300 s
            async with asyncio.timeout(HANG_GUARD_S):
                updates = await bot.get_updates(timeout=300)
        finally:
            pusher.join()
        assert [u.message.text for u in updates] == ["/start"]  # waited for it, not empty
        first = updates[0].update_id
        again = await bot.get_updates(timeout=0)  # not confirmed yet
        assert [u.update_id for u in again] == [first]
        standin.push_updates([text_message("a"), text_message("b"), text_message("c")])
        assert [
            u.message.text for u in await bot.get_updates(offset=first + 1, limit=2, timeout=0)
        ] == ["a", "b"]
        assert standin.pending_updates() == 3
        assert await bot.get_updates(offset=first + 4, timeout=1) == ()
        assert standin.pending_updates() == 0


async def test_webhook_blocks_get_updates(standin: BotApiStandIn) -> None:
    async with Bot(standin.token, base_url=standin.base_url) as bot:
        with pytest.raises(BadRequest, match=r"(?i)HTTPS URL must be provided"):
            await bot.set_webhook("http://127.0.0.1:8443/hook")
        assert await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret")
        info = await bot.get_webhook_info()
        assert info.url == "https://bot.example.org/hook"
        with pytest.raises(Exception, match=r"(?i)webhook is active"):
            await bot.get_updates(timeout=0)
        standin.push_update(text_message("queued"))
        assert await bot.delete_webhook(drop_pending_updates=True)
        assert await bot.get_updates(timeout=0) == ()
    assert standin.webhook is None


def test_wait_for_reports_what_arrived(api: FakeBotApi) -> None:
    send(api, "hello")
    assert api.wait_for("sendMessage", timeout=0.1)[0].params["text"] == "hello"
    with pytest.raises(WaitTimeout, match=r"sendMessage:200"):
        api.wait_for("sendMessage", count=2, timeout=0.1)
    threading.Timer(0.1, send, args=(api, "later")).start()
    found = api.wait_for(
        lambda c: c.method == "sendMessage" and c.params["text"] == "later", timeout=5
    )
    assert len(found) == 1


# ------------------------------------------------------------------ whole applications


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        "<b>Welcome!</b> Ask me anything.",
        parse_mode="HTML",
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("What is RYF?", callback_data="topic:ryf")]]
        ),
    )


async def test_recording_request_runs_an_application_in_process() -> None:
    api = FakeBotApi()
    app = recording_application_builder(api).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.process_update(make_update(api, text_message("/start"), app.bot))
    assert api.sent_texts(CHAT) == ["Welcome! Ask me anything."]
    assert [c.method for c in api.calls()] == ["getMe", "sendMessage"]
    message = api.bot_messages(CHAT)[0]
    assert (
        callback_query("topic:ryf", message)["callback_query"]["message"]["message_id"]
        == message["message_id"]
    )


async def test_recording_request_faults_match_the_http_stand_in() -> None:
    request = RecordingRequest()
    api = request.api
    api.fail_next("getMe", "drop")
    api.fail_next("getMe", "429", retry_after=2)
    with pytest.raises(NetworkError, match="disconnected"):
        async with Bot(api.token, request=request):  # initialize() calls getMe
            pass
    with pytest.raises(RetryAfter):
        async with Bot(api.token, request=request):
            pass
    async with Bot(api.token, request=request) as bot:
        with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
            await bot.send_message(CHAT, "1 < 2", parse_mode="HTML")
        assert (await bot.send_message(CHAT, "1 &lt; 2", parse_mode="HTML")).text == "1 < 2"
    assert [(a.method, a.status) for a in api.attempts] == [("getMe", 0), ("getMe", 429)]
    assert [c.status for c in api.calls("sendMessage")] == [400, 200]


async def test_polling_application_against_the_http_stand_in(standin: BotApiStandIn) -> None:
    app = Application.builder().token(standin.token).base_url(standin.base_url).build()
    app.add_handler(CommandHandler("start", start))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(timeout=5, drop_pending_updates=True)
        try:
            mark = standin.mark()
            standin.push_update(text_message("/start", chat_type="group", chat_id=-4242))
            [call] = await standin.async_wait_for("sendMessage", since=mark, timeout=10)
            assert call.ok and call.params["chat_id"] == -4242
        finally:
            await app.updater.stop()
            await app.stop()
    assert standin.sent_texts(-4242) == ["Welcome! Ask me anything."]
    assert not [c for c in standin.errors() if c.method != "getUpdates"]


# ------------------------------------------------------------------ webhook helper


def test_post_webhook_sends_json_and_secret() -> None:
    seen: list[tuple[str | None, dict[str, Any]]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((self.headers.get("X-Telegram-Bot-Api-Secret-Token"), json.loads(body)))
            self.send_response(
                200 if self.headers.get("X-Telegram-Bot-Api-Secret-Token") == "s3cret" else 403
            )
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        update = {"update_id": 7, **text_message("hi")}
        assert post_webhook(url, update, secret_token="s3cret") == 200
        assert post_webhook(url, update) == 403
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert seen[0] == ("s3cret", update) and seen[1][0] is None
