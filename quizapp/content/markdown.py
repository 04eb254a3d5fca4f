"""Markdown rendering for authored content: markdown-it-py (CommonMark + tables), sanitized by nh3."""
from __future__ import annotations

from typing import Sequence

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# HTML inside Markdown is passed to nh3, which keeps formatting and drops scripts and event handlers.
_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table").enable("strikethrough")

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i",
    "img", "kbd", "li", "mark", "ol", "p", "pre", "s", "samp", "span", "strong", "sub", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "var",
}
ALLOWED_ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def parser() -> MarkdownIt:
    return _markdown


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render(text: str) -> str:
    return sanitize(_markdown.render(text)).strip()


def render_inline(text: str) -> str:
    return sanitize(_markdown.renderInline(text)).strip()


def render_tokens(tokens: Sequence[Token]) -> str:
    return sanitize(_markdown.renderer.render(list(tokens), _markdown.options, {})).strip()


def plain_text(text: str) -> str:
    """The visible text of inline Markdown, for titles and answer keys (`code` marks removed)."""
    tokens = _markdown.parseInline(text)
    parts: list[str] = []
    for token in tokens:
        for child in token.children or []:
            if child.type in ("text", "code_inline"):
                parts.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
    return "".join(parts).strip()
