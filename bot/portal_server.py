"""A local ward portal over real HTTP on 127.0.0.1, any port, scripted misbehaviour.

Used by the tests and by `wardnews demo` (its bundled sample portal).
`PortalServer` serves a dict of path → `Route` (or a plain `(status, headers,
body)` tuple). A route may also hang, drip its body slowly, stream a huge
filler body, redirect, or hand the request to a custom handler. Requests are
recorded, and bytes written per path counted, so tests can check conditional
headers and that a client stopped reading early. Conditional GET (ETag,
Last-Modified) is answered with 304 like a real server would.

    async with PortalServer({"/feed": Route(body=b"<rss/>")}) as portal:
        url = portal.url("/feed")
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from types import TracebackType

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_FILLER = b"<p>" + b"x" * 65_530 + b"</p>\n"  # 64 KiB a chunk


@dataclass(frozen=True, slots=True)
class Route:
    """How one path answers. Only one of the behaviour fields is normally set."""

    body: bytes = b""
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    hang: bool = False  # accept the request, never answer
    drip: float | None = None  # seconds between single bytes of `body`
    huge: int | None = None  # stream this many filler bytes, no Content-Length
    redirect_to: str | None = None  # 302 to this path or URL
    handler: Handler | None = None  # full control


@dataclass(frozen=True, slots=True)
class SeenRequest:
    path: str
    query: str
    headers: Mapping[str, str]


RouteSpec = Route | tuple[int, Mapping[str, str], bytes]


class PortalServer:
    """An aiohttp server on 127.0.0.1:0 serving scripted routes."""

    def __init__(self, routes: Mapping[str, RouteSpec] | None = None) -> None:
        self.routes: dict[str, Route] = {}
        for path, spec in (routes or {}).items():
            self.add(path, spec)
        self.requests: list[SeenRequest] = []
        self.bytes_sent: Counter[str] = Counter()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    def add(self, path: str, spec: RouteSpec) -> None:
        """Serve `path` (with its query string, if any, or without) from `spec`."""
        self.routes[path] = spec if isinstance(spec, Route) else Route(spec[2], spec[0], spec[1])

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for seen in self.requests if seen.path == path)

    async def start(self) -> PortalServer:
        app = web.Application()
        app.router.add_route("GET", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        self._closing.set()  # releases hanging and dripping handlers
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> PortalServer:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(SeenRequest(request.path, request.query_string, request.headers))
        route = self.routes.get(request.path_qs) or self.routes.get(request.path)
        if route is None:
            return web.Response(status=404, text="not found")
        if route.handler is not None:
            return await route.handler(request)
        if route.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=30)
            return web.Response(status=503)
        if route.redirect_to is not None:
            return web.Response(status=302, headers={"Location": route.redirect_to})
        if route.drip is not None:
            return await self._drip(request, route)
        if route.huge is not None:
            return await self._huge(request, route)
        if _not_modified(request, route):
            return web.Response(status=304, headers=_validators(route))
        self.bytes_sent[request.path] += len(route.body)
        return web.Response(status=route.status, headers=route.headers, body=route.body)

    async def _drip(self, request: web.Request, route: Route) -> web.StreamResponse:
        response = web.StreamResponse(status=route.status, headers=route.headers)
        await response.prepare(request)
        for index in range(len(route.body)):
            if self._closing.is_set():
                break
            try:
                await response.write(route.body[index : index + 1])
            except (ConnectionError, RuntimeError):
                break  # the client gave up
            self.bytes_sent[request.path] += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=route.drip)
        return response

    async def _huge(self, request: web.Request, route: Route) -> web.StreamResponse:
        response = web.StreamResponse(status=route.status, headers=route.headers)
        response.enable_chunked_encoding()
        await response.prepare(request)
        assert route.huge is not None
        while self.bytes_sent[request.path] < route.huge and not self._closing.is_set():
            try:
                await response.write(_FILLER)
            except (ConnectionError, RuntimeError):
                break  # the client stopped reading and closed
            self.bytes_sent[request.path] += len(_FILLER)
        return response


def _validators(route: Route) -> dict[str, str]:
    wanted = ("etag", "last-modified")
    return {key: value for key, value in route.headers.items() if key.lower() in wanted}


def _not_modified(request: web.Request, route: Route) -> bool:
    validators = {key.lower(): value for key, value in _validators(route).items()}
    etag = validators.get("etag")
    if etag is not None and request.headers.get("If-None-Match") == etag:
        return True
    modified = validators.get("last-modified")
    return modified is not None and request.headers.get("If-Modified-Since") == modified
