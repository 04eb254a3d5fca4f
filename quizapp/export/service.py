"""Progress export and import: a versioned, domain-level JSON document (cards named by pack, question and
card ids, never database ids), CSV views of it, and xAPI statements.

Importing a JSON export into another quizapp server (with the same packs built) restores the learner's
settings and review history, and rebuilds the card states by replaying the answers (`quizapp.export.importing`);
nothing is written unless every field is valid and every card is one the learner may study.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.export.importing import FORMAT, VERSION, CardKey, ImportProblem, apply_import, plan_import
from quizapp.security import csv_safe
from quizapp.models import Card, CardState, Pack, Question, ReviewLog, User, utcnow
from quizapp.study import scheduler as sched

__all__ = ["ImportProblem", "ImportReport", "export_progress", "import_progress", "reviews_csv", "cards_csv"]

SETTINGS = ("desired_retention", "new_per_day", "reviews_per_day", "timezone", "rollover_hour")


def _card_keys(session: Session, card_ids: set[int]) -> dict[int, CardKey]:
    if not card_ids:
        return {}
    rows = session.execute(select(Card.id, Pack.slug, Question.slug, Card.card_key)
                           .join(Question, Question.id == Card.question_id).join(Pack, Pack.id == Question.pack_id)
                           .where(Card.id.in_(card_ids))).all()
    return {card_id: (pack, question, key) for card_id, pack, question, key in rows}


def _ref(key: CardKey) -> dict[str, str]:
    return {"pack": key[0], "question": key[1], "card": key[2]}


def export_progress(session: Session, user: User, now: datetime | None = None) -> dict[str, Any]:
    states = list(session.scalars(select(CardState).where(CardState.user_id == user.id)))
    logs = list(session.scalars(select(ReviewLog).where(ReviewLog.user_id == user.id)
                                .order_by(ReviewLog.reviewed_at, ReviewLog.id)))
    keys = _card_keys(session, {s.card_id for s in states} | {log.card_id for log in logs})
    card_states = sorted(({**_ref(keys[s.card_id]), "state": sched.state_from_columns(s)} for s in states),
                         key=lambda item: (item["pack"], item["question"], item["card"]))
    reviews = [{**_ref(keys[log.card_id]), "reviewed_at": sched.iso(log.reviewed_at), "rating": log.rating,
                "suggested_rating": log.suggested_rating, "answer": log.answer, "correct": log.correct,
                "response_ms": log.response_ms, "state_before": log.state_before, "state_after": log.state_after,
                "variant_seed": log.variant_seed, "content_hash": log.content_hash} for log in logs]
    return {
        "format": FORMAT, "version": VERSION, "exported_at": sched.iso(now or utcnow()),
        "learner": {"display_name": user.display_name,
                    "settings": {name: getattr(user, name) for name in SETTINGS}},
        "card_states": card_states,
        "reviews": reviews,
    }


@dataclass(frozen=True)
class ImportReport:
    card_states: int  # card states rebuilt from the file's answers
    reviews_added: int
    reviews_already_present: int
    cards_kept: int  # cards answered here after the file's answers: left as they are


def import_progress(session: Session, user: User, document: Any, now: datetime | None = None) -> ImportReport:
    """Check, plan and apply an export in one go (the web page shows the plan first; see `importing`)."""
    plan = plan_import(session, user, document, now)
    apply_import(session, user, plan)
    return ImportReport(sum(1 for c in plan.changes if c.action != "kept"), plan.answers_added,
                        plan.already_present, len(plan.kept))


class _SafeWriter:
    """csv.writer whose every cell goes through the spreadsheet-formula guard."""

    def __init__(self, out: io.StringIO) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: list[Any]) -> None:
        self._writer.writerow([csv_safe(cell) for cell in row])


def reviews_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["reviewed_at", "pack", "question", "card", "rating", "rating_name", "suggested_rating",
                     "correct", "response_ms", "answer", "variant_seed", "state_before", "state_after",
                     "stability_after", "difficulty_after", "due_after"])
    for r in document["reviews"]:
        before, after = r["state_before"], r["state_after"]
        writer.writerow([r["reviewed_at"], r["pack"], r["question"], r["card"], r["rating"],
                         sched.RATING_NAMES[r["rating"]], r["suggested_rating"] or "", str(r["correct"]).lower(),
                         "" if r["response_ms"] is None else r["response_ms"],
                         json.dumps(r["answer"], ensure_ascii=False, sort_keys=True),
                         "" if r["variant_seed"] is None else r["variant_seed"],
                         sched.STATE_NAMES[before["state"]] if before else "New", sched.STATE_NAMES[after["state"]],
                         after["stability"], after["difficulty"], after["due"]])
    return out.getvalue()


def cards_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["pack", "question", "card", "state", "step", "stability", "difficulty", "due", "last_review",
                     "reps", "lapses", "suspended"])
    for item in document["card_states"]:
        s = item["state"]
        writer.writerow([item["pack"], item["question"], item["card"], sched.STATE_NAMES[s["state"]],
                         "" if s["step"] is None else s["step"], "" if s["stability"] is None else s["stability"],
                         "" if s["difficulty"] is None else s["difficulty"], s["due"], s["last_review"] or "",
                         s["reps"], s["lapses"], str(s["suspended"]).lower()])
    return out.getvalue()
