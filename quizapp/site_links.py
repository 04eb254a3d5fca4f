"""The header's menu links, rendered once per (language, kind of visitor, URL prefix) instead of on every page.

Every page's header holds the same links for everyone of a kind (visitor, learner, instructor) in a language:
about ten `url_for` and ten translations, a measurable share of a study page's CPU (docs/performance.md, "Issue
17, third round"). Rendered once per key and kept as markup; what differs per user or per request (the CSRF
token of the log-out form, the language switcher's return path) stays in base.html. Bounded: a key holds the
language (a few), the kind (three) and the application's URL prefix (SCRIPT_NAME, one behind a given proxy);
one cache per app.
"""
from __future__ import annotations

from flask import Flask, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from quizapp.i18n import current_language

MAX_ENTRIES = 64


def visitor_kind() -> str:
    if not getattr(current_user, "is_authenticated", False):
        return "visitor"
    return "instructor" if current_user.is_instructor else "learner"


def site_links() -> Markup:
    kind = visitor_kind()
    key = (current_language(), kind, request.script_root)
    cache = current_app.extensions["quizapp.site_links"]  # one per app: tests build several, configured apart
    links = cache.get(key)
    if links is None:
        links = Markup(render_template("_site_links.html", kind=kind))
        if len(cache) >= MAX_ENTRIES:
            cache.clear()
        cache[key] = links
    return links


def init_site_links(app: Flask) -> None:
    app.extensions["quizapp.site_links"] = {}
    app.add_template_global(site_links)
