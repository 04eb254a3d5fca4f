"""The pages that start a focus session: a pack's outline (its topics in learning order, its question types)
and a concept from the dashboard's mastery rows."""
from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from quizapp.extensions import db
from quizapp.i18n import current_language
from quizapp.study import focus as focusing
from quizapp.study import service
from quizapp.study.routes import bp


@bp.get("/packs/<slug>/outline")
def outline(slug: str):
    pack = service.find_pack(db.session, slug, current_user) or abort(404)
    topics, types = focusing.pack_outline(db.session, pack, current_language())
    return render_template("study/outline.html", pack=pack, topics=topics, types=types)


@bp.get("/study/concept/<tag>")
def concept(tag: str):
    pack = focusing.pack_for_concept(db.session, current_user, tag) or abort(404)
    return redirect(url_for("study.question", slug=pack.slug, focus=focusing.Focus("concept", tag).param))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico whatever the page links: the same SVG icon."""
    from flask import current_app, send_from_directory

    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=86400)
