"""A class's progress, aggregated in SQL: a fixed handful of queries whatever the class size (no N+1).

Per learner and topic (topics of the packs assigned to the class):
- reviews: answers given on the topic's cards;
- retention: right answers / answers (as on the learner's stats page);
- mastery: the mean FSRS retrievability now of ALL the topic's live cards, cards never studied counting 0 -- the
  definition of the learner's "mastery per concept" (`quizapp.stats.service.concept_mastery`), per topic;
- due: the topic's cards due now (not suspended);
- last active: the learner's newest answer in the class's packs.
Per question: how many learners answered it and how many got it wrong at least once, the answers, and the most
common wrong answers (grouped by their stored JSON text in SQL).
"""
from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import Text, case, cast, distinct, func, select, true
from sqlalchemy.orm import Session

from quizapp.models import Card, CardState, Classroom, ClassMember, ClassPack, Pack, Question, ReviewLog, Topic, User, utcnow
from quizapp.security import csv_safe_rows
from quizapp.study import scheduler as sched

TOP_WRONG = 3


@dataclass(frozen=True)
class TopicColumn:
    id: int
    slug: str
    title: str
    pack_slug: str
    pack_title: str
    cards: int

    @property
    def key(self) -> str:
        return f"{self.pack_slug}/{self.slug}"


@dataclass
class Cell:
    reviews: int = 0
    right: int = 0
    due: int = 0
    seen: int = 0
    recall: float = 0.0  # sum of retrievability over the learner's cards of the topic
    cards: int = 0
    last_active: datetime | None = None

    @property
    def retention(self) -> float | None:
        return self.right / self.reviews if self.reviews else None

    @property
    def mastery(self) -> float:
        return self.recall / self.cards if self.cards else 0.0


@dataclass
class LearnerRow:
    user_id: int
    name: str
    email: str
    joined_at: datetime
    cells: dict[int, Cell] = field(default_factory=dict)  # topic id -> cell

    def _sum(self, attr: str) -> int:
        return sum(getattr(cell, attr) for cell in self.cells.values())

    @property
    def reviews(self) -> int:
        return self._sum("reviews")

    @property
    def right(self) -> int:
        return self._sum("right")

    @property
    def due(self) -> int:
        return self._sum("due")

    @property
    def retention(self) -> float | None:
        return self.right / self.reviews if self.reviews else None

    @property
    def mastery(self) -> float:
        cards = self._sum("cards")
        return sum(cell.recall for cell in self.cells.values()) / cards if cards else 0.0

    @property
    def last_active(self) -> datetime | None:
        moments = [cell.last_active for cell in self.cells.values() if cell.last_active]
        return max(moments, default=None)


@dataclass
class WrongAnswer:
    text: str
    count: int


@dataclass
class QuestionRow:
    question_id: int
    slug: str
    title: str
    qtype: str
    topic: str
    pack_slug: str
    answers: int
    wrong: int
    learners: int
    learners_wrong: int
    wrong_answers: list[WrongAnswer] = field(default_factory=list)

    @property
    def missed_share(self) -> float:
        return self.learners_wrong / self.learners if self.learners else 0.0


@dataclass
class ClassProgress:
    topics: list[TopicColumn]
    learners: list[LearnerRow]
    questions: list[QuestionRow]  # every question answered, most missed first

    @property
    def missed(self) -> list[QuestionRow]:
        """The questions at least one learner got wrong, most missed first."""
        return [q for q in self.questions if q.wrong]

    def topic_mastery(self, topic_id: int) -> float:
        """The class's mean mastery of a topic (every learner counts, those who never studied it as 0)."""
        if not self.learners:
            return 0.0
        return sum(row.cells[topic_id].mastery for row in self.learners) / len(self.learners)


def class_progress(session: Session, class_id: int, now: datetime | None = None,
                   count_imported: bool | None = None) -> ClassProgress:
    """`count_imported` (default: the class's setting): whether answers imported from files, and the card states
    they shaped, count; otherwise only answers given on this server do (an import cannot raise a grade)."""
    now = now or utcnow()
    if count_imported is None:
        count_imported = bool(session.scalar(select(Classroom.count_imported).where(Classroom.id == class_id)))
    given_here = true() if count_imported else ReviewLog.imported.is_(False)
    state_here = true() if count_imported else CardState.from_import.is_(False)
    packs = select(ClassPack.pack_id).where(ClassPack.class_id == class_id).scalar_subquery()
    members = select(ClassMember.user_id).where(ClassMember.class_id == class_id).scalar_subquery()
    live_card = (Card.retired_at.is_(None)) & (Question.retired_at.is_(None))

    # 1. topics of the assigned packs, with their live card counts
    topic_rows = session.execute(
        select(Topic.id, Topic.slug, Topic.title, Pack.slug, Pack.title,
               func.count(Card.id).filter(live_card))
        .join(Pack, Pack.id == Topic.pack_id)
        .join(Question, Question.topic_id == Topic.id, isouter=True)
        .join(Card, Card.question_id == Question.id, isouter=True)
        .where(Topic.pack_id.in_(packs), Topic.retired_at.is_(None))
        .group_by(Topic.id, Topic.slug, Topic.title, Pack.slug, Pack.title, Topic.position)
        .order_by(Pack.title, Topic.position, Topic.id)).all()
    topics = [TopicColumn(*row) for row in topic_rows]
    topic_ids = {t.id for t in topics}

    # 2. the learners
    learners = [LearnerRow(uid, name, email, joined, {t.id: Cell(cards=t.cards) for t in topics})
                for uid, name, email, joined in session.execute(
                    select(User.id, User.display_name, User.email, ClassMember.joined_at)
                    .join(ClassMember, ClassMember.user_id == User.id)
                    .where(ClassMember.class_id == class_id).order_by(User.display_name, User.id)).all()]
    by_user = {row.user_id: row for row in learners}

    # 3. answers per learner and topic
    for uid, topic_id, answers, right, last in session.execute(
            select(ReviewLog.user_id, Question.topic_id, func.count(ReviewLog.id),
                   func.sum(case((ReviewLog.correct.is_(True), 1), else_=0)), func.max(ReviewLog.reviewed_at))
            .join(Card, Card.id == ReviewLog.card_id).join(Question, Question.id == Card.question_id)
            .where(ReviewLog.user_id.in_(members), Question.pack_id.in_(packs), given_here)
            .group_by(ReviewLog.user_id, Question.topic_id)).all():
        if uid in by_user and topic_id in topic_ids:
            cell = by_user[uid].cells[topic_id]
            cell.reviews, cell.right = int(answers), int(right or 0)
            cell.last_active = sched.as_utc(last) if last and last.tzinfo else last

    # 4. due counts per learner and topic, in SQL
    for uid, topic_id, due in session.execute(
            select(CardState.user_id, Question.topic_id,
                   func.sum(case(((CardState.due <= now) & CardState.suspended.is_(False), 1), else_=0)))
            .join(Card, Card.id == CardState.card_id).join(Question, Question.id == Card.question_id)
            .where(CardState.user_id.in_(members), Question.pack_id.in_(packs), live_card, state_here)
            .group_by(CardState.user_id, Question.topic_id)).all():
        if uid in by_user and topic_id in topic_ids:
            by_user[uid].cells[topic_id].due = int(due or 0)

    # 5. retrievability needs FSRS's power curve: one query for the studied cards' memory state
    scheduler = sched.make_scheduler(fuzz=False)
    for uid, topic_id, state in session.execute(
            select(CardState.user_id, Question.topic_id, CardState)
            .join(Card, Card.id == CardState.card_id).join(Question, Question.id == Card.question_id)
            .where(CardState.user_id.in_(members), Question.pack_id.in_(packs), live_card, state_here,
                   CardState.last_review.is_not(None))).all():
        if uid in by_user and topic_id in topic_ids:
            cell = by_user[uid].cells[topic_id]
            cell.seen += 1
            cell.recall += sched.retrievability(scheduler, sched.state_from_columns(state), state.card_id, now)

    return ClassProgress(topics, learners, _questions(session, packs, members, given_here))


def _questions(session: Session, packs: Any, members: Any, given_here: Any) -> list[QuestionRow]:
    # 6. per question: answers, wrong answers, learners, learners with a wrong answer
    wrong = ReviewLog.correct.is_(False)
    rows = session.execute(
        select(Question.id, Question.slug, Question.title, Question.qtype, Topic.title, Pack.slug,
               func.count(ReviewLog.id), func.sum(case((wrong, 1), else_=0)),
               func.count(distinct(ReviewLog.user_id)), func.count(distinct(case((wrong, ReviewLog.user_id)))))
        .join(Card, Card.question_id == Question.id).join(ReviewLog, ReviewLog.card_id == Card.id)
        .join(Topic, Topic.id == Question.topic_id).join(Pack, Pack.id == Question.pack_id)
        .where(ReviewLog.user_id.in_(members), Question.pack_id.in_(packs), given_here)
        .group_by(Question.id, Question.slug, Question.title, Question.qtype, Topic.title, Pack.slug)).all()
    questions = {qid: QuestionRow(qid, slug, title, qtype, topic, pack, int(n), int(w or 0), int(lrn), int(lw))
                 for qid, slug, title, qtype, topic, pack, n, w, lrn, lw in rows}
    if not questions:
        return []
    # 7. the most common wrong answers, grouped in SQL by their JSON text
    answer_text = cast(ReviewLog.answer, Text)
    counted: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for qid, card_key, text, count in session.execute(
            select(Card.question_id, Card.card_key, answer_text, func.count(ReviewLog.id))
            .join(ReviewLog, ReviewLog.card_id == Card.id)
            .where(ReviewLog.user_id.in_(members), Card.question_id.in_(list(questions)), wrong, given_here)
            .group_by(Card.question_id, Card.card_key, answer_text)).all():
        counted[qid].append((int(count), card_key, text))
    # 8. the questions' data, to show answers as the learner saw them (choice text, not index)
    data = dict(session.execute(select(Question.id, Question.data).where(Question.id.in_(list(counted)))).all()) \
        if counted else {}
    for qid, entries in counted.items():
        row = questions[qid]
        for count, card_key, text in sorted(entries, key=lambda e: (-e[0], e[2] or ""))[:TOP_WRONG]:
            row.wrong_answers.append(WrongAnswer(describe_answer(row.qtype, data.get(qid, {}), card_key, text),
                                                 count))
    return sorted(questions.values(), key=lambda q: (-q.missed_share, -(q.wrong / q.answers if q.answers else 0),
                                                     -q.learners, q.pack_slug, q.slug))


def _text(fragment: Any) -> str:
    return Markup(str(fragment or "")).striptags()


def describe_answer(qtype: str, data: dict[str, Any], card_key: str, raw: Any) -> str:
    """A stored response as words: the choice's text rather than its index."""
    try:
        answer = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    if not isinstance(answer, dict):
        return "(no answer)" if answer is None else str(answer)
    try:
        if qtype == "single":
            return _text(data["choices"][answer["choice"]]["html"])
        if qtype == "multiple":
            chosen = [_text(data["choices"][i]["html"]) for i in answer.get("choices", [])]
            return " + ".join(chosen) if chosen else "(nothing selected)"
        if qtype == "ordering":
            return " → ".join(_text(data["items"][i]["html"]) for i in answer["order"])
        if qtype == "matching":
            return "; ".join(f"{_text(pair['left_html'])} → {data['right_options'][m]['text']}"
                             for pair, m in zip(data["pairs"], answer["matches"]))
        if qtype == "cloze":
            return " / ".join(answer.get("blanks", [])) or "(empty)"
        if qtype == "flashcard":
            return "did not know it" if not answer.get("knew") else "knew it"
        if "text" in answer:
            return answer["text"] or "(empty)"
        if "outcome" in answer:
            return str(answer["outcome"])
        if "value" in answer:
            if qtype == "sim":
                return "delivered" if answer["value"] else "not delivered"
            return "true" if answer["value"] else "false"
    except (KeyError, IndexError, TypeError):
        pass
    return json.dumps(answer, ensure_ascii=False)


def gradebook_rows(progress: ClassProgress, section: str) -> list[list[str]]:
    """A Canvas-style gradebook export: Student, ID, SIS User ID, SIS Login ID, Section, one `Title (id)`
    column per topic (mastery, out of 100), Current Score and Final Score; row 2 is "Points Possible"."""
    header = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    header += [f"{t.pack_title}: {t.title} ({t.key})" for t in progress.topics]
    header += ["Current Score", "Final Score"]
    points = ["Points Possible", "", "", "", ""] + ["100.00"] * len(progress.topics) + ["(read only)", "(read only)"]
    rows = [header, points]
    for learner in progress.learners:
        scores = [f"{learner.cells[t.id].mastery * 100:.2f}" for t in progress.topics]
        overall = f"{learner.mastery * 100:.2f}"
        rows.append([learner.name, str(learner.user_id), "", learner.email, section] + scores + [overall, overall])
    return csv_safe_rows(rows)  # every cell, headers included: a pack or topic title is someone else's text
