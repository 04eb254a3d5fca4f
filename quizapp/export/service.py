"""Progress export and import: a versioned, domain-level JSON document (cards named by pack, question and
card ids, never database ids), CSV views of it, and xAPI statements.

Importing a JSON export into another quizapp server (with the same packs built) restores the learner's
settings, card states and review history exactly; nothing is written unless every card is found.
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

from quizapp.models import Card, CardState, Pack, Question, ReviewLog, User, utcnow
from quizapp.study import scheduler as sched

FORMAT = "quizapp-progress"
VERSION = 1
SETTINGS = ("desired_retention", "new_per_day", "reviews_per_day", "timezone", "rollover_hour")
STATE_KEYS = set(sched.StateDict.__annotations__)


class ImportProblem(ValueError):
    """The document cannot be imported; `problems` lists every reason found."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems[:5]) + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""))
        self.problems = problems


CardKey = tuple[str, str, str]  # (pack slug, question slug, card key)


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


def _check_state(value: Any, where: str, problems: list[str], nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not isinstance(value, dict) or set(value) != STATE_KEYS:
        problems.append(f"{where}: a card state needs exactly the keys {', '.join(sorted(STATE_KEYS))}")
        return
    if value["state"] not in (1, 2, 3):
        problems.append(f"{where}.state: must be 1 (Learning), 2 (Review) or 3 (Relearning)")
    try:
        sched.parse_iso(value["due"])
        sched.parse_iso(value["last_review"])
    except (TypeError, ValueError):
        problems.append(f"{where}: due and last_review must be ISO 8601 times with a time zone")


@dataclass(frozen=True)
class ImportReport:
    card_states: int
    reviews_added: int
    reviews_already_present: int


def import_progress(session: Session, user: User, document: Any) -> ImportReport:
    """Restore an export into this learner's account, all or nothing. Card states in the document replace
    the learner's states of those cards; reviews already present (same card and time) are kept once."""
    problems: list[str] = []
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ImportProblem([f"not a quizapp progress export (expected \"format\": \"{FORMAT}\")"])
    if document.get("version") != VERSION:
        raise ImportProblem([f"export version {document.get('version')!r} is not supported (this server reads {VERSION})"])
    states = document.get("card_states")
    logs = document.get("reviews")
    if not isinstance(states, list) or not isinstance(logs, list):
        raise ImportProblem(["card_states and reviews must be lists"])

    wanted: set[CardKey] = set()
    for where, items in (("card_states", states), ("reviews", logs)):
        for index, item in enumerate(items):
            if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("pack", "question", "card")):
                problems.append(f"{where}[{index}]: needs pack, question and card as text")
                continue
            wanted.add((item["pack"], item["question"], item["card"]))
    rows = session.execute(select(Card.id, Pack.slug, Question.slug, Card.card_key)
                           .join(Question, Question.id == Card.question_id).join(Pack, Pack.id == Question.pack_id)
                           .where(Pack.slug.in_({key[0] for key in wanted}))).all() if wanted else []
    card_ids = {(pack, question, key): card_id for card_id, pack, question, key in rows}
    for key in sorted(wanted - set(card_ids)):
        problems.append(f"card {key[0]}/{key[1]}#{key[2]} does not exist on this server; build that pack first")
    for index, item in enumerate(states):
        _check_state(item.get("state") if isinstance(item, dict) else None, f"card_states[{index}].state", problems)
    for index, item in enumerate(logs):
        if not isinstance(item, dict):
            continue
        if item.get("rating") not in (1, 2, 3, 4):
            problems.append(f"reviews[{index}].rating: must be 1 to 4")
        if not isinstance(item.get("correct"), bool):
            problems.append(f"reviews[{index}].correct: must be true or false")
        try:
            sched.parse_iso(item.get("reviewed_at"))
            if item.get("reviewed_at") is None:
                raise ValueError
        except (TypeError, ValueError):
            problems.append(f"reviews[{index}].reviewed_at: must be an ISO 8601 time with a time zone")
        _check_state(item.get("state_before"), f"reviews[{index}].state_before", problems, nullable=True)
        _check_state(item.get("state_after"), f"reviews[{index}].state_after", problems)
    settings = (document.get("learner") or {}).get("settings") or {}
    if problems:
        raise ImportProblem(problems)

    for name in SETTINGS:
        if name in settings:
            setattr(user, name, settings[name])
    existing = {row.card_id: row for row in session.scalars(select(CardState).where(CardState.user_id == user.id))}
    for item in states:
        card_id = card_ids[(item["pack"], item["question"], item["card"])]
        columns = sched.columns_from_state(item["state"])
        row = existing.get(card_id)
        if row is None:
            session.add(CardState(user_id=user.id, card_id=card_id, **columns))
        else:
            for key, value in columns.items():
                setattr(row, key, value)
    present = set(session.execute(select(ReviewLog.card_id, ReviewLog.reviewed_at)
                                  .where(ReviewLog.user_id == user.id)).all())
    added = skipped = 0
    for item in logs:
        card_id = card_ids[(item["pack"], item["question"], item["card"])]
        reviewed_at = sched.parse_iso(item["reviewed_at"])
        if (card_id, reviewed_at) in present:
            skipped += 1
            continue
        session.add(ReviewLog(user_id=user.id, card_id=card_id, reviewed_at=reviewed_at, rating=item["rating"],
                              suggested_rating=item.get("suggested_rating"), answer=item.get("answer"),
                              correct=item["correct"], response_ms=item.get("response_ms"),
                              state_before=item.get("state_before"), state_after=item["state_after"],
                              variant_seed=item.get("variant_seed"), content_hash=item.get("content_hash") or ""))
        added += 1
    session.flush()
    return ImportReport(len(states), added, skipped)


def reviews_csv(document: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
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
    writer = csv.writer(out)
    writer.writerow(["pack", "question", "card", "state", "step", "stability", "difficulty", "due", "last_review",
                     "reps", "lapses", "suspended"])
    for item in document["card_states"]:
        s = item["state"]
        writer.writerow([item["pack"], item["question"], item["card"], sched.STATE_NAMES[s["state"]],
                         "" if s["step"] is None else s["step"], "" if s["stability"] is None else s["stability"],
                         "" if s["difficulty"] is None else s["difficulty"], s["due"], s["last_review"] or "",
                         s["reps"], s["lapses"], str(s["suspended"]).lower()])
    return out.getvalue()
