"""Class pages: instructors create classes, assign packs and read progress; learners join with a code."""
from __future__ import annotations

import csv
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from quizapp.access import is_instructor
from quizapp.auth.forms import PostForm
from quizapp.classes import cells
from quizapp.classes import progress as class_progress
from quizapp.classes import service
from quizapp.classes.forms import AssignForm, ClassForm, JoinForm
from quizapp.classes.localized import localized_report
from quizapp.classes.summary_cache import SummaryCache
from quizapp.extensions import db
from quizapp.i18n import current_language
from quizapp.packs.routes import instructor_required
from quizapp.i18n.pack_titles import pack_title

bp = Blueprint("classes", __name__, url_prefix="/classes")
LEARNERS_PER_PAGE = 100  # the class page's learner tables; the gradebook CSV has every learner


bp.add_app_template_global(cells.pct, "pct")  # a share as a whole percentage, in any template


def summaries() -> SummaryCache:
    """This worker's cache of big classes' class-wide figures (`quizapp.classes.summary_cache`)."""
    return current_app.extensions.setdefault("class_summaries", SummaryCache())


def me():
    return current_user._get_current_object()


def _index(create_form: ClassForm | None = None, join_form: JoinForm | None = None, status: int = 200):
    user = me()
    managed = service.managed_classes(db.session, user) if is_instructor(user) else []
    return render_template("classes/index.html", managed=managed, joined=service.joined_classes(db.session, user),
                           member_packs=service.member_classes_packs(db.session, user),
                           create_form=create_form or ClassForm(formdata=None),
                           join_form=join_form or JoinForm(formdata=None), post_form=PostForm()), status


@bp.get("/")
@login_required
def index():
    return _index()


@bp.post("/")
@instructor_required
def create():
    form = ClassForm()
    if not form.validate_on_submit():
        return _index(create_form=form, status=400)
    try:
        classroom = service.create_class(db.session, me(), form.name.data)
    except service.ClassError as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return _index(create_form=form, status=400)
    db.session.commit()
    flash(_("Class created. Learners join with the code %(code)s.", code=classroom.join_code), "info")
    return redirect(url_for("classes.show", class_id=classroom.id))


@bp.post("/join")
@login_required
def join():
    form = JoinForm()
    if not form.validate_on_submit():
        return _index(join_form=form, status=400)
    try:
        classroom = service.join(db.session, me(), form.code.data)
    except service.ClassError as error:
        db.session.rollback()
        form.code.errors.append(str(error))
        return _index(join_form=form, status=400)
    db.session.commit()
    flash(_("You joined %(name)s. Its packs are on your dashboard.", name=classroom.name), "info")
    return redirect(url_for("classes.index"))


@bp.post("/<int:class_id>/leave")
@login_required
def leave(class_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    classroom = next((c for c in service.joined_classes(db.session, me()) if c.id == class_id), None) or abort(404)
    service.leave(db.session, me(), classroom)
    db.session.commit()
    flash(_("You left %(name)s. Your study history is kept.", name=classroom.name), "info")
    return redirect(url_for("classes.index"))


def _managed(class_id: int):
    return service.managed_class(db.session, me(), class_id) or abort(404)


@bp.get("/<int:class_id>")
@instructor_required
def show(class_id: int):
    classroom = _managed(class_id)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    search = request.args.get("q", "", type=str).strip()[:100]
    sort = request.args.get("sort", "name", type=str)
    sort = sort if sort in class_progress.SORTS else "name"
    report = class_progress.class_progress(db.session, classroom.id, offset=(page - 1) * LEARNERS_PER_PAGE,
                                           limit=LEARNERS_PER_PAGE, summaries=summaries(), search=search, sort=sort)
    report = localized_report(db.session, report, current_language())  # titles in the instructor's language
    pages = max(1, -(-report.matching // LEARNERS_PER_PAGE))
    # the query string of the learner list (search and order) that the pager and the sort links keep
    listing = {key: value for key, value in (("q", search), ("sort", sort)) if value and value != "name"}
    if page > pages:
        return redirect(url_for("classes.show", class_id=class_id, page=pages, **listing))
    assigned = classroom.packs
    assign_form = AssignForm(formdata=None)
    assigned_ids = {p.id for p in assigned}
    assign_form.pack.choices = [SelectChoice(p.id, f"{pack_title(p)} ({p.slug}, {p.visibility})")
                                for p in service.assignable_packs(db.session, me()) if p.id not in assigned_ids]
    return render_template("classes/show.html", classroom=classroom, report=report, assigned=assigned,
                           assign_form=assign_form, post_form=PostForm(), page=page, pages=pages,
                           search=search, sort=sort, listing=listing,
                           first=(page - 1) * LEARNERS_PER_PAGE + 1,
                           # translated once, formatted per cell (a thousand cells: gettext per cell cost seconds)
                           lines=cells.learner_lines(report, _("%(reviews)s rev · %(retention)s right · %(due)s due"),
                                                     cells.local_time_formatter(current_user)))


@bp.post("/<int:class_id>/code")
@instructor_required
def regenerate(class_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    classroom = _managed(class_id)
    try:
        code = service.regenerate_code(db.session, classroom)
    except service.ClassError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("New join code: %(code)s. The old code no longer works; learners already in the class stay.", code=code), "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/imported")
@instructor_required
def count_imported(class_id: int):
    """Switch whether progress learners imported from files counts in this class's progress and gradebook."""
    if not PostForm().validate_on_submit():
        abort(400)
    classroom = _managed(class_id)
    classroom.count_imported = not classroom.count_imported
    db.session.commit()
    flash(_("Imported progress now counts in this class.") if classroom.count_imported else
          _("Imported progress no longer counts in this class: only answers given here do."), "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/packs")
@instructor_required
def assign(class_id: int):
    classroom = _managed(class_id)
    form = AssignForm()
    form.pack.choices = [SelectChoice(p.id, pack_title(p)) for p in service.assignable_packs(db.session, me())]
    if not form.validate_on_submit():
        flash(_("Choose one of your packs or a public pack."), "error")
        return redirect(url_for("classes.show", class_id=class_id))
    try:
        pack, opened = service.assign_pack(db.session, me(), classroom, form.pack.data)
    except service.ClassError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("%(pack)s is assigned to %(name)s.", pack=pack_title(pack), name=classroom.name)
              + (" " + _("It was private: it is now visible to its classes.") if opened else ""), "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/packs/<int:pack_id>/remove")
@instructor_required
def unassign(class_id: int, pack_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    classroom = _managed(class_id)
    try:
        service.unassign_pack(db.session, classroom, pack_id)
    except service.ClassError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Pack removed from the class. Learners' history is kept."), "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.post("/<int:class_id>/members/<int:user_id>/remove")
@instructor_required
def remove_member(class_id: int, user_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    classroom = _managed(class_id)
    try:
        service.remove_member(db.session, classroom, user_id)
    except service.ClassError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(_("Learner removed from the class."), "info")
    return redirect(url_for("classes.show", class_id=class_id))


@bp.get("/<int:class_id>/gradebook.csv")
@instructor_required
def gradebook(class_id: int):
    classroom = _managed(class_id)
    report = class_progress.class_progress(db.session, classroom.id, questions=False, answers=False)
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(class_progress.gradebook_rows(report, classroom.name))
    response = Response("\ufeff" + buffer.getvalue(), mimetype="text/csv")
    safe_name = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in classroom.name).strip("-") or "class"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe_name}-gradebook.csv"'
    return response
