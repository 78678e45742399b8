"""Who may run admin commands: full admins and ward officers.

`telegram.admins` may do everything; a ward officer (`[[admins]]`) may
broadcast only to their wards and sees only the sources pinned to them.
Everyone else is refused politely, and the attempt is logged and audited.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.handlers.resident import e, register, reply
from bot.services import Services, services
from storage import broadcasts

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Officer:
    """Who may do what: `wards` is None for a full admin."""

    user_id: int
    wards: frozenset[str] | None

    def may_target(self, codes: list[str]) -> bool:
        return self.wards is None or (bool(codes) and set(codes) <= self.wards)


def officers(svc: Services) -> dict[int, Officer]:
    found = {uid: Officer(uid, None) for uid in svc.config.telegram.admins}
    for entry in svc.config.admins:
        if entry.user_id in found and found[entry.user_id].wards is None:
            continue
        codes = set()
        for name in entry.wards:
            resolved = svc.resolve(name)
            if resolved.kind in ("ward", "merged"):
                codes.add(resolved.wards[0].code)
        found[entry.user_id] = Officer(entry.user_id, frozenset(codes))
    return found


def install(application: Application, svc: Services) -> None:
    table = officers(svc)
    svc.extras["officers"] = table
    svc.extras["is_admin"] = lambda user_id: user_id in table


def admin_only(handler: Callable[..., Awaitable[None]]):
    """Let officers through; refuse, log and audit anyone else."""

    async def guarded(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        svc = services(context)
        t = await register(update, svc)
        user = update.effective_user
        officer = svc.extras["officers"].get(user.id) if user else None
        if officer is None:
            uid = user.id if user else None
            log.warning("non-admin %s tried %s", uid, handler.__name__)
            await broadcasts.record_audit(
                svc.db, uid, update.effective_chat.id, "refused", handler.__name__
            )
            await reply(update, e(t("error.admin_only")))
            return
        await handler(update, context, svc, officer)

    guarded.__name__ = handler.__name__
    return guarded
