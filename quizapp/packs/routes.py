"""Instructors' pack pages: upload -> validation report -> preview -> publish; versions, rollback, sharing,
owners and exports. Views parse input and render; the work is in `publishing` and `service`."""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Any, Callable

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from quizapp.access import is_instructor
from quizapp.auth.forms import PostForm
from quizapp.checking import InvalidResponse, check_answer
from quizapp.extensions import db
from quizapp.i18n import LANGUAGES, current_language
from quizapp.models import PackDraft, PackVersion
from quizapp.packs import publishing, service
from quizapp.packs.forms import OwnerForm, UploadForm, VisibilityForm
from quizapp.packs.foreign import convert_uploads
from quizapp.packs.uploads import DEFAULT_LIMITS, UploadError, UploadLimits, read_upload
from quizapp.study.presenting import card_view, response_from_form
from quizapp.study.trace import render_trace

bp = Blueprint("packs", __name__, url_prefix="/instructor")

DEFAULT_MAX_CONTENT_LENGTH = 32 * 1024 * 1024
EXPORT_FORMATS = {"apkg": _l("Anki (.apkg)"), "gift": _l("Moodle GIFT"), "moodle-xml": _l("Moodle XML"),
                  "qti": _l("Canvas (QTI 1.2)")}


@bp.record_once
def _defaults(state: Any) -> None:
    """Upload limits, configurable in the app config; a request body limit unless one is set already."""
    config = state.app.config
    for key, value in DEFAULT_LIMITS.items():
        config.setdefault(key, value)
    if config.get("MAX_CONTENT_LENGTH") is None:
        config["MAX_CONTENT_LENGTH"] = DEFAULT_MAX_CONTENT_LENGTH


def instructor_required(view: Callable) -> Callable:
    @wraps(view)
    @login_required
    def wrapper(*args: Any, **kwargs: Any):
        if not is_instructor(current_user):
            abort(403)
        return view(*args, **kwargs)
    return wrapper


def me():
    return current_user._get_current_object()


def _mib(size: int | None) -> str:
    return f"{(size or 0) / (1024 * 1024):.0f} MiB"


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge):
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    return render_template("packs/too_large.html", limit=_mib(limit)), 413


def _drafts(user) -> list[PackDraft]:
    return list(db.session.scalars(select(PackDraft).where(PackDraft.owner_id == user.id)
                                   .order_by(PackDraft.id.desc()).limit(10)))


def _index_page(form: UploadForm, error: str | None = None, status: int = 200):
    user = me()
    return render_template("packs/index.html", packs=service.editable_packs(db.session, user), form=form,
                           error=error, drafts=_drafts(user), limits=UploadLimits.from_config(current_app.config),
                           max_request=_mib(current_app.config.get("MAX_CONTENT_LENGTH")), mib=_mib), status


@bp.get("/packs")
@instructor_required
def index():
    return _index_page(UploadForm())


@bp.post("/packs/upload")
@instructor_required
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return _index_page(form, status=400)
    parts = [(storage.filename or "", storage.read()) for storage in request.files.getlist(form.files.name)]
    limits = UploadLimits.from_config(current_app.config)
    try:
        parts, converted = convert_uploads(parts, form.fmt.data, form.pack_id.data or None, limits)
        uploaded = read_upload(parts, limits)
    except UploadError as error:
        return _index_page(form, _("Upload refused, nothing was kept: %(error)s", error=error), 400)
    uploaded.notes[:0] = converted
    draft, validation = publishing.create_draft(db.session, me(), uploaded, current_language())
    db.session.commit()
    return redirect(url_for("packs.draft", draft_id=draft.id))


def _own_draft(draft_id: int) -> PackDraft:
    return publishing.own_draft(db.session, me(), draft_id) or abort(404)


@bp.get("/drafts/<int:draft_id>")
@instructor_required
def draft(draft_id: int):
    row = _own_draft(draft_id)
    spec = publishing.spec_from_json(row.bank) if row.bank else None
    plan = service.planned_changes(db.session, spec) if spec is not None else None
    md_files = len(publishing.draft_files(row).markdown)
    cards = sum(len(q.card_keys) for q in spec.questions) if spec is not None else 0
    return render_template("packs/draft.html", draft=row, spec=spec, plan=plan, post_form=PostForm(),
                           md_files=md_files, cards=cards)


@bp.get("/drafts/<int:draft_id>/preview")
@instructor_required
def preview(draft_id: int):
    row = _own_draft(draft_id)
    if row.bank is None:
        flash(_("This upload has problems: fix them and upload again before previewing."), "error")
        return redirect(url_for("packs.draft", draft_id=row.id))
    spec = publishing.spec_from_json(row.bank)
    topics = {topic.slug: topic for topic in spec.topics}
    items = []
    for question in spec.questions:
        for key in question.card_keys:
            seed = secrets.randbelow(2**31)  # a fresh variant (and choice order) on every preview
            items.append({"question": _PreviewQuestion(question, topics), "card_key": key, "seed": seed,
                          "view": card_view(question.qtype, question.data, key, seed)})
    return render_template("packs/preview.html", draft=row, spec=spec, items=items)


class _PreviewQuestion:
    """A compiled question as the study templates read it (`topic.title`, `data`, `qtype`, ...)."""

    def __init__(self, spec: Any, topics: dict[str, Any]) -> None:
        self.slug, self.qtype, self.title, self.data = spec.slug, spec.qtype, spec.title, spec.data
        self.content_hash, self.card_keys, self.tags = spec.content_hash, spec.card_keys, spec.tags
        self.source_path, self.source_line = spec.source_path, spec.source_line
        self.topic = topics.get(spec.topic)


@bp.post("/drafts/<int:draft_id>/preview/<slug>/<card_key>")
@instructor_required
def try_answer(draft_id: int, slug: str, card_key: str):
    row = _own_draft(draft_id)
    if row.bank is None:
        abort(404)
    spec = publishing.spec_from_json(row.bank)
    question = next((q for q in spec.questions if q.slug == slug), None)
    if question is None or card_key not in question.card_keys:
        abort(404)
    seed = request.form.get("seed", type=int) or 0
    q = _PreviewQuestion(question, {t.slug: t for t in spec.topics})
    view = card_view(q.qtype, q.data, card_key, seed)
    try:
        response = response_from_form(q.qtype, q.data, card_key, request.form)
        result = check_answer(q.qtype, q.data, card_key, response, variant=seed)
    except InvalidResponse as error:
        return render_template("packs/preview_result.html", draft=row, question=q, view=view, seed=seed,
                               card_key=card_key, error=error, result=None, response={}, trace=None), 400
    trace = render_trace(result.trace) if result.trace else None
    return render_template("packs/preview_result.html", draft=row, question=q, view=view, seed=seed,
                           card_key=card_key, error=None, result=result, response=response, trace=trace)


@bp.post("/drafts/<int:draft_id>/publish")
@instructor_required
def publish(draft_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    row = _own_draft(draft_id)
    try:
        version = publishing.publish_draft(db.session, me(), row)
        db.session.commit()
    except publishing.PublishError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(problem, "error")
        return redirect(url_for("packs.draft", draft_id=draft_id))
    flash(_("Published version %(number)s of %(title)s: %(added)s added, %(edited)s edited, %(retired)s retired, "
            "%(restored)s restored.", number=version.number, title=version.title, added=len(version.added),
            edited=len(version.edited), retired=len(version.retired), restored=len(version.restored)), "info")
    return redirect(url_for("packs.pack", slug=row.pack_slug))


def _own_pack(slug: str):
    return service.editable_pack(db.session, me(), slug) or abort(404)


@bp.get("/packs/<slug>")
@instructor_required
def pack(slug: str):
    row = _own_pack(slug)
    return render_template(
        "packs/pack.html", pack=row, versions=publishing.versions_of(db.session, row),
        questions=service.live_questions(db.session, row), classes=service.shared_with(db.session, row),
        visibility_form=VisibilityForm(visibility=row.visibility), owner_form=OwnerForm(formdata=None),
        post_form=PostForm(), formats=EXPORT_FORMATS, upload_form=UploadForm(formdata=None))


@bp.get("/packs/<slug>/versions/<int:number>")
@instructor_required
def version(slug: str, number: int):
    row = _own_pack(slug)
    version_row = db.session.scalar(select(PackVersion).where(PackVersion.pack_id == row.id,
                                                             PackVersion.number == number)) or abort(404)
    return render_template("packs/version.html", pack=row, version=version_row,
                           questions=publishing.version_questions(db.session, version_row), post_form=PostForm())


@bp.post("/packs/<slug>/rollback/<int:number>")
@instructor_required
def rollback(slug: str, number: int):
    if not PostForm().validate_on_submit():
        abort(400)
    row = _own_pack(slug)
    try:
        new = publishing.rollback(db.session, me(), row, number)
        db.session.commit()
    except publishing.PublishError as error:
        db.session.rollback()
        for problem in error.problems:
            flash(problem, "error")
    else:
        flash(_("Version %(old)s is live again, as version %(new)s.", old=number, new=new.number), "info")
    return redirect(url_for("packs.pack", slug=slug))


@bp.post("/packs/<slug>/visibility")
@instructor_required
def visibility(slug: str):
    row = _own_pack(slug)
    form = VisibilityForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        service.set_visibility(db.session, row, form.visibility.data)
    except service.PackError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(title)s is now %(visibility)s.", title=row.title, visibility=row.visibility), "info")
    return redirect(url_for("packs.pack", slug=slug))


@bp.post("/packs/<slug>/owners/<int:user_id>/remove")
@instructor_required
def remove_owner(slug: str, user_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    row = _own_pack(slug)
    try:
        service.remove_owner(db.session, row, user_id)
    except service.PackError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Owner removed."), "info")
    if user_id == me().id:
        return redirect(url_for("packs.index"))
    return redirect(url_for("packs.pack", slug=slug))


@bp.get("/packs/<slug>/export/<fmt>")
@instructor_required
def export(slug: str, fmt: str):
    row = _own_pack(slug)
    if fmt not in EXPORT_FORMATS:
        abort(404)
    language = request.args.get("language") or None
    if language is not None and language not in LANGUAGES:
        abort(400, description=f"language must be one of {', '.join(LANGUAGES)}")
    exported = service.export(db.session, row, fmt, language)
    response = Response(exported.content, mimetype=exported.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    if exported.notes:
        response.headers["X-Export-Notes"] = str(len(exported.notes))
    return response
