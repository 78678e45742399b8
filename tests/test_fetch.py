"""Fetching over real local HTTP: validators, errors, limits, charsets; URL canonical form."""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
import unicodedata
import zlib
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from multidict import CIMultiDict

from bot.portal_server import PortalServer, Route
from bot.sources.canonical import canonical_url
from bot.sources.fetch import MAX_REDIRECTS, Fetcher, _transport_error, decode_body
from bot.sources.item import FetchError

VIETNAMESE = "Đảng ủy phường Thổ Quan tổ chức hội nghị học tập, quán triệt Nghị quyết"
_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode like a Windows-1258 page does: base letter, then a combining tone mark."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        decomposed = unicodedata.normalize("NFD", char)
        base = "".join(mark for mark in decomposed if mark not in _TONE_MARKS)
        tones = "".join(mark for mark in decomposed if mark in _TONE_MARKS)
        out.append((unicodedata.normalize("NFC", base) + tones).encode("cp1258"))
    return b"".join(out)


def page(body: bytes, head: bytes = b"") -> bytes:
    return b"<html><head>" + head + b"</head><body><p>" + body + b"</p></body></html>"


@pytest.fixture
async def portal() -> AsyncIterator[PortalServer]:
    async with PortalServer() as server:
        yield server


@pytest.fixture
async def fetcher() -> AsyncIterator[Fetcher]:
    async with Fetcher(timeout=0.5) as client:
        yield client


async def test_etag_repeat_gives_not_modified(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/feed", Route(b"<rss/>", headers={"ETag": '"v1"'}))
    first = await fetcher.fetch(portal.url("/feed"))
    second = await fetcher.fetch(portal.url("/feed"), etag=first.etag)
    assert (first.status, first.etag, first.not_modified) == (200, '"v1"', False)
    assert (second.status, second.body, second.not_modified) == (304, b"", True)
    assert portal.requests[-1].headers["If-None-Match"] == '"v1"'


async def test_last_modified_repeat_gives_not_modified(
    portal: PortalServer, fetcher: Fetcher
) -> None:
    stamp = "Mon, 04 Jan 2021 10:44:00 GMT"
    portal.add("/feed", Route(b"<rss/>", headers={"Last-Modified": stamp}))
    first = await fetcher.fetch(portal.url("/feed"))
    second = await fetcher.fetch(portal.url("/feed"), last_modified=first.last_modified)
    assert first.last_modified == stamp
    assert second.not_modified and second.last_modified == stamp


@pytest.mark.parametrize("status", [404, 410, 500, 503])
async def test_error_status_is_a_fetch_error_with_status(
    portal: PortalServer, fetcher: Fetcher, status: int
) -> None:
    portal.add("/gone", Route(b"no", status=status))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/gone"))
    assert (caught.value.kind, caught.value.status) == ("http", status)
    assert str(caught.value) == f"GET {portal.url('/gone')}: HTTP {status}"


async def test_server_that_never_answers_times_out(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/hang", Route(hang=True))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/hang"))
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 2.0


async def test_slow_drip_fails_at_the_total_deadline(
    portal: PortalServer, fetcher: Fetcher
) -> None:
    # Each byte arrives well within the read timeout; only the total deadline stops it.
    portal.add("/drip", Route(b"x" * 50, drip=0.2))
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/drip"))
    assert caught.value.kind == "timeout"
    assert time.monotonic() - started < 1.5


async def test_huge_page_stops_at_the_cap_without_reading_it_all(portal: PortalServer) -> None:
    portal.add("/huge", Route(huge=20_000_000))
    async with Fetcher(timeout=10, max_bytes=1_000_000) as client:
        with pytest.raises(FetchError) as caught:
            await client.fetch(portal.url("/huge"))
    assert caught.value.kind == "too_large"
    assert "body over 1 MB cap" in str(caught.value)
    assert portal.bytes_sent["/huge"] < 20_000_000


async def test_declared_length_over_the_cap_fails_before_reading(portal: PortalServer) -> None:
    portal.add("/big", Route(b"x" * 2_000))
    async with Fetcher(timeout=5, max_bytes=1_000) as client:
        with pytest.raises(FetchError) as caught:
            await client.fetch(portal.url("/big"))
    assert caught.value.kind == "too_large"


async def test_redirect_loop_is_a_redirects_error(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/a", Route(redirect_to="/b"))
    portal.add("/b", Route(redirect_to="/a"))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/a"))
    assert caught.value.kind == "redirects"


async def test_five_redirects_are_followed_and_a_sixth_is_not(
    portal: PortalServer, fetcher: Fetcher
) -> None:
    hops = MAX_REDIRECTS + 1
    for index in range(hops):
        portal.add(f"/hop{index}", Route(redirect_to=f"/hop{index + 1}"))
    portal.add(f"/hop{hops}", Route(b"arrived"))
    result = await fetcher.fetch(portal.url("/hop1"))  # exactly MAX_REDIRECTS hops
    assert (result.url, result.text) == (portal.url(f"/hop{hops}"), "arrived")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/hop0"))  # one more
    assert caught.value.kind == "redirects"
    assert str(caught.value).endswith(f"more than {MAX_REDIRECTS} redirects")


async def test_redirect_gives_the_final_url(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/old", Route(redirect_to="/new"))
    portal.add("/new", Route(b"ok"))
    result = await fetcher.fetch(portal.url("/old"))
    assert (result.url, result.text) == (portal.url("/new"), "ok")


async def test_refused_connection_is_a_connect_error(fetcher: Fetcher) -> None:
    async with PortalServer() as closed:
        url = closed.url("/")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    assert caught.value.kind == "connect"


async def test_headers_are_lowercased(fetcher: Fetcher) -> None:
    async with PortalServer({"/x": (200, {"X-Ward": "Tho Quan"}, b"ok")}) as portal:
        result = await fetcher.fetch(portal.url("/x"))
    assert result.headers["x-ward"] == "Tho Quan" and "content-type" in result.headers


@pytest.mark.parametrize(
    "url", ["", "ubnd phuong", "ftp://a.vn/x", "http://127.0.0.1:99999/", "javascript:void(0)"]
)
async def test_invalid_url_is_a_fetch_error(fetcher: Fetcher, url: str) -> None:
    with pytest.raises(FetchError, match="not a valid http"):
        await fetcher.fetch(url)


async def test_password_in_url_stays_out_of_the_message(fetcher: Fetcher) -> None:
    async with PortalServer() as closed:
        url = closed.url("/").replace("://", "://admin:s3cret@")
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(url)
    assert "s3cret" not in str(caught.value)


async def test_corrupt_gzip_is_a_decode_error(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/z", Route(b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError) as caught:
        await fetcher.fetch(portal.url("/z"))
    assert caught.value.kind == "decode"
    assert "cannot decode body" in str(caught.value) and "gzip" in str(caught.value)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [("gzip", gzip.compress), ("deflate", zlib.compress)],
)
async def test_compressed_body_is_decompressed(
    portal: PortalServer, fetcher: Fetcher, encoding: str, compress
) -> None:
    body = page(VIETNAMESE.encode())
    portal.add("/c", Route(compress(body), headers={"Content-Encoding": encoding}))
    result = await fetcher.fetch(portal.url("/c"))
    assert result.body == body and VIETNAMESE in result.text


async def test_compressed_body_is_capped_after_decompression(portal: PortalServer) -> None:
    portal.add(
        "/bomb", Route(gzip.compress(b"x" * 3_000_000), headers={"Content-Encoding": "gzip"})
    )
    async with Fetcher(timeout=5, max_bytes=1_000_000) as client:
        with pytest.raises(FetchError) as caught:
            await client.fetch(portal.url("/bomb"))
    assert caught.value.kind == "too_large"


async def test_repeated_header_values_are_joined(fetcher: Fetcher) -> None:
    async def twice(request: web.Request) -> web.Response:
        headers = CIMultiDict([("X-Ward", "Kim Liên"), ("x-ward", "Thổ Quan")])
        return web.Response(body=b"ok", headers=headers)

    async with PortalServer({"/x": Route(handler=twice)}) as portal:
        result = await fetcher.fetch(portal.url("/x"))
    assert result.headers["x-ward"] == "Kim Liên, Thổ Quan"


def test_a_fetcher_made_outside_the_loop_works_inside_it() -> None:
    # The poller makes its Fetcher before the bot's loop runs.
    fetcher = Fetcher(timeout=5)

    async def use() -> str:
        async with PortalServer({"/x": (200, {}, b"ok")}) as portal, fetcher:
            return (await fetcher.fetch(portal.url("/x"))).text

    assert asyncio.run(use()) == "ok"


def test_dns_failure_is_a_dns_error() -> None:
    failure = aiohttp.ClientOSError("Cannot connect to host no.such.host:80")
    failure.__cause__ = socket.gaierror(-2, "Name or service not known")
    error = _transport_error("http://no.such.host/", failure)
    assert error.kind == "dns" and "DNS lookup failed" in str(error)


async def test_decomposed_page_becomes_nfc(portal: PortalServer, fetcher: Fetcher) -> None:
    nfd = unicodedata.normalize("NFD", VIETNAMESE)
    portal.add("/nfd", Route(page(nfd.encode()), headers={"Content-Type": "text/html"}))
    result = await fetcher.fetch(portal.url("/nfd"))
    assert VIETNAMESE in result.text
    assert unicodedata.is_normalized("NFC", result.text)


@pytest.mark.parametrize(
    ("content_type", "head"),
    [
        ("text/html; charset=windows-1258", b""),
        ("text/html", b'<meta charset="windows-1258">'),
        (
            "text/html",
            b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">',
        ),
        ("text/html; charset=iso-8859-1", b""),  # a server default that lies
        ("text/html", b""),  # nothing declared: detected
    ],
)
async def test_windows_1258_page_decodes_to_nfc_vietnamese(
    portal: PortalServer, fetcher: Fetcher, content_type: str, head: bytes
) -> None:
    body = page(to_cp1258(VIETNAMESE), head)
    portal.add("/cp1258", Route(body, headers={"Content-Type": content_type}))
    result = await fetcher.fetch(portal.url("/cp1258"))
    assert VIETNAMESE in result.text


async def test_utf8_page_without_any_charset(portal: PortalServer, fetcher: Fetcher) -> None:
    portal.add("/u", Route(page(VIETNAMESE.encode()), headers={"Content-Type": "text/html"}))
    result = await fetcher.fetch(portal.url("/u"))
    assert VIETNAMESE in result.text


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        ("Café crème".encode("cp1252"), None, "Café crème"),
        ("Café crème".encode("cp1252"), "text/html; charset=iso-8859-1", "Café crème"),
        (VIETNAMESE.encode(), "text/html; charset=iso-8859-1", VIETNAMESE),
        (b"\xef\xbb\xbf" + VIETNAMESE.encode(), "text/html; charset=windows-1252", VIETNAMESE),
        (VIETNAMESE.encode("utf-16"), None, VIETNAMESE),
        (b'<?xml version="1.0" encoding="windows-1258"?><a>' + to_cp1258("Hà Nội"), None, "Hà Nội"),
        (b"x" + VIETNAMESE.encode() + b"\xff" + VIETNAMESE.encode(), None, VIETNAMESE + "\ufffd"),
        (b"abc", "text/html; charset=no-such-codec", "abc"),
        ("天気".encode("shift_jis"), "text/plain; charset=shift_jis", "天気"),
    ],
)
def test_decode_body(body: bytes, content_type: str | None, expected: str) -> None:
    assert expected in decode_body(body, content_type)


CANONICAL = [
    ("HTTP://Example.COM:80/a//b/", None, "http://example.com/a/b"),
    ("https://a.vn:443/", None, "https://a.vn/"),
    ("https://a.vn:8443/x", None, "https://a.vn:8443/x"),
    ("https://a.vn/tin?utm_source=fb&id=3&fbclid=XYZ", None, "https://a.vn/tin?id=3"),
    ("https://a.vn/tin?id=3&utm_medium=zalo&zarsrc=1&gclid=q", None, "https://a.vn/tin?id=3"),
    ("https://a.vn/tin?b=2&a=1#binh-luan", None, "https://a.vn/tin?a=1&b=2"),
    ("../khac/bai.html", "https://a.vn/tin/moi/", "https://a.vn/tin/khac/bai.html"),
    ("bai-2.html", "https://a.vn/tin/bai-1.html", "https://a.vn/tin/bai-2.html"),
    ("//cdn.a.vn/x", "https://a.vn/", "https://cdn.a.vn/x"),
    ("https://a.vn/%7euser/%c3%a1", None, "https://a.vn/~user/%C3%A1"),
    ("https://a.vn/tin tức", None, "https://a.vn/tin%20t%E1%BB%A9c"),
    ("https://phường.vn/", None, "https://xn--phng-rib8295b.vn/"),
    ("https://a.vn/c?_101_cur=2&p_p_id=101", None, "https://a.vn/c?_101_cur=2&p_p_id=101"),
    ("mailto:ubnd@a.vn", None, "mailto:ubnd@a.vn"),
]


@pytest.mark.parametrize(("url", "base", "expected"), CANONICAL)
def test_canonical_url(url: str, base: str | None, expected: str) -> None:
    assert canonical_url(url, base) == expected


def test_tracking_variants_of_one_link_are_one_url() -> None:
    links = [
        "https://a.vn/tin/bai-1.htm",
        "https://a.vn/tin/bai-1.htm?utm_source=facebook&utm_campaign=x",
        "https://A.vn/tin//bai-1.htm/?fbclid=IwAR0abc#top",
    ]
    assert len({canonical_url(link) for link in links}) == 1


def test_canonical_url_is_idempotent() -> None:
    for url, base, _ in CANONICAL:
        once = canonical_url(url, base)
        assert canonical_url(once) == once
