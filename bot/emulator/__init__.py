"""A local Telegram Bot API emulator over real HTTP, for tests and `wardnews demo`.

    async with BotApiEmulator(per_chat_interval=None) as emu:
        emu.add_user(42, "Lan")
        app = ApplicationBuilder().token(T).base_url(emu.base_url).build()
        ...
        emu.send_text(42, "/start")
        reply = await emu.wait_for_message(42)

Requests are checked against the shipped Bot API facts (bot/data/botapi.json):
unknown methods answer 404, unknown or missing fields 400. Text, HTML, keyboards
and flood limits follow Telegram's rules; failures can be injected.
"""

from bot.emulator.core import BotApiEmulator
from bot.emulator.errors import ApiError
from bot.emulator.formatting import parse_html, utf16_len
from bot.emulator.records import (
    ApiCall,
    CallbackAnswer,
    EmulatorStats,
    MessageVersion,
    SentMessage,
    TranscriptEvent,
)

__all__ = [
    "ApiCall",
    "ApiError",
    "BotApiEmulator",
    "CallbackAnswer",
    "EmulatorStats",
    "MessageVersion",
    "SentMessage",
    "TranscriptEvent",
    "parse_html",
    "utf16_len",
]
