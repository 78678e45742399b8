"""HTTP for the emulator: Telegram's URL layout, request decoding, JSON answers.

Serves `/bot<TOKEN>/<method>` (GET or POST; form, multipart or JSON bodies) and
`/file/bot<TOKEN>/<path>` (always 404: the emulator keeps no files). The access
log is off: request lines carry the token.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from bot.emulator.dispatch import Dispatcher

MAX_BODY = 64 * 1024 * 1024
UNAUTHORIZED = {"ok": False, "error_code": 401, "description": "Unauthorized"}


def _answer(status: int, body: dict[str, Any]) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps(body, ensure_ascii=False),
        content_type="application/json",
    )


def _bad_body(detail: str) -> web.Response:
    return _answer(400, {"ok": False, "error_code": 400, "description": f"Bad Request: {detail}"})


async def read_params(request: web.Request) -> tuple[dict[str, Any], frozenset[str]]:
    """The call's parameters (query string and body) and the names of uploaded files.

    Uploads are read and replaced by a small description: name, type and size.
    Raises ValueError for a body that cannot be decoded.
    """
    params: dict[str, Any] = dict(request.query)
    uploads: set[str] = set()
    if not request.body_exists:
        return params, frozenset()
    if request.content_type == "application/json":
        body = json.loads(await request.text() or "{}")
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
        return params, frozenset()
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            size = len(value.file.read())
            params[key] = {
                "filename": value.filename,
                "content_type": value.content_type,
                "size": size,
            }
            uploads.add(key)
        else:
            params[key] = value
    return params, frozenset(uploads)


def make_app(dispatcher: Dispatcher, token: str | None) -> web.Application:
    """The aiohttp application answering Bot API calls through `dispatcher`."""

    async def api(request: web.Request) -> web.Response:
        dispatcher.limiter.mark_arrival()
        method = request.match_info["method"]
        if token is not None and request.match_info["token"] != token:
            dispatcher.record(method, {}, 401)
            return _answer(401, dict(UNAUTHORIZED))
        try:
            params, uploads = await read_params(request)
        except ValueError as exc:
            dispatcher.record(method, {}, 400)
            return _bad_body(f"can't parse request body: {exc}")
        status, body = await dispatcher.call(method, params, uploads)
        return _answer(status, body)

    async def file(request: web.Request) -> web.Response:
        return _answer(404, {"ok": False, "error_code": 404, "description": "Not Found"})

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_route("*", "/bot{token}/{method}", api)
    app.router.add_route("*", "/file/bot{token}/{path:.*}", file)
    return app
