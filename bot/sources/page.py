"""Page text: an article's container, its lines, and what is caption or byline.

Shared by the archive parser (article pages) and the RSS parser (HTML in a
feed's description). Captions are found by markup (centred all-italic
paragraphs, caption classes), the byline as a short right-aligned last
paragraph; `bot.news.summary` then drops what reads like noise.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from selectolax.lexbor import LexborHTMLParser, LexborNode

from bot.news.summary import strip_noise
from bot.news.text import clean_text

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
    """The paragraphs without noise; a text that is all "noise" (one short line) stays.

    `paragraphs` are clean lines (`clean_paragraphs`' output), so noise
    stripping takes them as such (`strip_noise(..., cleaned=True)`).
    """
    return strip_noise(paragraphs, cleaned=True) or [line for line in paragraphs if line != author]


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
