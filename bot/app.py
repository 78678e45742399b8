"""Wires storage, the ward registry, handlers, the poller and the delivery worker.

All registration happens here. Resources open in `post_init` and close in
`post_shutdown`; `run_polling` calls both, and tests that drive the
Application by hand use `start_bot` / `stop_bot`, which do the same.
"""

from __future__ import annotations

import logging

from telegram import BotCommand, BotCommandScopeAllPrivateChats, Update
from telegram.error import Conflict
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import logs
from bot.alerts import Alerts
from bot.broadcast_progress import BroadcastTracker
from bot.catalogue import LANGUAGES, catalogue
from bot.config import Config
from bot.delivery import DeliveryWorker
from bot.handlers import access, admin, callbacks, groups, lists, operations, resident
from bot.news.wards import WardRegistry
from bot.poller import Poller
from bot.ratelimit import GovernedRateLimiter, SendGovernor
from bot.services import SERVICES_KEY, Services
from bot.telegram_http import AiohttpRequest
from storage import outbox
from storage.db import Database
from storage.wards import sync_wards

log = logging.getLogger(__name__)

# Set in bot_data when Telegram answered 409: `wardnews run` then exits non-zero.
CONFLICT_KEY = "conflict"

RESIDENT_COMMANDS = ("start", "help", "ward", "latest", "search", "subscribe", "unsubscribe")
MENU = (*RESIDENT_COMMANDS, "lang", "stop")


def build_registry(config: Config) -> WardRegistry:
    wards = config.wards
    return WardRegistry.from_config(wards.province, list(wards.only), list(wards.custom))


def build_application(config: Config, registry: WardRegistry | None = None) -> Application:
    """The real bot: python-telegram-bot's Application with our handlers."""
    logs.mask_token(config.telegram.token)
    governor = SendGovernor(
        config.delivery.global_per_second,
        config.delivery.per_chat_interval,
        config.delivery.group_per_minute,
    )
    timeout = max(config.polling.timeout, 10.0)
    application = (
        ApplicationBuilder()
        .token(config.telegram.token)
        .base_url(config.telegram.api_url)
        .base_file_url(config.telegram.file_url)
        .rate_limiter(GovernedRateLimiter(governor))
        .request(AiohttpRequest(connection_pool_size=64, read_timeout=timeout))
        .get_updates_request(AiohttpRequest(read_timeout=timeout + 40))
        .concurrent_updates(8)
        .post_init(post_init)
        .post_stop(post_stop)
        .post_shutdown(post_shutdown)
        .build()
    )
    application.bot_data["config"] = config
    application.bot_data["registry"] = registry or build_registry(config)
    application.bot_data["governor"] = governor
    add_handlers(application)
    return application


def add_handlers(application: Application) -> None:
    commands = {
        "start": resident.start,
        "help": resident.help_command,
        "ward": resident.ward,
        "subscribe": resident.subscribe,
        "unsubscribe": resident.unsubscribe,
        "lang": resident.lang,
        "stop": resident.stop,
        "latest": lists.latest,
        "search": lists.search,
        "broadcast": admin.broadcast,
        "sources": operations.sources,
        "poll": operations.poll,
        "stats": operations.stats,
    }
    for name, callback in commands.items():
        application.add_handler(CommandHandler(name, callback))
    application.add_handler(CallbackQueryHandler(admin.on_broadcast_button, pattern=r"^bc:"))
    application.add_handler(CallbackQueryHandler(callbacks.on_button))
    application.add_handler(
        ChatMemberHandler(groups.on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER)
    )
    application.add_handler(
        MessageHandler(filters.COMMAND & ~filters.UpdateType.EDITED, resident.unknown_command)
    )
    application.add_handler(
        MessageHandler(
            filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED,
            resident.plain_text,
        )
    )
    application.add_error_handler(on_error)


async def post_init(application: Application) -> None:
    config: Config = application.bot_data["config"]
    registry: WardRegistry = application.bot_data["registry"]
    db = await Database.open(config.storage.path)
    await sync_wards(db, registry.all())
    recovered = await outbox.recover_in_flight(db)
    if recovered:
        log.warning("recovered %d deliveries that were in flight at the last stop", recovered)
    svc = Services(config, db, registry, application.bot_data["governor"])
    application.bot_data[SERVICES_KEY] = svc
    access.install(application, svc)
    await groups.install_channels(application, svc)
    await set_menus(application)
    tracker = BroadcastTracker(svc, application.bot)
    svc.extras["broadcast_tracker"] = tracker
    svc.delivery = DeliveryWorker(svc, application.bot, window=config.delivery.in_flight)
    svc.delivery.outcome_hooks.append(tracker.on_outcome)
    svc.poller = Poller(svc, Alerts(svc, application.bot))
    await svc.poller.prepare()
    svc.delivery.start()
    svc.poller.start()
    await tracker.resume()


async def post_stop(application: Application) -> None:
    svc: Services | None = application.bot_data.get(SERVICES_KEY)
    if svc is None:
        return
    if svc.poller is not None:
        await svc.poller.stop()
    if svc.delivery is not None:
        await svc.delivery.stop()


async def post_shutdown(application: Application) -> None:
    svc: Services | None = application.bot_data.pop(SERVICES_KEY, None)
    if svc is not None:
        await svc.db.close()


async def set_menus(application: Application) -> None:
    """The command menu in Vietnamese (default) and English."""
    for language in LANGUAGES:
        t = catalogue(language)
        commands = [BotCommand(name, t(f"menu.{name}")) for name in MENU]
        code = None if language == "vi" else language
        await application.bot.set_my_commands(
            commands, scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        await application.bot.set_my_commands(commands, language_code=code)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The one place where an unexpected error of a handler ends up."""
    if isinstance(context.error, Conflict):
        log.critical("another instance of this bot is polling Telegram; stopping")
        context.application.bot_data[CONFLICT_KEY] = True
        # PTB's last getUpdates on the way out meets the same 409 and logs a traceback.
        logging.getLogger("telegram.ext.Updater").addFilter(_drop_conflict_traceback)
        context.application.stop_running()
        return
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    svc: Services | None = context.application.bot_data.get(SERVICES_KEY)
    if svc is None:
        return
    try:
        t = await svc.words_for(update.effective_chat.id)
        if update.callback_query:
            await update.callback_query.answer(t("error.internal"))
        elif update.effective_message:
            await update.effective_message.reply_text(t("error.internal"), do_quote=False)
    except Exception:
        log.warning("could not tell the chat about the error", exc_info=True)


def _drop_conflict_traceback(record: logging.LogRecord) -> bool:
    error = record.exc_info[1] if record.exc_info else None
    return not isinstance(error, Conflict)


async def start_bot(application: Application, *, poll_interval: float = 0.0) -> None:
    """Start by hand what `run_polling` starts (tests and the demo)."""
    await application.initialize()
    await post_init(application)
    await application.updater.start_polling(
        poll_interval=poll_interval, timeout=1, allowed_updates=Update.ALL_TYPES
    )
    await application.start()


async def stop_bot(application: Application) -> None:
    if application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
    await post_stop(application)
    await application.shutdown()
    await post_shutdown(application)
