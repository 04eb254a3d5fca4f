"""The packet lab's pages: the gallery, a scenario drawn with a trace form, and the learner's own edited copy
traced against the shared one. Every page works as plain HTML forms (GET for traces: the URL is the
permalink)."""
from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import format_number, gettext as _
from flask_login import current_user, login_required
from flask_limiter.util import get_remote_address
from sqlalchemy import delete, select

from quizapp.extensions import db, limiter
from quizapp.i18n import current_language
from quizapp.lab import compare, service
from quizapp.lab.drawing import render_scenario_svg
from quizapp.lab.tracing import LabInputError
from quizapp.models import LabEdit, utcnow
from quizapp.sandbox import SandboxError, SandboxLimitExceeded
from quizapp.study.trace import render_trace, render_trace_svg

bp = Blueprint("lab", __name__, url_prefix="/lab")


def trace_rate_key() -> str:
    """Traces are counted per learner (per address for visitors)."""
    if current_user.is_authenticated:
        return f"user:{current_user.get_id()}"
    return f"addr:{get_remote_address()}"


def trace_limit() -> str:
    return current_app.config.get("LAB_TRACE_LIMIT", "60 per minute")


def _no_trace_asked() -> bool:
    return not (request.values.get("to") or request.method == "POST")


rate_limited = limiter.limit(trace_limit, key_func=trace_rate_key, exempt_when=_no_trace_asked)


def trace_request(values: Any, scenario: service.LabScenario | None = None) -> dict[str, Any]:
    """The trace form's values (from, to, protocol, seed), defaults from the scenario's question."""
    src = (values.get("from") or (scenario.default_from if scenario else "") or "external").strip()[:200]
    dst = (values.get("to") or "").strip()[:200]
    protocol = values.get("protocol", "tcp")
    protocol = protocol if protocol in ("tcp", "udp") else "tcp"
    try:
        seed = max(0, min(int(values.get("seed", 0) or 0), 1_000_000))
    except ValueError:
        seed = 0
    return {"from": src, "to": dst, "protocol": protocol, "seed": seed}


def destination(form: dict[str, Any]) -> str:
    dst = form["to"]
    if form["protocol"] == "udp" and not dst.endswith(("/udp", "/tcp")):
        dst += "/udp"
    return dst


def _scenario_or_404(scenario_id: str) -> service.LabScenario:
    scenario = service.find_scenario(db.session, scenario_id, current_user, current_language())
    if scenario is None:
        abort(404)
    return scenario


@bp.get("")
def index():
    return render_template("lab/index.html", groups=service.gallery(db.session, current_user, current_language()))


@bp.get("/<scenario_id>")
@rate_limited
def show(scenario_id: str):
    scenario = _scenario_or_404(scenario_id)
    inv = service.describe_shared(scenario.text)
    form = trace_request(request.args, scenario)
    if not form["to"] and scenario.default_to and "from" not in request.args:
        form["to"] = scenario.default_to
    result = error = None
    if isinstance(inv, LabInputError):
        error, inv = inv, None
    elif request.args.get("to"):
        try:
            result = service.trace_shared(scenario.text, form["from"], destination(form), form["seed"])
        except LabInputError as problem:
            error = problem
    return render_template("lab/show.html", scenario=scenario, inv=inv, form=form, result=result, error=error,
                           drawing=render_scenario_svg(inv, scenario.title) if inv else None,
                           trace_svg=render_trace(result["trace"]) if result else None,
                           has_copy=_copy(scenario.id) is not None)


def _copy(scenario_key: str) -> LabEdit | None:
    if not current_user.is_authenticated:
        return None
    return db.session.scalar(select(LabEdit).where(LabEdit.user_id == current_user.id,
                                                   LabEdit.scenario_key == scenario_key))


def save_copy(scenario_key: str, text: str) -> None:
    edit = _copy(scenario_key)
    if edit is None:
        db.session.add(LabEdit(user_id=current_user.id, scenario_key=scenario_key, text=text, updated_at=utcnow()))
    elif edit.text != text:
        edit.text, edit.updated_at = text, utcnow()
    db.session.commit()


def run_edited(text: str, form: dict[str, Any]) -> tuple[dict[str, Any] | None, list[tuple[int | None, str]]]:
    """Trace the learner's text in the sandbox: (answer, problems)."""
    size = len(text.encode("utf-8"))
    if size > service.max_text_bytes():
        return None, [(None, _("the scenario is %(size)s bytes; the lab accepts at most %(limit)s",
                                size=format_number(size), limit=format_number(service.max_text_bytes())))]
    try:
        return service.trace_untrusted(text, form["from"], destination(form), form["seed"], with_inventory=True), []
    except LabInputError as error:
        return None, error.localized(current_language())
    except SandboxLimitExceeded as error:
        return None, [(None, service.limit_text(error))]
    except SandboxError:
        current_app.logger.exception("lab sandbox failed")
        return None, [(None, _("the simulator could not run this scenario; try again or simplify it"))]


@bp.route("/<scenario_id>/edit", methods=["GET", "POST"])
@login_required
@rate_limited
def edit(scenario_id: str):
    scenario = _scenario_or_404(scenario_id)
    values = request.form if request.method == "POST" else request.args
    form = trace_request(values, scenario)
    if not form["to"]:
        form["to"] = scenario.default_to
    copy = _copy(scenario.id)
    if request.method == "POST":
        if request.form.get("action") == "reset":
            db.session.execute(delete(LabEdit).where(LabEdit.user_id == current_user.id,
                                                     LabEdit.scenario_key == scenario.id))
            db.session.commit()
            return redirect(url_for("lab.edit", scenario_id=scenario.id))
        text = request.form.get("scenario", "").replace("\r\n", "\n")
        if len(text.encode("utf-8")) <= service.max_text_bytes():
            save_copy(scenario.id, text)
    else:
        text = copy.text if copy is not None else scenario.text
    answer, problems = (None, [])
    if form["to"]:
        answer, problems = run_edited(text, form)
    before = None
    if form["to"]:
        try:
            before = service.trace_shared(scenario.text, form["from"], destination(form), form["seed"])
        except LabInputError:
            before = None  # the request names something only the edited scenario has
    return render_template("lab/edit.html", scenario=scenario, form=form, text=text, answer=answer,
                           problems=problems, before=before,
                           **comparison(scenario.text, text, before, answer, problems))


def comparison(shared: str, text: str, before: dict[str, Any] | None, answer: dict[str, Any] | None,
               problems: list[tuple[int | None, str]]) -> dict[str, Any]:
    """What the edit page draws: the diff, the numbered text with problem lines, both traces marked."""
    drawn: dict[str, Any] = {"diff": compare.text_diff(shared, text),
                             "listing": compare.numbered(text, {line for line, _ in problems if line}),
                             "before_svg": None, "after_svg": None, "differing": 0, "drawing": None}
    if answer is not None:
        drawn["drawing"] = render_scenario_svg(answer["inventory"], _("Your scenario"))
    if before is not None and answer is not None:
        mine, drawn["differing"] = compare.marked_hops(answer["trace"], before["trace"])
        theirs, _theirs_differing = compare.marked_hops(before["trace"], answer["trace"])
        drawn["before_svg"] = render_trace_svg(theirs, title=_("Before your edit"), width=420, css="trace-side")
        drawn["after_svg"] = render_trace_svg(mine, title=_("After your edit"), width=420, css="trace-side")
    elif answer is not None:
        drawn["after_svg"] = render_trace(answer["trace"])
    return drawn
