"""Fault injection as methods of the emulator (a mixin of BotApiEmulator)."""

from __future__ import annotations

from bot.emulator import acting
from bot.emulator.dispatch import Dispatcher
from bot.emulator.faults import Faults
from bot.emulator.world import ChatState, World


class FaultControls:
    """Switch injected failures on and off; see bot.emulator.faults for the rules."""

    _faults: Faults
    _world: World
    _dispatcher: Dispatcher

    def block(self, chat_id: int, *, notify: bool = False) -> None:
        """403 "bot was blocked by the user" for that chat; `notify` also queues the
        my_chat_member update (status "kicked") Telegram sends when a user blocks."""
        self._faults.block(chat_id)
        if notify:
            acting.change_bot_status(self._world, chat_id, "kicked", chat_id)
            self._dispatcher.activity.fire()

    def deactivate(self, chat_id: int) -> None:
        """403 "user is deactivated" for that chat."""
        self._faults.deactivate(chat_id)

    def chat_not_found(self, chat_id: int | str) -> None:
        """400 "chat not found" for that chat."""
        self._faults.chat_not_found(chat_id)

    def migrate(self, chat_id: int, new_chat_id: int) -> None:
        """400 "group chat was upgraded to a supergroup chat" with migrate_to_chat_id;
        the new supergroup exists with the old group's title and people."""
        self._faults.migrate(chat_id, new_chat_id)
        old = self._world.chats.get(chat_id)
        if old is not None and new_chat_id not in self._world.chats:
            new = ChatState(
                new_chat_id,
                "supergroup",
                title=old.title,
                admins=list(old.admins),
                members=set(old.members),
                bot_status=old.bot_status,
            )
            self._world.add_chat(new)

    def clear_chat_fault(self, chat_id: int | str) -> None:
        """Undo block, deactivate, chat_not_found or migrate for that chat."""
        self._faults.set_chat_error(chat_id, None)

    unblock = clear_chat_fault

    def fail_share(self, share: float, seed: int = 0) -> None:
        """That share (0..1) of send calls answers 500 or 502, drawn from `seed`."""
        self._faults.fail_share(share, seed)

    def delay(
        self,
        seconds: float,
        method: str | None = None,
        *,
        after: bool = False,
        count: int | None = None,
    ) -> None:
        """Answer `method` (all if None) `seconds` late; 0 switches it off.

        `after=False` waits before handling (a client that gives up sends nothing);
        `after=True` handles first (the message is stored, the answer comes late).
        `count` limits the delay to that many calls.
        """
        self._faults.delay(seconds, method, after, count)

    def inject_429(self, count: int = 1, retry_after: int = 3, chat_id: int | None = None) -> None:
        """The next `count` sends (to `chat_id`, or any) answer 429 retry_after."""
        self._faults.inject_429(count, retry_after, chat_id)

    def conflict(self, active: bool = True) -> None:
        """getUpdates answers 409 Conflict (waiting calls too) until switched off."""
        self._world.updates.conflict = active
        self._world.updates.notify()
