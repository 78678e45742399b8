"""Shared fixtures: where ../shared lives, and skipping when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def shared_dir() -> Path:
    """The project's ../shared folder; tests that need it skip where it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"../shared is not beside this clone ({SHARED_DIR} missing)")
    return SHARED_DIR


@pytest.fixture
def fixtures_dir() -> Path:
    return FIXTURES
