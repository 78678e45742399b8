"""Logging set-up: plain lines with ids as fields, and the token masked everywhere.

The Bot API URL carries the token (``/bot<TOKEN>/sendMessage``), and httpx
logs request URLs at INFO. httpx is kept at WARNING, and a filter on every
handler replaces the token, wherever it appears, with a mask.
"""

from __future__ import annotations

import logging
import re
import sys

MASK = "<token>"
# What a Bot API token looks like, in case one we were not told of shows up.
TOKEN_SHAPE = re.compile(r"(?<![0-9])\d{5,}:[A-Za-z0-9_-]{30,}")
_tokens: set[str] = set()


def mask_token(token: str) -> None:
    """Remember a secret that must never be written to a log."""
    if token:
        _tokens.add(token)


def redact(text: str) -> str:
    for token in _tokens:
        text = text.replace(token, MASK)
    return TOKEN_SHAPE.sub(MASK, text)


class TokenFilter(logging.Filter):
    """Rewrites each record's final message with every known token masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            # Exceptions of httpx quote the request URL; format them here, masked.
            formatter = logging.Formatter()
            record.exc_text = redact(formatter.formatException(record.exc_info))
            record.exc_info = None
        if clean != message or record.args:
            record.msg, record.args = clean, None
        return True


def setup_logging(level: str = "INFO", stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(TokenFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("httpx", "httpcore", "apscheduler", "aiohttp.access"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return handler
