"""Download your progress; import a JSON export."""
from __future__ import annotations

import json

import hashlib

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import delete, select

from quizapp.auth.forms import PostForm
from quizapp.extensions import db, limiter
from quizapp.export import importing, service
from quizapp.export import xapi as xapi_statements
from quizapp.models import PendingImport

bp = Blueprint("export", __name__, url_prefix="/export")

# The scheduler's state names (quizapp.study.scheduler.STATE_NAMES), as the import preview shows them.
STATE_LABELS = {1: _l("Learning"), 2: _l("Review"), 3: _l("Relearning")}
MAX_IMPORT_BYTES = 16 * 1024 * 1024  # 20,000 answers (importing.MAX_REVIEWS) fit in about 12 MiB
PREVIEW_ROWS = 300  # cards listed on the preview page


class ImportForm(FlaskForm):
    file = FileField(_l("Progress export (JSON)"), validators=[FileRequired(_l("choose the JSON file you exported"))])


def _download(body: str, filename: str, mimetype: str) -> Response:
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store"})


def _document():
    return service.export_progress(db.session, current_user._get_current_object())


@bp.get("/progress.json")
@login_required
def progress_json():
    return _download(json.dumps(_document(), ensure_ascii=False, indent=1), "quizapp-progress.json",
                     "application/json")


@bp.get("/reviews.csv")
@login_required
def reviews_csv():
    return _download(service.reviews_csv(_document()), "quizapp-reviews.csv", "text/csv")


@bp.get("/cards.csv")
@login_required
def cards_csv():
    return _download(service.cards_csv(_document()), "quizapp-cards.csv", "text/csv")


@bp.get("/xapi.json")
@login_required
def xapi():
    statements = xapi_statements.statements(db.session, current_user._get_current_object(), request.host_url)
    return _download(json.dumps(statements, ensure_ascii=False, indent=1), "quizapp-xapi.json", "application/json")


def _user_key() -> str:
    return f"user:{current_user.get_id()}"


def _parse(raw: bytes):
    """JSON without NaN/Infinity; too deep a document is a problem, not a RecursionError (500)."""
    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    try:
        return json.loads(raw, parse_constant=refuse)
    except (UnicodeDecodeError, ValueError) as error:
        raise importing.ImportProblem([_("$: not JSON: %(error)s", error=str(error))]) from None
    except RecursionError:
        raise importing.ImportProblem([_("$: nested too deeply to be a progress export")]) from None


@bp.route("/import", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["IMPORT_LIMIT_PER_USER"], key_func=_user_key, methods=["POST"],
               scope="import")
def import_progress():
    """Upload: check the file and keep it, then show what it would change (`import_preview`)."""
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
        user = current_user._get_current_object()
        try:
            if len(raw) > MAX_IMPORT_BYTES:
                raise importing.ImportProblem([_("$: the file is larger than %(mib)s MiB; export one pack at a time",
                                                 mib=MAX_IMPORT_BYTES // 2**20)])
            importing.plan_import(db.session, user, _parse(raw))
        except importing.ImportProblem as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.execute(delete(PendingImport).where(PendingImport.user_id == user.id))
            pending = PendingImport(user_id=user.id, body=raw, sha256=hashlib.sha256(raw).hexdigest())
            db.session.add(pending)
            db.session.commit()
            return redirect(url_for("export.import_preview", pending_id=pending.id))
    status = 400 if (problems or form.errors) else 200
    return render_template("export/import.html", form=form, problems=problems), status


@bp.route("/import/<int:pending_id>", methods=["GET", "POST"])
@login_required
def import_preview(pending_id: int):
    """GET: what the kept file would change now. POST (the confirm button): apply it."""
    user = current_user._get_current_object()
    pending = db.session.scalar(select(PendingImport).where(PendingImport.id == pending_id,
                                                            PendingImport.user_id == user.id))
    if pending is None:
        abort(404)
    form = PostForm()
    try:
        plan = importing.plan_import(db.session, user, _parse(pending.body))
    except importing.ImportProblem as error:  # the packs changed since the upload
        db.session.rollback()
        return render_template("export/import.html", form=ImportForm(), problems=error.problems), 409
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        importing.apply_import(db.session, user, plan)
        db.session.delete(pending)
        db.session.commit()
        flash(_("Imported %(answers)s answers on %(cards)s cards (%(present)s were already here; "
                "%(kept)s cards kept as they are here).", answers=plan.answers_added,
                cards=len(plan.changes) - len(plan.kept), present=plan.already_present, kept=len(plan.kept)), "info")
        return redirect(url_for("study.index"))
    return render_template("export/preview.html", plan=plan, form=form, pending=pending,
                           state_names=STATE_LABELS, shown=PREVIEW_ROWS)
