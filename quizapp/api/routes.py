"""The JSON API under /api/v1: personal access tokens (Authorization: Bearer), no cookies, no CSRF."""
from __future__ import annotations

import secrets
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale, gettext
from werkzeug.exceptions import HTTPException

from quizapp.api.openapi import openapi_document
from quizapp.access import can_see_pack
from quizapp.auth.service import user_for_token
from quizapp.checking import InvalidResponse, check_answer
from quizapp.export.service import export_progress
from quizapp.extensions import db, limiter
from quizapp.i18n import DEFAULT_LANGUAGE, current_language
from quizapp.lab import service as lab_service
from quizapp.lab.tracing import LabInputError
from quizapp.models import Card, ReviewLog
from quizapp.sandbox import SandboxLimitExceeded
from quizapp.stats import service as stats
from quizapp.study import reviews, service
from quizapp.study.presenting import card_view
from quizapp.inputs import INT32_MAX, caller_key
from quizapp.study.scheduler import iso
from quizapp.study.seen import card_shown, question_as_seen

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(status: int, code: str, message: Any, path: str | None = None):
    with force_locale("en"):  # the API's clients are programs: its errors are English (a lazy message too)
        message = str(message)
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if path is not None:
        body["error"]["path"] = path
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="quizapp"'
    return response


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error(exc.code or 500, (exc.name or "error").lower().replace(" ", "_"), exc.description or "")


def token_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        user = user_for_token(db.session, secret.strip()) if scheme.lower() == "bearer" and secret else None
        if user is None:
            return error(401, "unauthorized", "send a valid API token: Authorization: Bearer <token> "
                                              "(create one on your account page)")
        db.session.commit()  # last_used_at
        g.api_user = user
        return view(*args, **kwargs)
    return wrapper


def fuzz() -> bool:
    return bool(current_app.config.get("FSRS_FUZZ", True))


def counts_out(counts: reviews.QueueCounts) -> dict[str, int]:
    return {"learning": counts.learning, "review": counts.review, "new": counts.new,
            "done_today": counts.done_today, "remaining": counts.remaining}


def state_out(state: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if state is None else dict(state)


def review_out(log: ReviewLog) -> dict[str, Any]:
    return {"id": log.id, "card_id": log.card_id, "reviewed_at": iso(log.reviewed_at), "rating": log.rating,
            "suggested_rating": log.suggested_rating, "correct": log.correct, "response_ms": log.response_ms,
            "answer": log.answer, "variant_seed": log.variant_seed,
            "state_before": state_out(log.state_before), "state_after": state_out(log.state_after)}


def card_out(card: Card, seed: int) -> dict[str, Any]:
    q = card.question
    view = card_view(q.qtype, q.data, card.card_key, seed)
    out: dict[str, Any] = {
        "id": card.id, "pack": q.pack.slug, "question": q.slug, "card_key": card.card_key, "type": q.qtype,
        "title": q.title, "topic": q.topic.title, "tags": list(q.tags or []), "prompt_html": view.prompt_html,
        "options": [{"index": index, "html": html} for index, html in view.options], "blanks": view.blanks,
        "seed": seed, "back_html": view.answer_html if q.qtype == "flashcard" else None,
        "ask": view.ask or None, "version": q.content_hash,
    }
    if q.qtype == "matching":
        out["right_options"] = [{"index": i, "text": o["text"]} for i, o in enumerate(q.data["right_options"])]
    if q.qtype == "lab":
        out["lab"] = {"scenario": q.data["scenario_text"], "goals": q.data["goal_labels"],
                      "allow": q.data["allow_labels"]}
    return out


@bp.get("/openapi.json")
def openapi():
    # The configured public address, else relative: never the request's Host header (a cache could then serve
    # a document naming an attacker's host to everyone).
    base = (current_app.config.get("PUBLIC_URL") or "").rstrip("/")
    return jsonify(openapi_document(base + "/api/v1"))


@bp.get("/me")
@token_required
def me():
    user = g.api_user
    return jsonify({"id": user.id, "email": user.email, "display_name": user.display_name, "role": user.role,
                    "settings": {"desired_retention": user.desired_retention, "new_per_day": user.new_per_day,
                                 "reviews_per_day": user.reviews_per_day, "timezone": user.timezone,
                                 "rollover_hour": user.rollover_hour}})


@bp.get("/packs")
@token_required
def packs():
    due = reviews.due_summary(db.session, g.api_user)
    return jsonify({"packs": [{"slug": s.pack.slug, "title": s.pack.title, "questions": s.questions,
                               "cards": s.cards, "due": counts_out(due[s.pack.id])}
                              for s in service.list_packs(db.session, g.api_user)]})


@bp.get("/packs/<slug>/next")
@token_required
def next_card(slug: str):
    pack = service.find_pack(db.session, slug, g.api_user)
    if pack is None:
        return error(404, "not_found", f"no pack {slug!r}")
    queue = reviews.build_queue(db.session, g.api_user, pack, visible=True)  # find_pack checked it
    card = db.session.get(Card, queue.card_id) if queue.card_id is not None else None
    return jsonify({"card": card_out(card, secrets.randbelow(2**31)) if card else None,
                    "counts": counts_out(queue.counts), "next_due": iso(queue.next_due)})


def _trace_key() -> str:
    """Traces are limited per learner: the token's user (looked up before the view runs)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    user = user_for_token(db.session, secret.strip()) if scheme.lower() == "bearer" and secret else None
    return f"user:{user.id}" if user is not None else f"addr:{request.remote_addr}"


def english_trace(trace: Any) -> Any:
    """The API answers in English: hops without the message ids the web pages translate (docs/i18n.md)."""
    if not isinstance(trace, dict):
        return trace
    return {**trace, "hops": [{k: v for k, v in hop.items() if k != "words"} for hop in trace.get("hops", [])]}


def _line(line: int, language: str) -> str:
    """`line 12: ` (English, as the API has always said it) or the request's language's way of saying it."""
    if language == DEFAULT_LANGUAGE:
        return f"line {line}: "
    label = gettext("line %(line)s:", line=line)
    return label if label.endswith("\uff1a") else label + " "  # a full-width colon carries its own space


@bp.post("/trace")
@limiter.limit(lambda: current_app.config.get("LAB_TRACE_LIMIT", "60 per minute"), key_func=_trace_key)
@token_required
def trace():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "send a JSON object: {scenario or scenario_id, from, to, seed?}")
    for key in ("from", "to"):
        if not isinstance(body.get(key), str) or not body[key].strip() or len(body[key]) > 200:
            return error(400, "bad_request", f"{key} must be text (at most 200 characters)", f"$.{key}")
    seed = body.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= 1_000_000:
        return error(400, "bad_request", "seed must be an integer from 0 to 1000000", "$.seed")
    text, scenario_id = body.get("scenario"), body.get("scenario_id")
    if (text is None) == (scenario_id is None):
        return error(400, "bad_request", "send either scenario (YAML text) or scenario_id", "$")
    try:
        if scenario_id is not None:
            shared = lab_service.find_scenario(db.session, str(scenario_id), g.api_user)
            if shared is None:
                return error(404, "not_found", f"no scenario {scenario_id!r}", "$.scenario_id")
            answer = lab_service.trace_shared(shared.text, body["from"], body["to"], seed)
        else:
            if not isinstance(text, str):
                return error(400, "bad_request", "scenario must be YAML text", "$.scenario")
            if len(text.encode("utf-8")) > lab_service.max_text_bytes():
                return error(413, "too_large", f"the scenario may have at most {lab_service.max_text_bytes():,} "
                                               "bytes", "$.scenario")
            answer = lab_service.trace_untrusted(text, body["from"], body["to"], seed)
    except LabInputError as exc:
        # the simulator's words in the request's language (Accept-Language; English by default)
        language = current_language()
        return error(400, "invalid_scenario", "\n".join(_line(line, language) + message if line else message
                                                         for line, message in exc.localized(language)),
                     "$.scenario")
    except SandboxLimitExceeded as exc:
        return error(422, "limit_exceeded", lab_service.limit_text(exc), "$.scenario")
    return jsonify({**answer, "trace": english_trace(answer["trace"])})


@bp.post("/answers")
@limiter.limit(lambda: current_app.config["ANSWER_LIMIT_PER_USER"], key_func=caller_key, scope="answers")
@token_required
def answer():
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return error(400, "bad_request", "send a JSON object: {card_id, response, seed?, response_ms?}")
    card_id, seed, ms = body.get("card_id"), body.get("seed", 0), body.get("response_ms")
    if not isinstance(card_id, int) or isinstance(card_id, bool) or not 0 < card_id <= INT32_MAX:
        return error(400, "bad_request", "card_id must be a positive 32-bit integer", "$.card_id")
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed <= INT32_MAX:
        return error(400, "bad_request", "seed must be an integer from 0 to 2147483647", "$.seed")
    if ms is not None and (not isinstance(ms, int) or isinstance(ms, bool) or not 0 <= ms <= INT32_MAX):
        return error(400, "bad_request", "response_ms must be a non-negative 32-bit integer", "$.response_ms")
    version = body.get("version")
    if version is not None and not isinstance(version, str):
        return error(400, "bad_request", "version must be the card's `version` string", "$.version")
    card = db.session.get(Card, card_id)
    # Graded against the version the card was shown in (a new version of the pack may be out since).
    seen = question_as_seen(db.session, card.question, version) if card is not None else None
    if card is None or not card_shown(db.session, card, version) \
            or not can_see_pack(db.session, g.api_user, card.question.pack):
        return error(404, "not_found", f"no card {card_id}")
    key = request.headers.get("Idempotency-Key", "").strip() or None
    if key is not None and (len(key) > 64 or not key.isascii() or not key.isprintable()):
        return error(400, "bad_request", "Idempotency-Key: at most 64 printable ASCII characters")
    user = g.api_user
    replay = reviews.answer_with_key(db.session, user, key)
    if replay is not None:  # a retry: answer with the first request's result, record nothing
        return _replayed(card, replay)
    q = seen
    try:
        result = check_answer(q.qtype, q.data, card.card_key, body.get("response"), variant=seed)
    except InvalidResponse as exc:
        return error(400, "invalid_response", exc.message, "$.response" + exc.path[1:])
    try:
        recorded = reviews.record_answer(db.session, user, card, body.get("response"), result, ms, seed,
                                         reviews.learner_scheduler(user, fuzz()), idempotency_key=key, seen=q)
    except reviews.StudyError as exc:
        db.session.rollback()
        replay = reviews.answer_with_key(db.session, user, key)  # the same key, racing this request
        if replay is not None:
            return _replayed(card, replay)
        return error(409, "conflict", exc.message)
    db.session.commit()
    return answer_result(card, recorded.log, result=result)


def _replayed(card: Card, replay: ReviewLog):
    """A retry's answer; a key already used for another card is a client bug: 409, never that card's result."""
    if replay.card_id != card.id:
        return error(409, "idempotency_key_reused", "this Idempotency-Key was used for an answer to another "
                     "card; send a new key for each card answered")
    return answer_result(card, replay, replayed=True)


def answer_result(card: Card, log: ReviewLog, result: Any = None, replayed: bool = False):
    """The answer's result, the same for the request that recorded it and for every retry with its key."""
    q = question_as_seen(db.session, card.question, log.content_hash)  # the version answered
    seed = log.variant_seed or 0
    if result is None:
        result = check_answer(q.qtype, q.data, card.card_key, log.answer, variant=seed)
    leech = bool(log.state_after.get("suspended")) and not (log.state_before or {}).get("suspended")
    response = jsonify({"review": review_out(log), "correct": result.correct, "score": result.score,
                        "expected": result.expected,
                        "explanation_html": card_view(q.qtype, q.data, card.card_key, seed).explanation_html,
                        "leech": leech, "trace": english_trace(result.trace)})
    response.status_code = 201
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.put("/reviews/<int:review_id>/rating")
@token_required
def rate(review_id: int):
    user = g.api_user
    if reviews.own_log(db.session, user, review_id) is None:
        return error(404, "not_found", f"no review {review_id}")
    body = request.get_json(silent=True)
    rating = body.get("rating") if isinstance(body, dict) else None
    if rating not in (1, 2, 3, 4) or isinstance(rating, bool):
        return error(400, "bad_request", "rating must be 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy)", "$.rating")
    try:
        changed = reviews.change_rating(db.session, user, review_id, rating, reviews.learner_scheduler(user, fuzz()))
    except reviews.StudyError as exc:
        db.session.rollback()
        return error(409, "conflict", exc.message)
    db.session.commit()
    return jsonify({"review": review_out(changed.log)})


@bp.get("/reviews/<int:review_id>")
@token_required
def review(review_id: int):
    log = reviews.own_log(db.session, g.api_user, review_id)
    if log is None:
        return error(404, "not_found", f"no review {review_id}")
    return jsonify({"review": review_out(log)})


@bp.post("/undo")
@token_required
def undo():
    try:
        undone = reviews.undo_last(db.session, g.api_user)
    except reviews.StudyError as exc:
        db.session.rollback()
        return error(409, "conflict", exc.message)
    db.session.commit()
    return jsonify({"undone": {"card_id": undone.card_id, "seed": undone.seed, "pack": undone.pack_slug}})


@bp.get("/stats")
@token_required
def stats_view():
    user = g.api_user
    summary = stats.summary(db.session, user)
    return jsonify({
        "summary": {"reviews": summary.reviews, "reviews_today": summary.reviews_today, "correct": summary.correct,
                    "retention": summary.retention, "cards_seen": summary.cards_seen,
                    "suspended": summary.suspended, "due_today": summary.due_today},
        "reviews_per_day": [{"day": d.day.isoformat(), "right": d.right, "wrong": d.wrong}
                            for d in stats.reviews_per_day(db.session, user, 30)],
        "retention_by_topic": [{"pack": t.pack, "topic": t.topic, "right": t.right, "total": t.total,
                                "retention": t.retention} for t in stats.retention_by_topic(db.session, user)],
        "due_forecast": [{"day": day.isoformat(), "due": count}
                         for day, count in stats.due_forecast(db.session, user, 30)],
        "retrievability": stats.retrievability_distribution(db.session, user, 10),
    })


@bp.get("/export")
@token_required
def export():
    return jsonify(export_progress(db.session, g.api_user))
