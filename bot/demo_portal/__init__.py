"""The sample ward portal bundled for `wardnews demo` (package data, no network).

The pages and feeds in this folder are served by the demo's local HTTP
server; README.md here says what each file is and which URL it stands for.
The files of news "published during the demo" hold placeholders for the
demo's own clock, filled in by `render` (all in Asia/Ho_Chi_Minh):

    {{TODAY}}         dd/mm/yyyy         "24/11/2026"
    {{NOW_HHMM}}      HH:MM, 24-hour     "09:41"
    {{NOW_RFC822}}    RFC 822, +0700     "Tue, 24 Nov 2026 09:41:27 +0700"
    {{CMS_ID_STAMP}}  yyMMddHHmmss       "261124094127"

The other files have fixed dates (the days before 24/11/2026).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from importlib.resources import files

from bot.news.dates import VN_TZ

__all__ = ["NEW_CMS_ARTICLE", "PLACEHOLDERS", "cms_new_id", "placeholders", "read", "render"]

PLACEHOLDERS = ("{{TODAY}}", "{{NOW_HHMM}}", "{{NOW_RFC822}}", "{{CMS_ID_STAMP}}")

# The hanoi-cms article published during the demo: its 19-digit id embeds the
# publication time, so its URL is only known once the demo runs.
NEW_CMS_ARTICLE = "cms-article-new.htm"
_CMS_SITE_PREFIX = "2800"
_CMS_NEW_SUFFIX = "517"


def placeholders(now: datetime) -> dict[str, str]:
    """Each placeholder's text for the moment `now`, an aware datetime."""
    if now.tzinfo is None:
        raise ValueError("placeholders need an aware datetime")
    local = now.astimezone(VN_TZ).replace(microsecond=0)
    return {
        "{{TODAY}}": local.strftime("%d/%m/%Y"),
        "{{NOW_HHMM}}": local.strftime("%H:%M"),
        "{{NOW_RFC822}}": format_datetime(local),
        "{{CMS_ID_STAMP}}": local.strftime("%y%m%d%H%M%S"),
    }


def render(text: str, now: datetime) -> str:
    """`text` with every placeholder replaced by its value for `now`."""
    for token, value in placeholders(now).items():
        text = text.replace(token, value)
    return text


def read(name: str, now: datetime) -> str:
    """The bundled file `name` (UTF-8), placeholders filled for `now`."""
    return render(files(__name__).joinpath(name).read_text(encoding="utf-8"), now)


def cms_new_id(now: datetime) -> str:
    """The 19-digit id of the hanoi-cms article published during the demo."""
    return _CMS_SITE_PREFIX + placeholders(now)["{{CMS_ID_STAMP}}"] + _CMS_NEW_SUFFIX
