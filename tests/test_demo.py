"""`wardnews demo` as a new user runs it: a subprocess, no config, no network."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def run_demo(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )


def test_demo_plays_every_step_of_the_story_and_exits_0():
    result = run_demo()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    out = result.stdout
    steps = [
        "Lan:\n    /start",
        "Xin chào! Tôi gửi tin tức",
        "Phường Láng Thượng (cũ) nay thuộc phường Láng.",  # a former ward's name
        "Minh presses [Đống Đa]",  # the picker
        "Hoa adds the bot to the group",
        "Đã đăng ký nhận tin phường Ba Đình.",
        "Lan:\n    /latest",
        "Tin mới nhất:",
        "/search vệ sinh môi trường",
        "Xem trước thông báo gửi tới 1 người nhận",  # broadcast preview
        "presses [Xác nhận gửi]",
        "gửi được 1, bị chặn 0, lỗi 0",  # the report
        "demo finished:",
    ]
    position = 0
    for step in steps:
        found = out.find(step, position)
        assert found >= 0, f"missing or out of order: {step!r}"
        position = found
    published = out.index("Đã đăng ký nhận tin phường Ba Đình.")
    asked = out.index("Lan:\n    /latest")
    for push in (  # the news published during the demo, pushed in any order
        "[Minh] bot:\n    Phường Đống Đa ra quân tổng vệ sinh",
        "[Lan] bot:\n    Thông báo tạm ngừng cấp nước",
        "[Group TDP 12] bot:\n    Phường Ba Đình thông báo sửa chữa mặt đường",
    ):
        assert published < out.find(push) < asked, push
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("lang", ["en"])
def test_demo_in_english(lang):
    result = run_demo("--lang", lang)
    assert result.returncode == 0, result.stdout[-2000:]
    assert "Hello! I send the news" in result.stdout
    assert "is now part of phường Láng" in result.stdout
