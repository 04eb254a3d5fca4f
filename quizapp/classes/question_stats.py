"""A class's per-question view: how many learners answered each question of the class's packs and how many got
it wrong at least once, the answers, and the most common wrong answers (grouped by their stored JSON text in SQL),
all from the running totals (`quizapp.answer_totals`), never from the answer history."""
from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from quizapp.answer_totals import AnswerTotal, WrongAnswerTotal
from quizapp.i18n import outcome_label
from quizapp.models import Card, Pack, Question, Topic

TOP_WRONG = 3
MOST_MISSED = 30  # the class page lists this many of the most missed questions, with their common wrong answers


@dataclass
class WrongAnswer:
    text: str
    count: int
    card_key: str = "main"
    raw: str | None = None  # the stored answer (JSON text): `classes.localized` words it again in the reader's language


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


def question_rows(session: Session, packs: Any, members: Any, wrong_answers_for: int | None) -> list[QuestionRow]:
    # 6. per question: answers, wrong answers, learners, learners with a wrong answer (running totals). Summed per
    # card first: answer_totals has one row per learner and card, so a card's rows are its learners, and the
    # aggregate has one group per card (a few hundred, in memory) instead of one per question and learner. Only
    # a question with several cards answered needs its learners counted across cards (second step, its cards only).
    per_card = (
        select(AnswerTotal.card_id.label("card_id"), func.sum(AnswerTotal.answers).label("answers"),
               func.sum(AnswerTotal.answers - AnswerTotal.right_answers).label("wrong"),
               func.count().label("learners"),
               func.count().filter(AnswerTotal.answers > AnswerTotal.right_answers).label("learners_wrong"))
        .where(AnswerTotal.user_id.in_(members)).group_by(AnswerTotal.card_id).subquery())
    rows = session.execute(
        select(Question.id, Question.slug, Question.title, Question.qtype, Topic.title, Pack.slug,
               per_card.c.answers, per_card.c.wrong, per_card.c.learners, per_card.c.learners_wrong)
        .join(Card, Card.question_id == Question.id).join(per_card, per_card.c.card_id == Card.id)
        .join(Topic, Topic.id == Question.topic_id).join(Pack, Pack.id == Question.pack_id)
        .where(Question.pack_id.in_(packs))).all()
    questions: dict[int, QuestionRow] = {}
    cards_answered: Counter[int] = Counter()
    for qid, slug, title, qtype, topic, pack, n, w, lrn, lw in rows:
        cards_answered[qid] += 1
        row = questions.get(qid)
        if row is None:
            questions[qid] = QuestionRow(qid, slug, title, qtype, topic, pack, int(n), int(w or 0), int(lrn), int(lw))
        else:
            row.answers, row.wrong = row.answers + int(n), row.wrong + int(w or 0)
    several = [qid for qid, number in cards_answered.items() if number > 1]
    if several:
        per_learner = (
            select(Card.question_id.label("question_id"),
                   func.sum(AnswerTotal.answers - AnswerTotal.right_answers).label("wrong"))
            .join(AnswerTotal, AnswerTotal.card_id == Card.id)
            .where(AnswerTotal.user_id.in_(members), Card.question_id.in_(several))
            .group_by(Card.question_id, AnswerTotal.user_id).subquery())
        for qid, learners, learners_wrong in session.execute(
                select(per_learner.c.question_id, func.count(), func.count().filter(per_learner.c.wrong > 0))
                .group_by(per_learner.c.question_id)).all():
            questions[qid].learners, questions[qid].learners_wrong = int(learners), int(learners_wrong)
    ordered = sorted(questions.values(), key=lambda q: (-q.missed_share, -(q.wrong / q.answers if q.answers else 0),
                                                        -q.learners, q.pack_slug, q.slug))
    listed = MOST_MISSED if wrong_answers_for is None else wrong_answers_for
    shown = [q.question_id for q in ordered if q.wrong][:listed]
    if not shown:
        return ordered
    # 7. the most common wrong answers of the questions shown, by their stored JSON text (running totals per
    # learner and text; their cards' rows only, through the card_id index)
    counted: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for qid, card_key, text, count in session.execute(
            select(Card.question_id, Card.card_key, WrongAnswerTotal.answer_text, func.sum(WrongAnswerTotal.answers))
            .join(WrongAnswerTotal, WrongAnswerTotal.card_id == Card.id)
            .where(WrongAnswerTotal.user_id.in_(members), Card.question_id.in_(shown))
            .group_by(Card.question_id, Card.card_key, WrongAnswerTotal.answer_text)).all():
        counted[qid].append((int(count), card_key, text))
    # 8. the questions' data, to show answers as the learner saw them (choice text, not index)
    data = dict(session.execute(select(Question.id, Question.data).where(Question.id.in_(list(counted)))).all()) \
        if counted else {}
    for qid, entries in counted.items():
        row = questions[qid]
        for count, card_key, text in sorted(entries, key=lambda e: (-e[0], e[2] or ""))[:TOP_WRONG]:
            row.wrong_answers.append(WrongAnswer(describe_answer(row.qtype, data.get(qid, {}), card_key, text),
                                                 count, card_key, text))
    return ordered


def _text(fragment: Any) -> str:
    return Markup(str(fragment or "")).striptags()


def describe_answer(qtype: str, data: dict[str, Any], card_key: str, raw: Any) -> str:
    """A stored response as words: the choice's text rather than its index; our own words in the page's
    language (the question's text as the learner was shown it)."""
    try:
        answer = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        return str(raw)
    if not isinstance(answer, dict):
        return _("(no answer)") if answer is None else str(answer)
    try:
        if qtype == "single":
            return _text(data["choices"][answer["choice"]]["html"])
        if qtype == "multiple":
            chosen = [_text(data["choices"][i]["html"]) for i in answer.get("choices", [])]
            return " + ".join(chosen) if chosen else _("(nothing selected)")
        if qtype == "ordering":
            return " → ".join(_text(data["items"][i]["html"]) for i in answer["order"])
        if qtype == "matching":
            return "; ".join(f"{_text(pair['left_html'])} → {data['right_options'][m]['text']}"
                             for pair, m in zip(data["pairs"], answer["matches"]))
        if qtype == "cloze":
            return " / ".join(answer.get("blanks", [])) or _("(empty)")
        if qtype == "flashcard":
            return _("did not know it") if not answer.get("knew") else _("knew it")
        if "text" in answer:
            return answer["text"] or _("(empty)")
        if "outcome" in answer:
            return outcome_label(str(answer["outcome"]))
        if "verdict" in answer:  # an `ask: command` sim question
            return _("Docker accepts it") if answer["verdict"] == "accepted" else _("Docker refuses it with an error")
        if "value" in answer:
            if qtype == "sim":
                return _("delivered") if answer["value"] else _("not delivered")
            return _("true") if answer["value"] else _("false")
    except (KeyError, IndexError, TypeError):
        pass
    return json.dumps(answer, ensure_ascii=False)
