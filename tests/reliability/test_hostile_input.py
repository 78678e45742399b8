"""Hostile and odd input through the real bot: answered or ignored politely, nothing breaks.

Every command gets every odd argument (10,000 characters, HTML and
`<script>`, zero-width and right-to-left marks, emoji, decomposed Unicode,
control characters); edited messages, update types the bot does not handle,
and callback data that is garbage or points at nothing. Afterwards: no
handler failed, Telegram (the emulator) refused none of the bot's answers,
every button press was answered once, and the bot still answers.
"""

from __future__ import annotations

import logging
import unicodedata
from collections import Counter

import pytest
from telegram import Update

from bot.catalogue import catalogue
from tests.harness import running_bot
from tests.reliability.support import ADMIN
from tests.test_resident_e2e import ask

VI = catalogue("vi")
PAYLOADS = {
    "long": ("Thổ Quan, Kim Liên và Ô Chợ Dừa. " * 320)[:10_000],
    "html": "<b>đậm</b> <i>nghiêng</i> &amp; &lt; <a href='javascript:alert(1)'>x</a> </pre>",
    "script": "<script>alert('phường')</script>",
    "zero-width": "Thổ\u200b Quan\u200d\ufeff\u2060",
    "rtl": "\u202eنيل ميك\u202c Kim Liên \u200f\u061c",
    "emoji": "🏠👨‍👩‍👧‍👦 Kim Liên 🇻🇳 \U0001f9d1\u200d\U0001f4bb",
    "nfd": unicodedata.normalize("NFD", "Thổ Quan"),
    "controls": "Kim\x00 Liên\x07\x1b[31m\r\n\t",
    "sql": "'; DROP TABLE chats; -- \" OR 1=1",
    "numbers": "99999999999999999999999 -1 0x10 1e308",
    "odd-digits": "² ³ ٣ ①",
}
COMMANDS = [
    "start",
    "help",
    "ward",
    "subscribe",
    "unsubscribe",
    "latest",
    "search",
    "lang",
    "stop",
    "broadcast",
    "sources",
    "poll",
    "stats",
    "no_such_command",
]
FAST = {"global_per_second": 1000, "per_chat_interval": 0}


def is_help(message) -> bool:
    return message.text.startswith("Các lệnh:")


def failures(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def refused(emu) -> list:
    """Calls Telegram refused, but for edits that change nothing (the bot expects those)."""
    versions = {(m.chat_id, m.message_id): {m.html, *(v.html for v in m.edits)} for m in emu.sent()}
    return [
        call
        for call in emu.calls
        if 400 <= call.status < 500
        and not (
            call.method == "editMessageText"
            and call.params.get("text")
            in versions.get((call.params.get("chat_id"), call.params.get("message_id")), ())
        )
    ]


def assert_all_well(bot, caplog) -> None:
    assert failures(caplog) == []
    assert refused(bot.emu) == []
    assert bot.emu.stats.server_errors == {}
    assert all(VI("error.internal") not in m.text for m in bot.emu.sent())


async def test_every_command_with_every_odd_argument_gets_a_polite_answer(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    async with running_bot(tmp_path, delivery=FAST) as bot:
        bot.emu.add_user(ADMIN, "Cán bộ")
        asked = {}
        user_id = 20_000
        for command in COMMANDS:
            for name, payload in PAYLOADS.items():
                for sender in (user_id, ADMIN) if command in ("broadcast", "poll") else (user_id,):
                    if sender != ADMIN:
                        bot.emu.add_user(sender, "Dân")
                    chat = sender
                    before = len(bot.emu.sent(chat))
                    bot.emu.send_text(sender, f"/{command} {payload}")
                    reply = await bot.emu.wait_for_message(chat, count=before + 1)
                    asked[(command, name, sender == ADMIN)] = reply
                user_id += 1
        assert_all_well(bot, caplog)
        for (command, name, _), reply in asked.items():
            assert reply.text.strip(), (command, name)
            if name in ("html", "script") and command in ("ward", "search", "subscribe"):
                # The argument comes back as text: escaped, never markup.
                assert "<" in reply.text, (command, name, reply.text)
                assert not any(e["type"] == "text_link" for e in reply.entities)
        assert "quá dài" in asked[("broadcast", "long", True)].text
        # Invisible marks, decomposed letters and emoji do not hide a ward's name.
        for name in ("zero-width", "nfd"):
            assert "Văn Miếu - Quốc Tử Giám" in asked[("ward", name, False)].text, name
        assert "Kim Liên" in asked[("ward", "emoji", False)].text
        await still_answers(bot)


async def still_answers(bot) -> None:
    bot.emu.add_user(30_001, "Lan")
    help_text = await ask(bot, 30_001, "/help")
    assert is_help(help_text)


async def test_decomposed_alias_resolves_like_the_composed_one(tmp_path):
    async with running_bot(tmp_path, delivery=FAST) as bot:
        bot.emu.add_user(30_002, "Lan")
        for query in ("Thổ Quan", unicodedata.normalize("NFD", "Thổ Quan"), "THO QUAN"):
            card = await ask(bot, 30_002, f"/ward {query}")
            assert "Văn Miếu - Quốc Tử Giám" in card.text, query


async def test_commands_addressed_to_the_bot_by_name_are_answered(tmp_path):
    group = -100_4242
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(30_003, "Lan")
        greeting = await ask(bot, 30_003, "/start@wardnews_bot")
        assert "Xin chào" in greeting.text
        bot.emu.add_group(group, "Tổ dân phố", admins=[30_003])
        answer = await ask(bot, 30_003, "/help@wardnews_bot", chat_id=group)
        assert is_help(answer)


async def test_commands_for_another_bot_in_a_group_are_left_alone(tmp_path, caplog):
    group = -100_4243
    async with running_bot(tmp_path) as bot:
        bot.emu.add_user(30_004, "Lan")
        bot.emu.add_group(group, "Tổ dân phố", admins=[30_004])
        bot.emu.send_text(30_004, "/start@other_bot", chat_id=group)
        bot.emu.send_text(30_004, "/weather@other_bot Hà Nội", chat_id=group)
        answer = await ask(bot, 30_004, "/help", chat_id=group)
        assert is_help(answer)
        assert len(bot.emu.sent(group)) == 1  # only /help was for us
        assert_all_well(bot, caplog)


async def test_edited_messages_are_handled_or_ignored(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    async with running_bot(tmp_path, delivery=FAST) as bot:
        bot.emu.add_user(30_005, "Lan")
        first = bot.emu.send_text(30_005, "/ward Kim Liên")
        await bot.emu.wait_for_message(30_005)
        bot.emu.edit_text(30_005, first, "/ward Ô Chợ Dừa")
        card = await bot.emu.wait_for_message(30_005, count=2)
        assert "Ô Chợ Dừa" in card.text
        for text in ("/no_such_command", "chỉ là chữ", "<b>" * 100, "/stop@other_bot"):
            bot.emu.edit_text(30_005, first, text)
        answer = await ask(bot, 30_005, "/help")
        assert is_help(answer)
        assert len(bot.emu.sent(30_005)) == 3  # edits into other things got no answer
        assert_all_well(bot, caplog)


def odd_updates(user: dict, chat: dict) -> list[dict]:
    poll = {
        "id": "poll-1",
        "question": "Bạn có đi họp không?",
        "options": [
            {"persistent_id": "o1", "text": "Có", "voter_count": 1},
            {"persistent_id": "o2", "text": "Không", "voter_count": 0},
        ],
        "total_voter_count": 1,
        "is_closed": False,
        "is_anonymous": True,
        "type": "regular",
        "allows_multiple_answers": False,
        "allows_revoting": False,
        "members_only": False,
    }
    channel = {"id": -100_777, "type": "channel", "title": "Kênh phường"}
    return [
        {
            "message_reaction": {
                "chat": chat,
                "message_id": 1,
                "user": user,
                "date": 0,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
        {"poll": poll},
        {
            "poll_answer": {
                "poll_id": "poll-1",
                "user": user,
                "option_ids": [0],
                "option_persistent_ids": ["o1"],
            }
        },
        {"channel_post": {"message_id": 5, "date": 0, "chat": channel, "text": "Tin kênh"}},
        {"message": {"message_id": 900, "date": 0, "chat": chat, "from": user, "poll": poll}},
        {"message": {"message_id": 901, "date": 0, "chat": chat, "from": user}},
        {
            "message": {
                "message_id": 902,
                "date": 0,
                "chat": chat,
                "from": user,
                "text": "x" * 10_000,
            }
        },
        {
            "chat_join_request": {
                "chat": {"id": -100_888, "type": "supergroup", "title": "Nhóm"},
                "from": user,
                "user_chat_id": user["id"],
                "date": 0,
            }
        },
    ]


async def test_update_types_the_bot_does_not_handle_are_ignored(tmp_path, caplog):
    caplog.set_level(logging.ERROR)
    async with running_bot(tmp_path, delivery=FAST) as bot:
        user = bot.emu.add_user(30_006, "Lan")
        chat = {"id": 30_006, "type": "private", "first_name": "Lan"}
        for body in odd_updates(user, chat):
            # Well-formed as Telegram sends them: PTB must be able to read each one.
            assert Update.de_json({"update_id": 1, **body}, None) is not None
            bot.emu.push_update(body)
        bot.emu.send_text(30_006, "/help")
        answer = await bot.emu.wait_for_message(30_006, contains="Các lệnh")
        assert is_help(answer)
        await bot.emu.wait_for(lambda: not bot.emu.pending_updates, what="updates confirmed")
        # Only the long plain message (read as a ward's name) got an answer: a
        # pointer to /help. Reactions, polls, channel posts, join requests: none.
        (pointer,) = [m for m in bot.emu.sent(30_006) if m is not answer]
        assert pointer.text == VI("error.unknown_command")
        assert_all_well(bot, caplog)


GARBAGE = [
    "",
    "x",
    ":",
    "::::",
    "sub:",
    "sub:NOPE",
    "uns:99999",
    "wd:zzz",
    "wd:",
    "pk:abc",
    "pk:-5",
    "pk:99999999999999999999",
    "pL:",
    "pL:😀",
    "pl",
    "lt:abc:def",
    "lt:5:99999",
    "lt:99999999999999999999:5",
    "lt:5:99999999999999999999",
    "lt:²:5",
    "lt:5:²",
    "pk:²",
    "sr:²:phuong",
    "bc:ok:²",
    "sr:1:",
    "sr:abc:x",
    "sr:99999999999999999999:phuong",
    "bc:ok:",
    "bc:ok:abc",
    "bc:ok:99999",
    "bc:no:1",
    "bc:ok:99999999999999999999",
    "done",
    "done:extra",
    "type",
    "\x00\x01",
    "<script>",
    "é" * 32,
]


@pytest.mark.parametrize("sender", [30_007, ADMIN], ids=["resident", "admin"])
async def test_garbage_callback_data_is_answered_and_changes_nothing(tmp_path, caplog, sender):
    caplog.set_level(logging.ERROR)
    async with running_bot(tmp_path, delivery=FAST) as bot:
        user = bot.emu.add_user(sender, "Lan")
        greeting = await ask(bot, sender, "/start")
        message = {
            "message_id": greeting.message_id,
            "date": greeting.date,
            "chat": {"id": sender, "type": "private", "first_name": "Lan"},
            "from": bot.emu.bot_user,
            "text": greeting.text,
        }
        queries = []
        for data in GARBAGE:
            # A query id the emulator knows, so that the bot's answer is checked.
            query_id = bot.emu._world.new_query_id(sender, sender)
            queries.append(query_id)
            body = {
                "id": query_id,
                "from": user,
                "message": message,
                "chat_instance": str(sender),
                "data": data,
            }
            bot.emu.push_update({"callback_query": body})
        answered = lambda: Counter(a.query_id for a in bot.emu.callback_answers)  # noqa: E731
        await bot.emu.wait_for(
            lambda: set(answered()) >= set(queries), timeout=10, what="every press answered"
        )
        assert all(answered()[q] == 1 for q in queries)
        assert_all_well(bot, caplog)
        assert await bot.svc.db.scalar("SELECT count(*) FROM subscriptions") == 0
        assert await bot.svc.db.scalar("SELECT count(*) FROM broadcasts") == 0
        await still_answers(bot)
