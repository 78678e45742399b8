"""Canonical URLs: one spelling per article, whatever link or tracking tag led to it.

The canonical form is the item's identity when a feed has no GUID, so two
links that a browser would treat as the same page must map to one string:
lowercase scheme and host (IDNA), no default port, no fragment, no tracking
parameters, sorted query, no duplicate or trailing slashes, and one
percent-encoding of every character.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "zarsrc", "_ga", "utm"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are; everything else (non-ASCII, spaces, stray "%")
# is percent-encoded as UTF-8.
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"
_QUERY_SAFE = "/:@!$'()*+,;=-._~%?"


def canonical_url(url: str, base: str | None = None) -> str:
    """The canonical absolute form of `url`, resolved against `base` when relative.

    URLs that are not http(s) (mailto:, javascript:, ...) come back stripped
    but otherwise unchanged; one that cannot be parsed at all ("http://[x")
    gives "", so that one bad link on a page never fails the whole poll.
    """
    url = url.strip()
    try:
        if base:
            url = urljoin(base.strip(), url)
        parts = urlsplit(url)
    except ValueError:
        return ""
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url
    path = _normalise_path(parts.path)
    query = _normalise_query(parts.query)
    return urlunsplit((scheme, _netloc(scheme, parts.netloc), path, query, ""))


def _netloc(scheme: str, netloc: str) -> str:
    userinfo, _, hostport = netloc.rpartition("@")
    host, port = _split_port(hostport)
    host = _idna(host.lower().rstrip("."))
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    return f"{userinfo}@{host}" if userinfo else host


def _split_port(hostport: str) -> tuple[str, int | None]:
    if hostport.startswith("["):  # IPv6 literal
        host, _, rest = hostport.partition("]")
        port = rest.removeprefix(":")
        return host + "]", int(port) if _is_port(port) else None
    host, sep, port = hostport.rpartition(":")
    if sep and _is_port(port):
        return host, int(port)
    if sep and not port:  # "example.com:" has an empty port
        return host, None
    return hostport, None


def _is_port(text: str) -> bool:
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, int("²") fails


def _idna(host: str) -> str:
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return quote(host, safe="-.")


def _normalise_escapes(text: str, safe: str) -> str:
    """One spelling per character: unreserved escapes decoded, others uppercased."""

    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    # A "%" not starting a valid escape is a literal percent sign.
    text = re.sub(r"%(?![0-9A-Fa-f]{2})", "%25", text)
    return quote(_ESCAPE.sub(fix, text), safe=safe)


def _normalise_path(path: str) -> str:
    path = re.sub(r"/{2,}", "/", path or "/")
    path = _remove_dot_segments(path)
    path = _normalise_escapes(path, _PATH_SAFE)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    return path


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    out: list[str] = []
    segments = path.split("/")
    for segment in segments[1:]:
        if segment == "..":
            if out:
                out.pop()
        elif segment != ".":
            out.append(segment)
    trailing = "/" if segments[-1] in (".", "..") else ""
    return "/" + "/".join(out) + trailing


def _normalise_query(query: str) -> str:
    pairs: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        key, sep, value = piece.partition("=")
        if _is_tracking(key):
            continue
        key = _normalise_escapes(key, _QUERY_SAFE)
        value = _normalise_escapes(value, _QUERY_SAFE + "=")
        pairs.append((key, f"{key}{sep}{value}"))
    pairs.sort(key=lambda pair: pair[0])  # stable: repeated keys keep their order
    return "&".join(text for _, text in pairs)


def _is_tracking(key: str) -> bool:
    name = key.lower()
    return name.startswith("utm_") or name in _TRACKING
