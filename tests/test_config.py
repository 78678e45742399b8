"""The configuration: every key checked, errors naming the key, the example file valid."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config, parse_config

REPO = Path(__file__).resolve().parents[1]
MINIMAL = {"telegram": {"token": "1:abc"}}


def test_example_config_is_valid():
    config = load_config(REPO / "config.example.toml", env={"WARDNEWS_TOKEN": "1:x"})
    assert config.wards.province == "Hà Nội"
    assert config.sources[0].kind == "archive"
    assert config.admins[0].wards == ("Văn Miếu - Quốc Tử Giám",)


def test_defaults_match_the_contract():
    config = parse_config(MINIMAL, env={})
    assert config.polling.interval == 600
    assert config.polling.timeout == 20
    assert config.delivery.global_per_second == 25
    assert config.delivery.per_chat_interval == 1.0
    assert config.delivery.group_per_minute == 20
    assert config.telegram.language == "vi"


def test_token_from_environment_wins():
    config = parse_config(MINIMAL, env={"WARDNEWS_TOKEN": "2:env"})
    assert config.telegram.token == "2:env"


@pytest.mark.parametrize(
    ("data", "key"),
    [
        ({"telegram": {}}, "telegram.token"),
        ({**MINIMAL, "polling": {"intervall": 5}}, "polling.intervall"),
        ({**MINIMAL, "bogus": {}}, "bogus"),
        ({**MINIMAL, "polling": {"interval": "10"}}, "polling.interval"),
        ({**MINIMAL, "polling": {"interval": True}}, "polling.interval"),
        ({**MINIMAL, "delivery": {"global_per_second": -1}}, "delivery.global_per_second"),
        ({**MINIMAL, "telegram": {"token": "1:a", "language": "fr"}}, "telegram.language"),
        ({**MINIMAL, "telegram": {"token": "1:a", "admins": ["x"]}}, "telegram.admins[0]"),
        (
            {
                **MINIMAL,
                "sources": [
                    {"name": "a", "kind": "rss", "url": "http://x"},
                    {"name": "b", "kind": "atom", "url": "http://x"},
                ],
            },
            "sources[1].kind",
        ),
        (
            {**MINIMAL, "sources": [{"name": "A B", "kind": "rss", "url": "http://x"}]},
            "sources[0].name",
        ),
        ({**MINIMAL, "sources": [{"name": "a", "kind": "rss"}]}, "sources[0].url"),
        (
            {**MINIMAL, "sources": [{"name": "a", "kind": "rss", "url": "ftp://x"}]},
            "sources[0].url",
        ),
        (
            {**MINIMAL, "sources": [{"name": "a", "kind": "rss", "url": "http://x", "itme": "p"}]},
            "sources[0].itme",
        ),
        ({**MINIMAL, "wards": {"custom": [{"name": "X", "alias": []}]}}, "wards.custom[0].alias"),
        ({**MINIMAL, "admins": [{"user_id": 1, "wards": []}]}, "admins[0].wards"),
    ],
)
def test_errors_name_the_key(data, key):
    with pytest.raises(ConfigError) as caught:
        parse_config(data, env={})
    assert str(caught.value).startswith(f"{key}:")


def test_duplicate_source_names_are_refused():
    source = {"name": "a", "kind": "rss", "url": "http://x"}
    with pytest.raises(ConfigError, match=r"sources\[1\]\.name"):
        parse_config({**MINIMAL, "sources": [source, source]}, env={})


def test_broken_toml_is_a_config_error(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[telegram\ntoken = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="invalid TOML"):
        load_config(path, env={})


def test_relative_database_path_is_beside_the_config(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[telegram]\ntoken = "1:a"\n[storage]\npath = "data/w.db"\n', "utf-8")
    assert load_config(path, env={}).storage.path == tmp_path / "data" / "w.db"


def run_cli(*args: str, env_token: str | None = None) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp"}
    if env_token:
        env["WARDNEWS_TOKEN"] = env_token
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[telegram]\ntoken = ""\n', "telegram.token"),
        ('[telegram]\ntoken = "1:a"\nfoo = 1\n', "telegram.foo: unknown key"),
        ("[telegram\n", "invalid TOML"),
    ],
)
def test_run_with_bad_config_prints_one_line_and_exits_2(tmp_path, content, message):
    path = tmp_path / "config.toml"
    path.write_text(content, encoding="utf-8")
    result = run_cli("run", "--config", str(path))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert message in lines[0]
    assert "Traceback" not in result.stderr


def test_run_with_missing_config_file_exits_2(tmp_path):
    result = run_cli("run", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "not found" in result.stderr


def test_unreadable_database_is_one_line(tmp_path):
    folder = tmp_path / "db-is-a-folder"
    folder.mkdir()
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "1:a"\n[storage]\npath = "{folder}"\n', "utf-8")
    result = run_cli("run", "--config", str(path))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "database" in result.stderr


def test_every_subcommand_has_help():
    for command in ("run", "check", "demo", "backup"):
        result = run_cli(command, "--help")
        assert result.returncode == 0
        assert "usage" in result.stdout


def test_example_is_every_key_the_loader_knows():
    """config.example.toml mentions every key of every section the loader reads."""
    text = (REPO / "config.example.toml").read_text("utf-8")
    data = tomllib.loads(text)
    for section in ("telegram", "storage", "polling", "delivery", "wards"):
        assert section in data
    for key in ("max_pages", "concurrency", "max_backoff", "max_bytes"):
        assert f"\n{key} =" in text
    for key in ("max_attempts", "retry_delay", "digest_threshold", "link_preview", "in_flight"):
        assert f"\n{key} =" in text
