"""The `wardnews` command: run, check, demo, backup.

Every failure the operator can fix (config, token, database) is one line on
stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import __version__
from bot.config import Config, ConfigError, load_config
from bot.logs import mask_token, redact, setup_logging
from storage.db import Database, StorageError

log = logging.getLogger(__name__)

EXIT_FAILED = 1
EXIT_SETUP = 2


class SetupError(Exception):
    """A problem the operator must fix before the bot can start."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wardnews",
        description="A Telegram bot that brings each ward's news to the people who live there.",
    )
    parser.add_argument("--version", action="version", version=f"wardnews {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    run = commands.add_parser("run", help="run the bot (long polling)")
    run.add_argument("--config", required=True, type=Path, help="path to config.toml")
    run.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING"])

    check = commands.add_parser(
        "check", help="validate the config and fetch every source once, storing nothing"
    )
    check.add_argument("--config", required=True, type=Path, help="path to config.toml")

    demo = commands.add_parser("demo", help="play a scripted session offline, as a transcript")
    demo.add_argument("--lang", default="vi", choices=["vi", "en"], help="the bot's language")

    backup = commands.add_parser(
        "backup", help="copy the live database consistently (safe while the bot runs)"
    )
    backup.add_argument("path", type=Path, help="where to write the copy")
    backup.add_argument("--config", required=True, type=Path, help="path to config.toml")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "run":
            return run(args.config, args.log_level)
        if args.command == "check":
            from bot.check import check

            return asyncio.run(check(_config(args.config, require_token=False)))
        if args.command == "demo":
            from bot.demo import demo

            return asyncio.run(demo(args.lang))
        if args.command == "backup":
            return asyncio.run(backup(_config(args.config, require_token=False), args.path))
    except (ConfigError, SetupError, StorageError) as exc:
        print(f"wardnews: {redact(str(exc))}", file=sys.stderr)
        return EXIT_SETUP
    except KeyboardInterrupt:
        return 130
    return EXIT_FAILED


def _config(path: Path, *, require_token: bool) -> Config:
    config = load_config(path, require_token=require_token)
    mask_token(config.telegram.token)
    return config


async def _check_database(config: Config) -> None:
    """Open (and migrate) the database once, so that a bad path fails here, clearly."""
    db = await Database.open(config.storage.path)
    await db.close()


def run(config_path: Path, log_level: str) -> int:
    config = _config(config_path, require_token=True)
    from telegram import Update

    from bot.app import CONFLICT_KEY, build_application

    registry = registry_for(config)
    setup_logging(log_level)
    asyncio.run(_check_database(config))
    application = build_application(config, registry)
    log.info("wardnews %s starting: %d sources", __version__, len(config.sources))
    application.run_polling(allowed_updates=Update.ALL_TYPES, close_loop=False)
    log.info("wardnews stopped")
    if application.bot_data.get(CONFLICT_KEY):
        print(
            "wardnews: another instance of this bot is polling Telegram (409 Conflict); stopped",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return 0


def registry_for(config: Config):
    """The served wards; a province or ward the registry does not know is a setup error."""
    from bot.app import build_registry

    try:
        return build_registry(config)
    except ValueError as exc:
        raise SetupError(f"wards: {exc}") from exc


def _check_backup_paths(source: Path, target: Path) -> None:
    if not source.exists():
        raise SetupError(f"{source}: database not found")
    if target.exists():
        raise SetupError(f"{target}: already exists; choose a new file")


async def backup(config: Config, target: Path) -> int:
    _check_backup_paths(config.storage.path, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    db = await Database.open(config.storage.path)
    try:
        await db.backup(target)
    finally:
        await db.close()
    print(f"backup written to {target}")
    return 0
