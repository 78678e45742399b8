"""The aiohttp backend of python-telegram-bot: what a Bot API call puts on the wire."""

from __future__ import annotations

import json
import warnings
from typing import Any

from aiohttp import web
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.telegram_http import AiohttpRequest
from tests.harness import TOKEN

ME = {"id": 1, "is_bot": True, "first_name": "Tin phường", "username": "tin_bot"}


async def test_a_send_is_one_utf8_json_object_with_nested_objects_as_json():
    """Vietnamese text goes as UTF-8 (not \\uXXXX), nested objects as JSON objects."""
    bodies: list[tuple[str, bytes]] = []

    async def api(request: web.Request) -> web.Response:
        bodies.append((request.content_type, await request.read()))
        result: Any = ME if request.match_info["method"] == "getMe" else {"message_id": 5}
        return web.json_response({"ok": True, "result": result})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", api)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = runner.addresses[0][1]
        request = AiohttpRequest(connection_pool_size=2, read_timeout=5)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Xem", callback_data="x:1")]])
        async with Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request) as bot:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # PTB's advice to use send_message
                result = await bot.do_api_request(
                    "sendMessage",
                    api_kwargs={
                        "chat_id": 7,
                        "text": "Phường Kim Liên",
                        "link_preview_options": {"is_disabled": True},
                        "reply_markup": keyboard,
                    },
                )
    finally:
        await runner.cleanup()
    assert result == {"message_id": 5}
    content_type, body = bodies[-1]
    assert content_type == "application/json"
    assert "Phường Kim Liên".encode() in body
    assert json.loads(body) == {
        "chat_id": 7,
        "text": "Phường Kim Liên",
        "link_preview_options": {"is_disabled": True},
        "reply_markup": {"inline_keyboard": [[{"text": "Xem", "callback_data": "x:1"}]]},
    }
