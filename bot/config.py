"""The TOML configuration: read once into frozen dataclasses, every key checked.

Unknown keys, wrong types and missing required values raise `ConfigError`
naming the key path (``sources[2].kind``), so a typo never silently does
nothing. The token may come from the environment (``WARDNEWS_TOKEN`` wins).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOKEN_ENV = "WARDNEWS_TOKEN"
SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SELECTOR_KEYS = ("item", "link", "title", "date", "body", "lead", "author")


class ConfigError(Exception):
    """A configuration problem, worded for the operator, naming the key."""


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    token: str = ""
    api_url: str = "https://api.telegram.org/bot"
    file_url: str = "https://api.telegram.org/file/bot"
    admins: tuple[int, ...] = ()
    language: str = "vi"


@dataclass(frozen=True, slots=True)
class StorageConfig:
    path: Path = Path("wardnews.db")


@dataclass(frozen=True, slots=True)
class PollingConfig:
    interval: float = 600.0
    timeout: float = 20.0
    backfill: int = 0
    max_pages: int = 3
    concurrency: int = 8
    max_backoff: float = 6 * 3600.0
    max_bytes: int = 5_000_000


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    global_per_second: float = 25.0
    per_chat_interval: float = 1.0
    group_per_minute: int = 20
    max_attempts: int = 8
    retry_delay: float = 2.0
    digest_threshold: int = 3
    link_preview: bool = False
    in_flight: int = 32


@dataclass(frozen=True, slots=True)
class CustomWard:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WardsConfig:
    province: str | None = None
    only: tuple[str, ...] = ()
    custom: tuple[CustomWard, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceConfig:
    name: str
    kind: str
    url: str
    ward: str = "auto"
    interval: float | None = None
    profile: str | None = None
    selectors: Mapping[str, str] = field(default_factory=dict)
    max_pages: int | None = None


@dataclass(frozen=True, slots=True)
class OfficerConfig:
    """A ward officer: admin rights limited to some wards."""

    user_id: int
    wards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    """A channel that also receives the news of some wards."""

    chat: int | str
    wards: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Config:
    telegram: TelegramConfig = TelegramConfig()
    storage: StorageConfig = StorageConfig()
    polling: PollingConfig = PollingConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    wards: WardsConfig = WardsConfig()
    sources: tuple[SourceConfig, ...] = ()
    admins: tuple[OfficerConfig, ...] = ()
    channels: tuple[ChannelConfig, ...] = ()


# --- reading values --------------------------------------------------------


class _Table:
    """A TOML table being read: hands out typed values and rejects leftovers."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a table")
        self.data = dict(data)
        self.path = path

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def take(self, key: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
        if key not in self.data:
            if default is ...:
                raise ConfigError(f"{self._key(key)}: required key is missing")
            return default
        value = self.data.pop(key)
        # bool is an int in Python; TOML keeps them apart and so do we.
        wrong_bool = isinstance(value, bool) and bool not in _as_tuple(kind)
        if wrong_bool or not isinstance(value, kind):
            raise ConfigError(f"{self._key(key)}: expected {_type_name(kind)}, got {value!r}")
        return value

    def number(self, key: str, default: float, *, minimum: float = 0.0) -> float:
        value = float(self.take(key, (int, float), default))
        if value < minimum:
            raise ConfigError(f"{self._key(key)}: must be at least {minimum:g}, got {value:g}")
        return value

    def integer(self, key: str, default: int, *, minimum: int = 0) -> int:
        value = self.take(key, int, default)
        if value < minimum:
            raise ConfigError(f"{self._key(key)}: must be at least {minimum}, got {value}")
        return value

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.take(key, list, [])
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value.strip():
                raise ConfigError(f"{self._key(key)}[{index}]: expected a non-empty string")
        return tuple(v.strip() for v in values)

    def table(self, key: str) -> _Table:
        return _Table(self.take(key, dict, {}), self._key(key))

    def tables(self, key: str) -> list[_Table]:
        values = self.take(key, list, [])
        return [_Table(v, f"{self._key(key)}[{i}]") for i, v in enumerate(values)]

    def done(self) -> None:
        for key in self.data:
            raise ConfigError(f"{self._key(key)}: unknown key")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _type_name(kind: type | tuple[type, ...]) -> str:
    if set(_as_tuple(kind)) == {int, float}:
        return "a number"
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    names |= {list: "a list", dict: "a table"}
    return " or ".join(names.get(k, k.__name__) for k in _as_tuple(kind))


# --- sections -------------------------------------------------------------


def _telegram(t: _Table, env: Mapping[str, str], require_token: bool) -> TelegramConfig:
    token = t.take("token", str, "").strip()
    token = env.get(TOKEN_ENV, "").strip() or token
    if require_token and not token:
        raise ConfigError(f"telegram.token: missing (set it in the config or in {TOKEN_ENV})")
    admins = t.take("admins", list, [])
    for index, admin in enumerate(admins):
        if isinstance(admin, bool) or not isinstance(admin, int):
            raise ConfigError(f"telegram.admins[{index}]: expected a numeric user id")
    language = t.take("language", str, "vi")
    if language not in ("vi", "en"):
        raise ConfigError(f'telegram.language: expected "vi" or "en", got {language!r}')
    defaults = TelegramConfig()
    config = TelegramConfig(
        token=token,
        api_url=_url(t, "api_url", defaults.api_url),
        file_url=_url(t, "file_url", defaults.file_url),
        admins=tuple(admins),
        language=language,
    )
    t.done()
    return config


def _url(t: _Table, key: str, default: str) -> str:
    value = t.take(key, str, default).strip()
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"{t._key(key)}: expected an http(s) URL, got {value!r}")
    return value


def _polling(t: _Table) -> PollingConfig:
    d = PollingConfig()
    config = PollingConfig(
        interval=t.number("interval", d.interval, minimum=1),
        timeout=t.number("timeout", d.timeout, minimum=0.1),
        backfill=t.integer("backfill", d.backfill),
        max_pages=t.integer("max_pages", d.max_pages, minimum=1),
        concurrency=t.integer("concurrency", d.concurrency, minimum=1),
        max_backoff=t.number("max_backoff", d.max_backoff, minimum=1),
        max_bytes=t.integer("max_bytes", d.max_bytes, minimum=1024),
    )
    t.done()
    return config


def _delivery(t: _Table) -> DeliveryConfig:
    d = DeliveryConfig()
    config = DeliveryConfig(
        global_per_second=t.number("global_per_second", d.global_per_second, minimum=0.1),
        per_chat_interval=t.number("per_chat_interval", d.per_chat_interval),
        group_per_minute=t.integer("group_per_minute", d.group_per_minute, minimum=1),
        max_attempts=t.integer("max_attempts", d.max_attempts, minimum=1),
        retry_delay=t.number("retry_delay", d.retry_delay, minimum=0.01),
        digest_threshold=t.integer("digest_threshold", d.digest_threshold, minimum=1),
        link_preview=t.take("link_preview", bool, d.link_preview),
        in_flight=t.integer("in_flight", d.in_flight, minimum=1),
    )
    t.done()
    return config


def _wards(t: _Table) -> WardsConfig:
    province = t.take("province", str, "").strip() or None
    only = t.strings("only")
    custom = []
    for entry in t.tables("custom"):
        name = entry.take("name", str).strip()
        if not name:
            raise ConfigError(f"{entry.path}.name: must not be empty")
        custom.append(CustomWard(name=name, aliases=entry.strings("aliases")))
        entry.done()
    t.done()
    return WardsConfig(province=province, only=only, custom=tuple(custom))


def _source(t: _Table, polling: PollingConfig) -> SourceConfig:
    name = t.take("name", str)
    if not SOURCE_NAME.match(name):
        raise ConfigError(f"{t.path}.name: use lowercase letters, digits and '-', got {name!r}")
    kind = t.take("kind", str)
    if kind not in ("rss", "archive"):
        raise ConfigError(f'{t.path}.kind: expected "rss" or "archive", got {kind!r}')
    url = _url(t, "url", "")
    ward = t.take("ward", str, "auto").strip() or "auto"
    interval = t.number("interval", polling.interval, minimum=1) if "interval" in t.data else None
    profile = t.take("profile", str, None)
    selectors = {key: t.take(key, str) for key in SELECTOR_KEYS if key in t.data}
    max_pages = t.integer("max_pages", 0, minimum=1) if "max_pages" in t.data else None
    if kind == "rss" and (profile or selectors):
        raise ConfigError(f"{t.path}: profile and selectors apply to archive sources only")
    t.done()
    return SourceConfig(name, kind, url, ward, interval, profile, selectors, max_pages)


def _officer(t: _Table) -> OfficerConfig:
    user_id = t.take("user_id", int)
    wards = t.strings("wards")
    if not wards:
        raise ConfigError(f"{t.path}.wards: name at least one ward")
    t.done()
    return OfficerConfig(user_id=user_id, wards=wards)


def _channel(t: _Table) -> ChannelConfig:
    chat = t.take("chat", (int, str))
    wards = t.strings("wards")
    if not wards:
        raise ConfigError(f"{t.path}.wards: name at least one ward")
    t.done()
    return ChannelConfig(chat=chat, wards=wards)


def parse_config(
    data: Mapping[str, Any],
    *,
    env: Mapping[str, str] | None = None,
    require_token: bool = True,
    base_dir: Path | None = None,
) -> Config:
    """Turn a parsed TOML document into a `Config`, or raise `ConfigError`."""
    env = os.environ if env is None else env
    root = _Table(data, "")
    telegram = _telegram(root.table("telegram"), env, require_token)
    storage_table = root.table("storage")
    db_path = Path(storage_table.take("path", str, "wardnews.db"))
    storage_table.done()
    if base_dir is not None and not db_path.is_absolute():
        db_path = base_dir / db_path
    polling = _polling(root.table("polling"))
    sources = tuple(_source(t, polling) for t in root.tables("sources"))
    _check_unique([s.name for s in sources], "sources", "name")
    config = Config(
        telegram=telegram,
        storage=StorageConfig(path=db_path),
        polling=polling,
        delivery=_delivery(root.table("delivery")),
        wards=_wards(root.table("wards")),
        sources=sources,
        admins=tuple(_officer(t) for t in root.tables("admins")),
        channels=tuple(_channel(t) for t in root.tables("channels")),
    )
    root.done()
    return config


def _check_unique(values: list[str], table: str, key: str) -> None:
    seen: set[str] = set()
    for index, value in enumerate(values):
        if value in seen:
            raise ConfigError(f"{table}[{index}].{key}: {value!r} is used twice")
        seen.add(value)


def load_config(
    path: str | Path,
    *,
    env: Mapping[str, str] | None = None,
    require_token: bool = True,
) -> Config:
    """Read and check the TOML file at `path`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config ({exc.strerror})") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    return parse_config(data, env=env, require_token=require_token, base_dir=path.parent)
