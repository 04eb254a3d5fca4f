"""The study pages. Anonymous visitors "try a pack" (random cards, nothing stored); logged-in learners
study on the FSRS schedule: answer -> feedback with a changeable rating -> next, undo and reset."""
from __future__ import annotations

import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quizapp.checking import InvalidResponse, check_answer
from quizapp.access import can_see_pack
from quizapp.extensions import db, limiter
from quizapp.i18n import current_language, qtype_label
from quizapp.inputs import caller_key
from quizapp.models import Card, Pack
from quizapp.study import focus as focusing
from quizapp.study import reviews, service
from quizapp.study.localized import localize
from quizapp.study.presenting import card_view, response_from_form
from quizapp.study.scheduler import RATING_NAMES
from quizapp.study.seen import card_shown, question_as_seen
from quizapp.study.trace import render_trace
from quizapp.transactions import read_only

bp = Blueprint("study", __name__)

MAX_RESPONSE_MS = 3_600_000


def learner():
    return current_user._get_current_object()


def fuzz() -> bool:
    return bool(current_app.config.get("FSRS_FUZZ", True))


def now_ms() -> int:
    return int(time.time() * 1000)


def response_time(form: Any) -> int | None:
    """How long the learner took: the browser's own measure when it sent one and it is plausible,
    else the time since the server rendered the question."""
    shown = form.get("shown", type=int)
    server = now_ms() - shown if shown and 0 < now_ms() - shown else None
    client = form.get("elapsed_ms", type=int)
    if client is not None and 0 < client and (server is None or client <= server + 2000):
        return min(client, MAX_RESPONSE_MS)
    return min(server, MAX_RESPONSE_MS) if server is not None else None


@bp.app_template_global()
def prompt_title(question: Any, view: Any) -> str:
    """The question's heading before it is answered (the page's <h1> and <title>): a reversed flashcard shows its
    back, so its title, the term, would give the answer away."""
    if question.qtype == "flashcard" and view.card_key == "back":
        return _("Which term is this?")
    return question.title


def trace_of(result: Any) -> Any:
    trace = getattr(result, "trace", None)
    return render_trace(trace) if trace else None


@bp.get("/")
def index():
    packs = service.list_packs(db.session, current_user)
    if not current_user.is_authenticated:
        return render_template("study/index.html", packs=packs)
    from quizapp.stats import service as stats_service

    user = learner()
    due = reviews.due_summary(db.session, user)
    mastery = stats_service.concept_mastery(db.session, user)
    return render_template("study/dashboard.html", packs=packs, due=due, mastery=mastery)


def _question_page(pack: Pack, card: Card, seed: int, status: int = 200, error: Any = None,
                   reveal: bool = False, shown: int | None = None, counts: Any = None, question: Any = None,
                   state_version: int | None = None, previous: Any = None, focus: Any = None):
    q = question if question is not None else localize(db.session, card.question, current_language())
    view = card_view(q.qtype, q.data, card.card_key, seed)
    if current_user.is_authenticated:
        if counts is None:
            counts = reviews.build_queue(db.session, learner(), pack, visible=True,
                                         only=focus_only(pack, focus)).counts
        if state_version is None:
            state_version = reviews.state_version(db.session, learner(), card.id)
    # A fresh key per shown card: a double click or a resent form is recorded once (see docs/study.md).
    return render_template("study/question.html", pack=pack, card=card, question=q, view=view, seed=seed,
                           reveal=reveal, error=error, counts=counts, shown=shown or now_ms(),
                           idempotency_key=secrets.token_urlsafe(18), state_version=state_version,
                           previous=previous, focus=focus,
                           focus_label=label_of(pack, focus)), status


@dataclass(frozen=True)
class NextQuestion:
    """The card the study page would show next, as that page would show it: the feedback page embeds it (in
    `<template id="next-question">`) so that study.js shows it without a request (docs/study.md, "The study loop")."""
    card: Card
    question: Any
    view: Any
    seed: int
    state_version: int
    idempotency_key: str
    shown: int


def next_question(queue: reviews.Queue) -> NextQuestion | None:
    """The queue's next card with a fresh seed and key, or None when nothing is due. Its form carries the state
    version and key, so an old feedback page's form is refused as stale and a resent one is recorded once."""
    found = reviews.card_to_study(db.session, learner(), queue.card_id) if queue.card_id is not None else None
    if found is None:
        return None
    card, state_version = found
    q = localize(db.session, card.question, current_language())
    seed = secrets.randbelow(2**31)
    return NextQuestion(card, q, card_view(q.qtype, q.data, card.card_key, seed), seed, state_version,
                        secrets.token_urlsafe(18), now_ms())


def focus_only(pack: Pack, focus: focusing.Focus | None) -> frozenset[int] | None:
    return focusing.focus_cards(db.session, pack, focus) if focus else None


def label_of(pack: Pack, focus: focusing.Focus | None) -> str | None:
    """The focus in the learner's language (the service gives its subject as data; the words are the view's)."""
    if focus is None:
        return None
    subject = focusing.focus_subject(db.session, pack, focus, current_language())
    if subject.kind == "topic":
        return _("the topic “%(title)s”", title=subject.name)
    if subject.kind == "concept":
        return _("the concept “%(label)s”", label=subject.name)
    return _("%(type)s only", type=qtype_label(subject.name))


@bp.get("/packs/<slug>/study")
@read_only
def question(slug: str):
    pack = service.find_pack(db.session, slug, current_user) or abort(404)  # the visibility check
    focus = focusing.parse_focus(request.args.get("focus"))
    only = focus_only(pack, focus)
    card_id = request.args.get("card", type=int)
    seed = request.args.get("seed", type=int)
    if seed is None:
        seed = secrets.randbelow(2**31)
    counts = state_version = None
    if card_id is not None:
        card = service.find_card(db.session, pack, card_id) or abort(404)
    elif current_user.is_authenticated:
        queue = reviews.build_queue(db.session, learner(), pack, visible=True, only=only)
        counts = queue.counts  # reused by the page: the queue is built once per request
        if queue.card_id is None:
            return render_template("study/done.html", pack=pack, counts=queue.counts, next_due=queue.next_due,
                                   focus=focus, focus_label=label_of(pack, focus))
        card, state_version = reviews.card_to_study(db.session, learner(), queue.card_id)
    else:
        card = service.random_card(db.session, pack, random.Random(seed), only)
        if card is None:
            return render_template("study/empty.html", pack=pack)
    return _question_page(pack, card, seed, reveal=request.args.get("reveal") == "1",
                          shown=request.args.get("shown", type=int), counts=counts, state_version=state_version,
                          focus=focus)


@bp.post("/packs/<slug>/study")
@limiter.limit(lambda: current_app.config["ANSWER_LIMIT_PER_USER"], key_func=caller_key, scope="answers")
def answer(slug: str):
    # The pack (if the visitor may study it) and the card (of that pack, retired or not), in one query.
    card = service.find_visible_pack_card(db.session, slug, request.form.get("card", type=int) or -1,
                                          current_user) or abort(404)
    pack = card.question.pack
    seed = request.form.get("seed", type=int) or 0
    focus = focusing.parse_focus(request.form.get("focus"))
    # Graded against the version shown: the form carries its content hash (a new version may be out since).
    q = localize(db.session, question_as_seen(db.session, card.question, request.form.get("version")),
                 current_language())
    if not card_shown(db.session, card, request.form.get("version")):
        abort(404)
    try:
        response = response_from_form(q.qtype, q.data, card.card_key, request.form)
        result = check_answer(q.qtype, q.data, card.card_key, response, variant=seed)
    except InvalidResponse as error:
        return _question_page(pack, card, seed, 400, error, reveal=True, shown=request.form.get("shown", type=int),
                              question=q, previous=request.form, focus=focus)
    if not current_user.is_authenticated:
        view = card_view(q.qtype, q.data, card.card_key, seed)
        return render_template("study/feedback.html", pack=pack, card=card, question=q, view=view, seed=seed,
                               result=result, response=response, correct=result.correct, log=None,
                               trace=trace_of(result), focus=focus)
    key = (request.form.get("idempotency_key") or "")[:64] or None
    user = learner()
    try:
        recorded = reviews.record_answer(db.session, user, card, response, result, response_time(request.form),
                                         seed, reviews.learner_scheduler(user, fuzz()), idempotency_key=key,
                                         shown_version=request.form.get("state_version", type=int), seen=q)
    except reviews.KeyReused:
        db.session.rollback()
        abort(409)
    except reviews.StudyError as error:
        db.session.rollback()
        replay = reviews.answer_with_key(db.session, user, key)  # the same submission, racing this one
        if replay is not None and replay.card_id == card.id:
            return redirect(url_for("study.feedback", log_id=replay.id, focus=focus and focus.param))
        flash(str(error), "error")
        return redirect(url_for("study.question", slug=pack.slug, focus=focus and focus.param))
    log_id = recorded.log.id  # read before the commit expires it (no query to reload it)
    db.session.commit()
    return redirect(url_for("study.feedback", log_id=log_id, focus=focus and focus.param))


@bp.get("/reviews/<int:log_id>")
@login_required
@read_only
def feedback(log_id: int):
    user = learner()
    shown = service.answer_for_feedback(db.session, user, log_id) or abort(404)
    # The counts below are the pack's only while the learner may still see it (as on the study page).
    log, card, visible = shown.log, shown.card, shown.visible
    q = localize(db.session, question_as_seen(db.session, card.question, log.content_hash),  # the version answered
                 current_language())
    pack = q.pack
    seed = log.variant_seed or 0
    view = card_view(q.qtype, q.data, card.card_key, seed)
    try:
        result = check_answer(q.qtype, q.data, card.card_key, log.answer, variant=seed)
    except InvalidResponse:  # the question changed shape since the answer was given
        result = None
    is_newest = shown.newest_id == log.id
    focus = focusing.parse_focus(request.args.get("focus"))
    scheduler = reviews.learner_scheduler(user, fuzz=False)
    queue = reviews.build_queue(db.session, user, pack, visible=visible, only=focus_only(pack, focus))
    return render_template(
        "study/feedback.html", pack=pack, card=card, question=q, view=view, seed=seed, result=result,
        response=log.answer or {}, correct=log.correct, log=log, is_newest=is_newest,
        trace=trace_of(result), ratings=RATING_NAMES,
        intervals=reviews.interval_preview(user, log, scheduler) if is_newest else {},
        counts=queue.counts, next_question=next_question(queue) if is_newest and visible else None,
        focus=focus, focus_label=label_of(pack, focus),
        leech=bool(log.state_after.get("suspended")) and not (log.state_before or {}).get("suspended"))


@bp.post("/reviews/<int:log_id>/rating")
@login_required
def rate(log_id: int):
    user = learner()
    reviews.own_log(db.session, user, log_id) or abort(404)
    rating = request.form.get("rating", type=int) or 0
    try:
        reviews.change_rating(db.session, user, log_id, rating, reviews.learner_scheduler(user, fuzz()))
    except reviews.StudyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        db.session.commit()
    focus = focusing.parse_focus(request.args.get("focus"))  # a focus session goes on after a rating change
    return redirect(url_for("study.feedback", log_id=log_id, focus=focus and focus.param))


@bp.post("/study/undo")
@login_required
def undo():
    try:
        undone = reviews.undo_last(db.session, learner())
    except reviews.StudyError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(request.referrer or url_for("study.index"))
    db.session.commit()
    flash(_("Answer undone: the card is back as it was. Answer it again."), "info")
    return redirect(url_for("study.question", slug=undone.pack_slug, card=undone.card_id, seed=undone.seed))


def _own_card(card_id: int) -> str:
    """Where to go after changing one's own state of a card: its pack when the learner may see it. A card of a
    pack they may not see (and never studied) is a 404, so nothing reveals which private packs exist."""
    card = db.session.get(Card, card_id) or abort(404)
    pack = card.question.pack
    if can_see_pack(db.session, current_user, pack):
        return url_for("study.question", slug=pack.slug)
    if reviews.card_state(db.session, learner(), card_id) is None:
        abort(404)
    return url_for("study.index")  # their own progress on a pack no longer shared with them


@bp.post("/cards/<int:card_id>/reset")
@login_required
def reset(card_id: int):
    """Make a card new again, after the confirmation page (quizapp/browse: it shows what will be lost)."""
    target = _own_card(card_id)  # 404 for a card of a pack the learner may not see
    if request.form.get("confirm") != "yes":
        return redirect(url_for("browse.confirm_reset", card_id=card_id))
    if reviews.reset_card(db.session, learner(), card_id):
        db.session.commit()
        flash(_("Card reset: it is new again. Its history is kept."), "info")
    else:
        flash(_("That card had no progress to reset."), "info")
    if request.form.get("back") == "browse":
        return redirect(url_for("browse.card", card_id=card_id))
    return redirect(target)


@bp.post("/cards/<int:card_id>/unsuspend")
@login_required
def unsuspend(card_id: int):
    target = _own_card(card_id)
    if reviews.unsuspend_card(db.session, learner(), card_id):
        db.session.commit()
        flash(_("Card unsuspended."), "info")
    return redirect(target)


