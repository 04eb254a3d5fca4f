"""xAPI statements (verb `answered`) for a learner's review log, for a Learning Record Store."""
from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.checking import InvalidResponse, check_answer
from quizapp.models import Card, Pack, Question, ReviewLog, User
from quizapp.study import scheduler as sched

ANSWERED = {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}}
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
INTERACTION_TYPES = {"truefalse": "true-false", "single": "choice", "multiple": "choice", "short": "fill-in",
                     "cloze": "fill-in", "ordering": "sequencing", "matching": "matching"}
NAMESPACE = uuid.UUID("5b0f7c64-4f7e-4c2e-9a53-2f8d6c1e0b7a")


def duration(ms: int | None) -> str | None:
    """ISO 8601 duration as xAPI wants it, e.g. PT12.4S."""
    if ms is None:
        return None
    seconds = ms / 1000
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    return text + f"{seconds:.2f}".rstrip("0").rstrip(".") + "S"


def _pattern(qtype: str, value: Any) -> str:
    """A response (or answer key) in xAPI's response-pattern syntax."""
    if not isinstance(value, dict):
        return json.dumps(value)
    if qtype == "truefalse":
        return "true" if value.get("value") else "false"
    if qtype == "single":
        return str(value.get("choice"))
    if qtype == "multiple":
        return "[,]".join(str(i) for i in value.get("choices", []))
    if qtype == "short":
        return str(value.get("text", ""))
    if qtype == "cloze":
        return "[,]".join(str(b) for b in value.get("blanks", []))
    if qtype == "ordering":
        return "[,]".join(str(i) for i in value.get("order", []))
    if qtype == "matching":
        return "[,]".join(f"{left}[.]{right}" for left, right in enumerate(value.get("matches", [])))
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def statements(session: Session, user: User, home_page: str) -> list[dict[str, Any]]:
    home_page = home_page.rstrip("/") + "/"
    rows = session.execute(
        select(ReviewLog, Card, Question, Pack).join(Card, Card.id == ReviewLog.card_id)
        .join(Question, Question.id == Card.question_id).join(Pack, Pack.id == Question.pack_id)
        .where(ReviewLog.user_id == user.id).order_by(ReviewLog.reviewed_at, ReviewLog.id)).all()
    actor = {"objectType": "Agent", "name": user.display_name,
             "account": {"homePage": home_page, "name": str(user.id)}}
    result = []
    for log, card, question, pack in rows:
        activity = f"{home_page}packs/{pack.slug}/questions/{question.slug}/cards/{card.card_key}"
        definition: dict[str, Any] = {"name": {"en": question.title}, "type": INTERACTION,
                                      "interactionType": INTERACTION_TYPES.get(question.qtype, "other")}
        score = 1.0 if log.correct else 0.0
        try:
            checked = check_answer(question.qtype, question.data, card.card_key, log.answer, variant=log.variant_seed)
            definition["correctResponsesPattern"] = [_pattern(question.qtype, checked.expected)]
            score = checked.score if not log.correct else 1.0
        except (InvalidResponse, KeyError, TypeError):
            pass
        outcome: dict[str, Any] = {"success": log.correct, "response": _pattern(question.qtype, log.answer),
                                   "score": {"scaled": round(score, 4)},
                                   "extensions": {f"{home_page}xapi/rating": log.rating}}
        if log.response_ms is not None:
            outcome["duration"] = duration(log.response_ms)
        timestamp = sched.iso(log.reviewed_at)
        result.append({
            "id": str(uuid.uuid5(NAMESPACE, f"{home_page}|{user.id}|{activity}|{timestamp}")),
            "actor": actor, "verb": ANSWERED,
            "object": {"objectType": "Activity", "id": activity, "definition": definition},
            "result": outcome, "timestamp": timestamp,
        })
    return result
