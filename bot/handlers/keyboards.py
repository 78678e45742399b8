"""Inline keyboards and their callback data (each at most 64 bytes).

Callback data is a short verb and arguments separated by ``:``:
``pk:<page>`` picker page, ``pl`` picker letters, ``pL:<letter>`` wards of a
letter, ``sub:<code>`` / ``uns:<code>`` follow or unfollow, ``wd:<code>``
show a ward, ``lt:<offset>`` more of /latest, ``sr:<offset>:<words>`` more of
/search, ``bc:ok:<id>`` / ``bc:no:<id>`` confirm or cancel a broadcast,
``done`` close the picker.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.catalogue import Catalogue
from bot.news.text import fold

PAGE_SIZE = 10
COLUMNS = 2
LETTER_COLUMNS = 6
CALLBACK_LIMIT = 64
CHECK = "✓ "


def _button(label: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(label[:60], callback_data=fit(data))


def fit(data: str) -> str:
    """Cut callback data to 64 bytes without splitting a character."""
    raw = data.encode("utf-8")[:CALLBACK_LIMIT]
    return raw.decode("utf-8", errors="ignore")


def _rows(buttons: Sequence[InlineKeyboardButton], columns: int):
    return [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]


def page_count(total: int) -> int:
    return max(1, math.ceil(total / PAGE_SIZE))


def ward_buttons(wards: Sequence, chosen: Collection[str]) -> list[InlineKeyboardButton]:
    """A button per ward: pressing it follows (or unfollows) the ward."""
    buttons = []
    for ward in wards:
        mark = CHECK if ward.code in chosen else ""
        verb = "uns" if ward.code in chosen else "sub"
        buttons.append(_button(f"{mark}{ward.name}", f"{verb}:{ward.code}"))
    return buttons


def picker(wards: Sequence, page: int, chosen: Collection[str], t: Catalogue):
    """One page of the ward picker, with back / letters / next and 'type it'."""
    pages = page_count(len(wards))
    page = min(max(page, 1), pages)
    shown = wards[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = _rows(ward_buttons(shown, chosen), COLUMNS)
    nav = []
    if page > 1:
        nav.append(_button(t("picker.prev"), f"pk:{page - 1}"))
    if pages > 1:
        nav.append(_button(t("picker.letters_button"), "pl"))
    if page < pages:
        nav.append(_button(t("picker.next"), f"pk:{page + 1}"))
    if nav:
        rows.append(nav)
    rows.append([_button(t("picker.type_name"), "type"), _button(t("picker.done"), "done")])
    return InlineKeyboardMarkup(rows), page, pages


def first_letter(name: str) -> str:
    folded = fold(name)
    return folded[:1].upper() if folded else "#"


def letters(wards: Sequence, t: Catalogue) -> InlineKeyboardMarkup:
    """The letters that begin a ward's name, to jump straight to them."""
    found = sorted({first_letter(w.name) for w in wards})
    rows = _rows([_button(letter, f"pL:{letter}") for letter in found], LETTER_COLUMNS)
    rows.append([_button(t("picker.prev"), "pk:1")])
    return InlineKeyboardMarkup(rows)


def letter_page(wards: Sequence, letter: str, chosen: Collection[str], t: Catalogue):
    shown = [w for w in wards if first_letter(w.name) == letter]
    rows = _rows(ward_buttons(shown[: PAGE_SIZE * 3], chosen), COLUMNS)
    rows.append([_button(t("picker.letters_button"), "pl"), _button(t("picker.done"), "done")])
    return InlineKeyboardMarkup(rows)


def my_wards(wards: Sequence, t: Catalogue) -> InlineKeyboardMarkup:
    """/ward: one 'unfollow' button per ward and one to add a ward."""
    rows = [[_button(f"✕ {w.name}", f"uns:{w.code}")] for w in wards]
    rows.append([_button(t("ward.add_more"), "pk:1")])
    return InlineKeyboardMarkup(rows)


def follow(code: str, following: bool, t: Catalogue) -> InlineKeyboardMarkup:
    if following:
        return InlineKeyboardMarkup([[_button(t("button.unsubscribe"), f"uns:{code}")]])
    return InlineKeyboardMarkup([[_button(t("button.subscribe"), f"sub:{code}")]])


def choices(wards: Sequence, verb: str) -> InlineKeyboardMarkup:
    """Several candidate wards (a split former ward, typo suggestions)."""
    return InlineKeyboardMarkup([[_button(w.display_name, f"{verb}:{w.code}")] for w in wards])


def more(data: str, t: Catalogue) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_button(t("button.more"), data)]])


def confirm_broadcast(broadcast_id: int, t: Catalogue) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                _button(t("button.confirm"), f"bc:ok:{broadcast_id}"),
                _button(t("button.cancel"), f"bc:no:{broadcast_id}"),
            ]
        ]
    )
