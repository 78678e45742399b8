"""`wardnews check`: fetch every source once, print what was found, store nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from bot.portal_server import PortalServer, Route
from tests.test_ingest_e2e import OLD, rss

REPO = Path(__file__).resolve().parents[1]


def config_text(tmp_path: Path, sources: list[tuple[str, str]]) -> Path:
    lines = [
        "[storage]",
        f'path = "{tmp_path / "never.db"}"',
        "[[wards.custom]]",
        'name = "Kim Liên"',
        "[[wards.custom]]",
        'name = "Ô Chợ Dừa"',
    ]
    for name, url in sources:
        lines += ["[[sources]]", f'name = "{name}"', 'kind = "rss"', f'url = "{url}"']
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def run_check(config: Path) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "check",
        "--config",
        str(config),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, out.decode(), err.decode()


async def test_check_prints_items_dates_wards_and_stores_nothing(tmp_path):
    async with PortalServer({"/rss": Route(rss(OLD))}) as portal:
        config = config_text(tmp_path, [("kimlien", portal.url("/rss"))])
        code, out, err = await run_check(config)
    assert code == 0, out + err
    assert "[ok] kimlien (rss)" in out and "2 items" in out
    assert "Phường Kim Liên ra quân tổng vệ sinh" in out
    assert "wards: phường Kim Liên" in out
    assert "summary: Sáng nay phường Kim Liên ra quân." in out
    assert not (tmp_path / "never.db").exists()


async def test_check_exits_1_when_a_source_fails(tmp_path):
    routes = {"/rss": Route(rss(OLD)), "/down": Route(b"", status=502)}
    async with PortalServer(routes) as portal:
        config = config_text(tmp_path, [("good", portal.url("/rss")), ("bad", portal.url("/down"))])
        code, out, _ = await run_check(config)
    assert code == 1
    assert "[ok] good" in out
    assert "[FAILED] bad" in out and "502" in out
    assert "1 sources ok, 1 failed" in out


async def test_check_needs_no_token_but_a_valid_config(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[polling]\ninterval = "often"\n', encoding="utf-8")
    code, _, err = await run_check(path)
    assert code == 2
    assert err.strip() == "wardnews: polling.interval: expected a number, got 'often'"
