"""The card browser's queries and actions: plain functions over a session (no request)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Float, Integer, and_, func, literal_column, or_, select, text
from sqlalchemy.orm import Session, aliased

from quizapp.access import pack_visible_to
from quizapp.browse import search
from quizapp.browse.models import CardMark
from quizapp.models import (Card, CardState, Pack, PackTranslation, Question, QuestionTranslation, ReviewLog, Topic,
                            TopicTranslation, User, utcnow)
from quizapp.study import scheduler as sched
from quizapp.study.localized import pack_titles

PAGE = 50
STATES = {"new": _l("new"), "learning": _l("learning"), "review": _l("review"), "relearning": _l("relearning"),
          "suspended": _l("suspended"), "buried": _l("buried")}
DUE = {"overdue": _l("overdue"), "today": _l("due today"), "week": _l("due within 7 days")}


@dataclass
class Filters:
    q: str = ""
    pack: str = ""
    topic: str = ""
    concept: str = ""
    qtype: str = ""
    state: str = ""
    due: str = ""
    min_lapses: int | None = None
    flagged: bool = False
    page: int = 1
    problems: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> "Filters":
        filters = cls(q=(args.get("q") or "")[:200], pack=args.get("pack") or "", topic=args.get("topic") or "",
                      concept=args.get("concept") or "", qtype=args.get("type") or "",
                      state=args.get("state") or "", due=args.get("due") or "", flagged=args.get("flagged") == "1")
        raw = (args.get("lapses") or "").strip()
        if raw:
            if raw.isdigit():
                filters.min_lapses = int(raw)
            else:
                filters.problems.append(_("lapses: %(raw)s is not a whole number; give the least number of lapses",
                                             raw=repr(raw)))
        page = args.get("page") or "1"
        filters.page = max(1, int(page)) if page.isdigit() else 1
        if filters.state and filters.state not in STATES:
            filters.problems.append(_("state: choose one of %(values)s", values=", ".join(STATES)))
            filters.state = ""
        if filters.due and filters.due not in DUE:
            filters.problems.append(_("due: choose one of %(values)s", values=", ".join(DUE)))
            filters.due = ""
        return filters


@dataclass(frozen=True)
class Row:
    card_id: int
    card_key: str
    title: str
    qtype: str
    topic: str
    pack: str
    state: str
    due: datetime | None
    lapses: int
    reps: int
    flagged: bool
    suspended: bool
    buried: bool


def _has_tag(session: Session, tag: str):
    if search.is_postgres(session):
        return text("jsonb_exists(questions.tags::jsonb, :tag)").bindparams(tag=tag)
    return text("EXISTS (SELECT 1 FROM json_each(questions.tags) WHERE json_each.value = :tag)").bindparams(tag=tag)


def browse(session: Session, user: User, filters: Filters, now: datetime | None = None,
           language: str | None = None) -> tuple[list[Row], int]:
    """One page of the learner's cards matching `filters`, ranked by the search when there is one; and the total.
    Question and topic titles are in `language` where a translation exists (study/localized.py).

    Two steps, so that 100,000 cards stay fast: the matching card ids (joining only what the filters need; the
    search hits materialized first, so the full-text query runs once), counted and paged; then the 50 rows of
    the page with everything the list shows."""
    now = now or utcnow()
    search.refresh(session)
    ids = (select(Card.id).join(Question, Question.id == Card.question_id).join(Pack, Pack.id == Question.pack_id)
           .where(Question.retired_at.is_(None), Card.retired_at.is_(None), pack_visible_to(user)))
    hits = search.matches(session, filters.q) if filters.q.strip() else None
    if hits is not None:
        found = (hits.columns(literal_column("question_id", Integer), literal_column("rank", Float))
                 .cte("hits").prefix_with("MATERIALIZED"))
        ids = ids.join(found, found.c.question_id == Question.id).add_columns(found.c.rank)
    if filters.pack:
        ids = ids.where(Pack.slug == filters.pack)
    if filters.topic:
        ids = ids.join(Topic, Topic.id == Question.topic_id).where(Topic.slug == filters.topic)
    if filters.concept:
        ids = ids.where(_has_tag(session, filters.concept))
    if filters.qtype:
        ids = ids.where(Question.qtype == filters.qtype)
    # The learner's states and marks filter through IN (subquery), computed once. With a search on SQLite the
    # search hits must drive the plan and the subquery only be probed: SQLite otherwise walks the IN list as an
    # index constraint on cards once per hit (25,000 hits x 33,000 states: minutes). `+cards.id` (unary plus,
    # no index on it) makes the IN a membership test of an ephemeral index built once (bench/card_browser.py).
    states = select(CardState.card_id).where(CardState.user_id == user.id)
    marks = select(CardMark.card_id).where(CardMark.user_id == user.id)
    card_id = Card.id
    if hits is not None and not search.is_postgres(session):
        card_id = literal_column("+cards.id", Integer)
    state_conditions = []
    if filters.state in ("learning", "review", "relearning"):
        state_conditions.append(CardState.fsrs_state == {"learning": 1, "review": 2, "relearning": 3}[filters.state])
    if filters.due:
        _start, end = sched.day_bounds(now, user.timezone, user.rollover_hour)
        until = {"overdue": now, "today": end, "week": end + timedelta(days=6)}[filters.due]
        state_conditions.append(CardState.due < until)
    if filters.min_lapses is not None:
        state_conditions.append(CardState.lapses >= filters.min_lapses)
    if state_conditions:
        ids = ids.where(card_id.in_(states.where(*state_conditions)))
    if filters.state == "new":
        ids = ids.where(card_id.not_in(states))
    elif filters.state == "suspended":
        ids = ids.where(or_(card_id.in_(states.where(CardState.suspended.is_(True))),
                            card_id.in_(marks.where(CardMark.suspended.is_(True)))))
    elif filters.state == "buried":
        ids = ids.where(card_id.in_(marks.where(CardMark.buried_until > now)))
    if filters.flagged:
        ids = ids.where(card_id.in_(marks.where(CardMark.flagged.is_(True))))
    offset = (filters.page - 1) * PAGE
    if hits is not None:
        # Ranked: every hit is read to sort by rank anyway, so the total comes in the same statement (a window
        # count): the search and the filters run once, not twice.
        found_rows = session.execute(ids.add_columns(func.count().over().label("total"))
                                     .order_by(found.c.rank, Card.id).limit(PAGE).offset(offset)).all()
        total = found_rows[0].total if found_rows else None
    else:
        # In card order: the page walks the primary key and stops after 50 rows; the count is its own query.
        found_rows = session.execute(ids.order_by(Card.id).limit(PAGE).offset(offset)).all()
        total = None
    if total is None:
        total = session.scalar(select(func.count()).select_from(ids.subquery())) if found_rows or offset else 0
    if not found_rows:
        return [], total or 0
    page = [row[0] for row in found_rows]
    translated_question, translated_topic = aliased(QuestionTranslation), aliased(TopicTranslation)
    translated_pack = aliased(PackTranslation)
    details = {r.id: r for r in session.execute(
        select(Card.id, Card.card_key, func.coalesce(translated_question.title, Question.title).label("title"),
               Question.qtype, func.coalesce(translated_topic.title, Topic.title).label("topic"),
               func.coalesce(translated_pack.title, Pack.title).label("pack"), CardState.fsrs_state, CardState.due, CardState.lapses, CardState.reps,
               CardState.suspended, CardMark.flagged, CardMark.suspended.label("marked_suspended"),
               CardMark.buried_until)
        .join(Question, Question.id == Card.question_id).join(Topic, Topic.id == Question.topic_id)
        .join(Pack, Pack.id == Question.pack_id)
        .outerjoin(translated_question, and_(translated_question.question_id == Question.id,
                                             translated_question.language == (language or ""),
                                             Pack.language != translated_question.language))
        .outerjoin(translated_topic, and_(translated_topic.topic_id == Topic.id,
                                          translated_topic.language == (language or ""),
                                          Pack.language != translated_topic.language))
        .outerjoin(translated_pack, and_(translated_pack.pack_id == Pack.id,
                                         translated_pack.language == (language or ""),
                                         Pack.language != translated_pack.language))
        .outerjoin(CardState, and_(CardState.card_id == Card.id, CardState.user_id == user.id))
        .outerjoin(CardMark, and_(CardMark.card_id == Card.id, CardMark.user_id == user.id))
        .where(Card.id.in_(page)))}
    rows = [details[card_id] for card_id in page]
    return [Row(r.id, r.card_key, r.title, r.qtype, r.topic, r.pack, state_name(r.fsrs_state), r.due,
                r.lapses or 0, r.reps or 0, bool(r.flagged), bool(r.suspended or r.marked_suspended),
                bool(r.buried_until and r.buried_until > now)) for r in rows], total


def state_name(fsrs_state: int | None) -> str:
    return {None: "new", 1: "learning", 2: "review", 3: "relearning"}.get(fsrs_state, "new")


def choices(session: Session, user: User, language: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """The values the filter menus offer: visible packs, their topics (titled in `language` where translated),
    the question types present."""
    packs = session.execute(select(Pack.slug, Pack.title).where(pack_visible_to(user)).order_by(Pack.title)).all()
    titles = pack_titles(session, language)
    packs = [(slug, titles.get(slug, title)) for slug, title in packs]
    translated = aliased(TopicTranslation)
    topics = session.execute(select(Topic.slug, func.coalesce(translated.title, Topic.title))
                             .join(Pack, Pack.id == Topic.pack_id)
                             .outerjoin(translated, and_(translated.topic_id == Topic.id,
                                                         translated.language == (language or ""),
                                                         Pack.language != translated.language))
                             .where(pack_visible_to(user), Topic.retired_at.is_(None))
                             .order_by(Pack.title, Topic.position)).all()
    types = session.scalars(select(Question.qtype).distinct().order_by(Question.qtype)).all()
    return {"packs": [tuple(p) for p in packs], "topics": list(dict.fromkeys(tuple(t) for t in topics)),
            "types": [(t, t) for t in types]}


@dataclass(frozen=True)
class HistoryEntry:
    log: ReviewLog
    interval: str  # from this answer to the due date it set


def card_detail(session: Session, user: User, card_id: int) -> tuple[Card, CardState | None, CardMark | None,
                                                                       list[HistoryEntry]] | None:
    card = session.scalar(select(Card).join(Question).join(Pack, Pack.id == Question.pack_id)
                          .where(Card.id == card_id, pack_visible_to(user)))
    if card is None:
        return None
    state = session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.card_id == card_id))
    mark = session.get(CardMark, (user.id, card_id))
    logs = session.scalars(select(ReviewLog).where(ReviewLog.user_id == user.id, ReviewLog.card_id == card_id)
                           .order_by(ReviewLog.reviewed_at.desc(), ReviewLog.id.desc())).all()
    history = []
    for log in logs:
        due = sched.parse_iso((log.state_after or {}).get("due"))
        interval = sched.format_interval(due - sched.as_utc(log.reviewed_at)) if due else ""
        history.append(HistoryEntry(log, interval))
    return card, state, mark, history


def _mark(session: Session, user: User, card_id: int) -> CardMark:
    mark = session.get(CardMark, (user.id, card_id))
    if mark is None:
        mark = CardMark(user_id=user.id, card_id=card_id, flagged=False, suspended=False)
        session.add(mark)
    return mark


def toggle_flag(session: Session, user: User, card_id: int) -> bool:
    mark = _mark(session, user, card_id)
    mark.flagged = not mark.flagged
    session.flush()
    return mark.flagged


def set_suspended(session: Session, user: User, card_id: int, suspended: bool) -> None:
    """Suspend by hand (new or not); unsuspending also lifts a leech suspension."""
    _mark(session, user, card_id).suspended = suspended
    if not suspended:
        state = session.scalar(select(CardState).where(CardState.user_id == user.id, CardState.card_id == card_id))
        if state is not None and state.suspended:
            state.suspended = False
    session.flush()


def bury(session: Session, user: User, card_id: int, now: datetime | None = None) -> datetime:
    """Hide the card until the learner's next study day starts."""
    now = sched.as_utc(now or utcnow())
    _start, end = sched.day_bounds(now, user.timezone, user.rollover_hour)
    _mark(session, user, card_id).buried_until = end
    session.flush()
    return end


def unbury(session: Session, user: User, card_id: int) -> None:
    _mark(session, user, card_id).buried_until = None
    session.flush()
