"""Pack titles in the reader's language: a pack's translated title (`pack_translations`, written by
`quizapp content build` from a translation file's `pack_title:`) where one exists, else its own title.

Templates call `pack_title(pack)` (a Pack, or anything with `slug` and `title`); services whose queries select
`Pack.title` call `translated_pack_title(slug, title)`. One query per request and language (the table holds a row
per pack and language), cached in the request's environ. The JSON API keeps the packs' own titles.
"""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from quizapp.extensions import db
from flask_babel import get_locale

from quizapp.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language
from quizapp.study.localized import pack_titles


def _request_titles(language: str) -> dict[str, str]:
    if not has_request_context():
        return pack_titles(db.session, language)
    cache = request.environ.setdefault("quizapp.pack_titles", {})
    if language not in cache:
        cache[language] = pack_titles(db.session, language)
    return cache[language]


def speaking_now() -> str:
    """The language Flask-Babel speaks now: the request's, or the one `speaking(...)` forces (an e-mail in its
    recipient's language)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    locale = str(get_locale() or "")
    return next((tag for tag, (babel_locale, _name) in LANGUAGES.items() if babel_locale == locale),
                current_language())


def translated_pack_title(slug: str, title: str, language: str | None = None) -> str:
    """The title of pack `slug` (its own: `title`) in `language` (default: the language spoken now)."""
    language = language or speaking_now()
    if language == DEFAULT_LANGUAGE and not has_request_context():
        return title
    return _request_titles(language).get(slug, title)


def pack_title(pack: Any, language: str | None = None) -> str:
    """`pack`'s title in `language` (default: this request's), for templates."""
    if pack is None:
        return ""
    return translated_pack_title(pack.slug, pack.title, language)
