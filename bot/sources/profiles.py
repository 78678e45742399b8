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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from bot.news.summary import strip_noise
from bot.news.text import clean_text

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


# --- reading page text ----------------------------------------------------------

_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "center", "dd", "div", "dl", "dt", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol",
    "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})  # fmt: skip
_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "iframe", "template", "svg", "canvas", "video", "audio",
    "object", "embed", "form", "button", "select", "textarea", "input", "figcaption", "head",
    "title",
})  # fmt: skip
_CAPTION_CLASS = re.compile(r"caption|image[_-]?desc|img[_-]?desc|photo[_-]?desc", re.I)
_ALIGN = re.compile(r"text-align\s*:\s*(center|right)", re.I)
_CAPTION_MAX_CHARS = 250
_BYLINE_MAX_CHARS = 80


def node_text(node: LexborNode) -> str:
    """A node's text on one line: a meta's content, else its text, entities decoded."""
    is_meta = node.tag == "meta"
    raw = (node.attributes.get("content") or "") if is_meta else node.text(separator=" ")
    return " ".join(clean_text(raw).split())


def outermost_longest(tree: LexborHTMLParser, selectors: Collection[str]) -> LexborNode | None:
    """The article container: for the first selector with text, the outermost, longest match.

    Liferay sometimes nests `journal-content-article` twice; taking the
    outermost reads the text once.
    """
    for selector in selectors:
        nodes = [node for node in tree.css(selector) if node.text(strip=True)]
        if not nodes:
            continue
        ids = {node.mem_id for node in nodes}
        outer = [node for node in nodes if not _inside(node, ids)]
        return max(outer, key=lambda node: len(node.text()))
    return None


def article_lines(body: LexborNode) -> tuple[list[str], str | None]:
    """The body's paragraphs (one per block or <br>) without captions, and a tail byline.

    Captions are found by markup: centred all-italic paragraphs and
    caption-classed elements. A short right-aligned last paragraph is the
    author's name and is returned apart.
    """
    skip = _caption_ids(body)
    author = None
    tail = _last_block(body, skip)
    if tail is not None and _alignment(tail) == "right":
        text = node_text(tail)
        if len(text) <= _BYLINE_MAX_CHARS and len(text.split()) <= 8:
            author = text
            skip.add(tail.mem_id)
    return block_lines(body, skip), author


def body_text(paragraphs: list[str], author: str | None) -> list[str]:
    """The paragraphs without noise; a text that is all "noise" (one short line) stays."""
    return strip_noise(paragraphs) or [line for line in paragraphs if line != author]


def html_lines(fragment: str) -> tuple[list[str], str | None]:
    """`article_lines` of an HTML fragment (a feed's description or content)."""
    tree = LexborHTMLParser(f"<html><body>{fragment}</body></html>")
    return article_lines(tree.body) if tree.body is not None else ([], None)


def block_lines(root: LexborNode, skip: Collection[int] = ()) -> list[str]:
    """Text lines of a subtree: a new line at every block element and <br>.

    Iterative, so absurdly deep broken HTML cannot exhaust the stack.
    """
    lines: list[str] = []
    parts: list[str] = []

    def flush() -> None:
        text = " ".join("".join(parts).split())
        if text:
            lines.append(text)
        parts.clear()

    stack: list[LexborNode | None] = [root]  # None marks the end of a block
    while stack:
        node = stack.pop()
        if node is None:
            flush()
            continue
        tag = node.tag or ""
        if tag == "-text":
            parts.append(node.text_content or "")
        elif tag.startswith("-") or tag in _SKIP_TAGS or node.mem_id in skip:
            continue
        elif tag == "br":
            flush()
        else:
            if tag in _BLOCK_TAGS:
                flush()
                stack.append(None)
            stack.extend(reversed(list(node.iter(include_text=True))))
    flush()
    return lines


def _inside(node: LexborNode, ids: Collection[int]) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.mem_id in ids:
            return True
        parent = parent.parent
    return False


def _alignment(node: LexborNode) -> str | None:
    for candidate in (node, node.parent):
        if candidate is None:
            continue
        align = (candidate.attributes.get("align") or "").lower()
        match = _ALIGN.search(candidate.attributes.get("style") or "")
        if match or align in ("center", "right"):
            return match.group(1).lower() if match else align
    return None


def _caption_ids(body: LexborNode) -> set[int]:
    found: set[int] = set()
    for node in body.css("[class]"):
        if _CAPTION_CLASS.search(node.attributes.get("class") or ""):
            found.add(node.mem_id)
    for node in body.css("p, div"):
        if _alignment(node) == "center" and _all_emphasised(node):
            found.add(node.mem_id)
    return found


def _all_emphasised(node: LexborNode) -> bool:
    total = "".join(node.text().split())
    if not total or len(total) > _CAPTION_MAX_CHARS:
        return False
    emphasised = "".join("".join(part.text().split()) for part in node.css("em, i"))
    return len(emphasised) >= len(total)


def _last_block(body: LexborNode, skip: Collection[int]) -> LexborNode | None:
    last = None
    for node in body.css("p, div"):
        if node.mem_id not in skip and not _inside(node, skip) and node.text(strip=True):
            last = node
    return last
