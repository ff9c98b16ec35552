"""Button presses: topics, "did you mean" choices, language choice, feedback."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot import dialogue, feedback
from bot.i18n import use
from bot.replies import Reply, admins_only
from bot.telegram.permissions import may_change_group
from bot.telegram.render import keyboard, send_to_chat
from bot.telegram.services import services

log = logging.getLogger(__name__)
GROUP_SETTING_ACTIONS = ("l:",)  # presses that change a group-wide setting
MENU_PAGE_ACTION = "m:"


async def on_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The answer to a pressed button; every press is acknowledged, old ones kindly."""
    query = update.callback_query
    if query is None:
        return
    svc = services(context)
    data = query.data or ""
    chat = update.effective_chat
    if (
        data.startswith(GROUP_SETTING_ACTIONS)
        and chat is not None
        and not await may_change_group(svc.admins, context.bot, chat, query.from_user.id, None)
    ):
        with use(svc.explainer.catalogs, svc.turn(update).language()):
            await query.answer(admins_only())
        return
    reply, lang, notice = dialogue.press(svc.turn(update), data)
    await query.answer(notice)
    log.info("button: kind=%s lang=%s", data[:1] or "?", lang)
    if feedback.is_feedback_action(data):
        await _drop_feedback_buttons(query)
    if reply is None:
        return
    if data.startswith(MENU_PAGE_ACTION) and await _turn_menu_page(query, reply):
        return
    if chat is not None:  # also when the button's message is too old
        await send_to_chat(context.bot, chat.id, reply)


async def _turn_menu_page(query: CallbackQuery, reply: Reply) -> bool:
    """Show another page of the topic menu in the same message; False if it cannot be
    edited (then the page is sent as a new message)."""
    if not isinstance(query.message, Message):
        return False
    page = keyboard(reply)
    kept = _feedback_rows(query.message)  # "send this question" stays above every page
    markup = InlineKeyboardMarkup([*kept, *(page.inline_keyboard if page else ())])
    try:
        await query.edit_message_reply_markup(markup)
    except TelegramError as exc:
        log.info("menu page sent anew: %s", type(exc).__name__)
        return False
    return True


def _feedback_rows(message: Message) -> list[tuple[InlineKeyboardButton, ...]]:
    """The rows of a message's keyboard made only of feedback buttons."""
    rows = message.reply_markup.inline_keyboard if message.reply_markup else ()
    return [
        row
        for row in rows
        if row and all(feedback.is_feedback_action(str(b.callback_data or "")) for b in row)
    ]


async def _drop_feedback_buttons(query: CallbackQuery) -> None:
    """Once one feedback button is pressed, the message keeps only its other buttons,
    so the same message cannot be counted twice."""
    message = query.message
    if not isinstance(message, Message) or message.reply_markup is None:
        return
    rows = [
        [b for b in row if not feedback.is_feedback_action(str(b.callback_data or ""))]
        for row in message.reply_markup.inline_keyboard
    ]
    try:
        await query.edit_message_reply_markup(InlineKeyboardMarkup([r for r in rows if r]))
    except TelegramError as exc:  # e.g. the message is too old to edit: nothing to undo
        log.info("feedback buttons kept: %s", type(exc).__name__)
