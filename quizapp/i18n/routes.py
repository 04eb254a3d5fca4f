"""The header's language switcher."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import abort, redirect, request, session
from flask_login import current_user

from quizapp.extensions import db
from quizapp.i18n import LANGUAGES, bp


@bp.post("/language")
def switch_language():
    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, description=f"language must be one of {', '.join(LANGUAGES)}")
    session["language"] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    return redirect(_same_site(request.form.get("next")) or "/")


def _same_site(target: str | None) -> str | None:
    """Only a path on this site: the switcher must not become an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
