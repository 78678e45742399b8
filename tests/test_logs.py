"""The token never appears in the logs, whatever logs it: httpx, PTB, our own errors."""

from __future__ import annotations

import io
import logging

from bot.logs import MASK, TokenFilter, mask_token, redact, setup_logging
from bot.portal_server import PortalServer, Route
from tests.harness import TOKEN, running_bot
from tests.test_ingest_e2e import OLD, feed_source, poll, rss
from tests.test_resident_e2e import ask


def test_redact_masks_known_and_token_shaped_secrets():
    mask_token("42:secret-token-value-that-is-long-enough-xyz")
    text = redact("GET /bot42:secret-token-value-that-is-long-enough-xyz/getMe")
    assert "secret" not in text and MASK in text
    shaped = redact("url /bot987654321:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x")
    assert "AAAAAAAA" not in shaped


def test_filter_masks_arguments_and_tracebacks():
    mask_token(TOKEN)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(TokenFilter())
    logger = logging.getLogger("test.tokens")
    logger.addHandler(handler)
    try:
        logger.error("calling %s", f"https://api/bot{TOKEN}/sendMessage")
        try:
            raise RuntimeError(f"boom at /bot{TOKEN}/getUpdates")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    assert TOKEN not in stream.getvalue()
    assert "boom at" in stream.getvalue()


async def test_a_whole_run_logs_no_token(tmp_path):
    stream = io.StringIO()
    handler = setup_logging("DEBUG", stream)
    for noisy in ("httpx", "httpcore", "telegram", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.DEBUG)  # the worst case: request lines
    try:
        async with PortalServer({"/rss": Route(rss(OLD)), "/bad": Route(b"x", status=500)}) as p:
            sources = [feed_source(p), feed_source(p, "bad", "/bad")]
            async with running_bot(tmp_path, sources=sources) as bot:
                bot.emu.add_user(900, "Admin")
                await ask(bot, 900, "/start")
                await poll(bot, "kimlien-rss")
                await poll(bot, "bad")
                bot.emu.fail_share(1.0)
                bot.emu.send_text(900, "/help")
                await bot.emu.wait_for(lambda: bot.emu.stats.server_errors, what="a 5xx answered")
                bot.emu.fail_share(0.0)
                await ask(bot, 900, "/sources")
    finally:
        logging.getLogger().removeHandler(handler)
        for noisy in ("httpx", "httpcore", "telegram", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
    output = stream.getvalue()
    assert "sendMessage" in output or "getUpdates" in output  # request lines were logged
    assert TOKEN not in output
    assert TOKEN.split(":")[1] not in output
