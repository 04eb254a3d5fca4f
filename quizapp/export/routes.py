"""Download your progress; import a JSON export."""
from __future__ import annotations

import json

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from quizapp.extensions import db
from quizapp.export import service
from quizapp.export import xapi as xapi_statements

bp = Blueprint("export", __name__, url_prefix="/export")

MAX_IMPORT_BYTES = 50 * 1024 * 1024


class ImportForm(FlaskForm):
    file = FileField("Progress export (JSON)", validators=[FileRequired("choose the JSON file you exported")])


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


@bp.route("/import", methods=["GET", "POST"])
@login_required
def import_progress():
    form = ImportForm()
    problems: list[str] = []
    if form.validate_on_submit():
        raw = form.file.data.read(MAX_IMPORT_BYTES + 1)
        try:
            if len(raw) > MAX_IMPORT_BYTES:
                raise service.ImportProblem(["the file is larger than 50 MB"])
            try:
                document = json.loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                raise service.ImportProblem([f"not JSON: {error}"]) from None
            report = service.import_progress(db.session, current_user._get_current_object(), document)
        except service.ImportProblem as error:
            db.session.rollback()
            problems = error.problems
        else:
            db.session.commit()
            flash(f"Imported {report.card_states} card states and {report.reviews_added} answers "
                  f"({report.reviews_already_present} were already here).", "info")
            return redirect(url_for("study.index"))
    status = 400 if (problems or form.errors) else 200
    return render_template("export/import.html", form=form, problems=problems), status
