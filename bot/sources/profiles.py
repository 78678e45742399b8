"""Archive profiles: where a portal family keeps its links, titles, dates and text.

A profile is data: CSS selectors for the listing page (one `item` per
article, its `link`, `title`, `date`), ordered fallbacks for the article page
(title, date, lead, body, author), how to reach page N, and the patterns that
recognise article links and ids. Built in: "liferay" (district and department
"egov" portals up to 2025) and "hanoi-cms" (the hanoi.gov.vn ward portals from
July 2025). A source may name one, override its selectors, give its own
selectors, or name none and let the first page decide ("auto"; the contract's
example name "hanoi-portal" means the same).

The second half holds the primitives profiles are applied with (also used
for feed HTML): a node's text, the article container, and an article's
paragraphs with captions found by markup and the right-aligned byline apart.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, SelectolaxError

NextPage = Callable[[str, int], str | None]

_TITLE_FALLBACKS = ("h1", "meta[property='og:title']")


@dataclass(frozen=True, slots=True)
class ArchiveProfile:
    """How to read one portal family's listing and article pages.

    Listing selectors are single CSS selectors applied inside each `item`
    (`item` = "" scans the whole page for `link`). Article selectors are
    tuples tried in order; the first that yields text wins.
    """

    name: str
    item: str
    link: str
    title: str | None = None  # listing title inside an item; None: the link's text
    date: str | None = None  # listing date text inside an item
    summary: str | None = None  # listing lead inside an item
    body: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    article_title: tuple[str, ...] = _TITLE_FALLBACKS
    article_date: tuple[str, ...] = ()
    canonical: str | None = None  # the article's declared URL, used when it is an article link
    next_page: NextPage | None = None
    link_pattern: re.Pattern[str] | None = None  # article links must match
    id_pattern: re.Pattern[str] | None = None  # group 1: the stable article id
    markers: tuple[str, ...] = ()  # selectors that recognise the family


def liferay_page(url: str, page: int) -> str | None:
    """Page N of a Liferay asset publisher: `_101_cur=N` on the category URL."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "_101_cur"]
    if page > 1:
        if not any(key == "p_p_id" for key, _ in query):
            query += [("p_p_id", "101"), ("p_p_lifecycle", "0")]
        query.append(("_101_cur", str(page)))
    return urlunsplit(parts._replace(query=urlencode(query), fragment=""))


LIFERAY = ArchiveProfile(
    name="liferay",
    item="div.asset-abstract",
    link="h3.asset-title a",
    title="h3.asset-title a",
    date="div.assetPublishDate",
    summary="div.asset-summary",
    body=(".asset-full-content .journal-content-article", ".journal-content-article"),
    article_title=(
        "h3.header-title",
        ".asset-full-content .asset-title",
        "meta[property='og:title']",
    ),
    article_date=(".asset-full-content .assetPublishDate", ".asset-full-content .date"),
    next_page=liferay_page,
    id_pattern=re.compile(r"/view_content/(\d+)-"),
    markers=("div.asset-abstract", ".journal-content-article", "h3.header-title"),
)

HANOI_CMS = ArchiveProfile(
    name="hanoi-cms",
    item="",
    link="a[href]",
    body=(".detail-content.afcbc-body", "[data-role=content]"),
    lead=("[data-role=sapo]", ".detail-sapo"),
    article_title=("h1", "meta[property='og:title']"),
    article_date=(".detail-time", ".news-info .time"),
    canonical="link[rel=canonical]",
    # Listings are filled by an AJAX call with no known page parameter: page 1 only.
    next_page=None,
    link_pattern=re.compile(r"-\d{19}\.htm(?:$|[?#])"),
    id_pattern=re.compile(r"-(\d{19})\.htm"),
    markers=("[data-role=content]", ".detail-content.afcbc-body", "[data-role=sapo]"),
)

AUTO = ArchiveProfile(name="auto", item="", link="")
BUILT_IN = {profile.name: profile for profile in (LIFERAY, HANOI_CMS)}
_AUTO_NAMES = frozenset({"auto", "hanoi-portal"})
SELECTOR_KEYS = frozenset({"item", "link", "title", "date", "body", "lead", "author"})


def get_profile(name: str | None, selectors: Mapping[str, str]) -> ArchiveProfile:
    """The profile a source's config asks for; raises ValueError for a bad one.

    A named built-in profile takes `selectors` as overrides; with no name,
    `selectors` (at least `link` and `body`) make a custom profile, and no
    selectors at all means auto-detection from the first page.
    """
    unknown = sorted(set(selectors) - SELECTOR_KEYS)
    if unknown:
        raise ValueError(f"unknown archive selector key(s): {', '.join(unknown)}")
    for key, selector in selectors.items():
        _check_selector(key, selector)
    if name is not None and name not in BUILT_IN and name not in _AUTO_NAMES:
        known = ", ".join([*sorted(BUILT_IN), "auto"])
        raise ValueError(f"unknown archive profile {name!r} (known: {known})")
    if name in BUILT_IN:
        return _override(BUILT_IN[name], selectors) if selectors else BUILT_IN[name]
    if not selectors:
        return AUTO
    if name is not None:
        raise ValueError(f"profile {name!r} detects the layout itself: drop the selectors")
    if "link" not in selectors or "body" not in selectors:
        raise ValueError("a custom archive profile needs at least 'link' and 'body' selectors")
    return _override(ArchiveProfile(name="custom", item="", link=""), selectors)


def _override(profile: ArchiveProfile, selectors: Mapping[str, str]) -> ArchiveProfile:
    changes: dict[str, object] = {
        key: selectors[key] for key in ("item", "link", "title", "date") if key in selectors
    }
    for key in ("body", "lead", "author"):
        if key in selectors:
            changes[key] = (selectors[key],)
    # The listing's title and date selectors are tried on the article page first.
    if "title" in selectors:
        changes["article_title"] = (selectors["title"], *profile.article_title)
    if "date" in selectors:
        changes["article_date"] = (selectors["date"], *profile.article_date)
    return dataclasses.replace(profile, **changes)  # type: ignore[arg-type]


def _check_selector(key: str, selector: str) -> None:
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except SelectolaxError as exc:
        raise ValueError(f"archive selector {key} = {selector!r} is not valid CSS") from exc


def detect_profile(tree: LexborHTMLParser) -> ArchiveProfile | None:
    """The built-in profile whose markers the page shows, or None."""
    for profile in BUILT_IN.values():
        if any(tree.css_first(marker) is not None for marker in profile.markers):
            return profile
    pattern = HANOI_CMS.link_pattern
    assert pattern is not None
    for anchor in tree.css("a[href]"):
        if pattern.search(anchor.attributes.get("href") or ""):
            return HANOI_CMS
    return None


def is_auto(profile: ArchiveProfile) -> bool:
    return profile.name == AUTO.name
