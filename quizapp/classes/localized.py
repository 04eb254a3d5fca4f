"""The class page in the instructor's language: pack, topic and question titles from their translations, and the
common wrong answers quoted from the translated question (the choice the learners picked, in the reader's words).

`class_progress` computes the figures once for every reader (its class-wide part is cached across requests and
languages); the titles are laid over afterwards, on copies, so no cached row changes. Only titles that have a
translation in the reader's language change (a pack is never translated into its own language)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from quizapp.classes.progress import ClassProgress
from quizapp.classes.question_stats import QuestionRow, WrongAnswer, describe_answer
from quizapp.content.translation import apply_translation
from quizapp.models import Pack, Question, QuestionTranslation, TopicTranslation
from quizapp.study.localized import pack_titles, topic_titles


def localized_report(session: Session, report: ClassProgress, language: str | None) -> ClassProgress:
    if not language:
        return report
    packs = pack_titles(session, language)
    if packs:
        report = replace(report, topics=[replace(t, pack_title=packs[t.pack_slug]) if t.pack_slug in packs else t
                                         for t in report.topics])
    wrong = wrong_answers(session, report.questions, language)
    if wrong:
        report = replace(report, questions=[replace(q, wrong_answers=wrong[q.question_id])
                                            if q.question_id in wrong else q for q in report.questions])
    topics = topic_titles(session, [t.id for t in report.topics], language)
    ids = [q.question_id for q in report.questions]
    rows = session.execute(
        select(Question.id, QuestionTranslation.title, TopicTranslation.title)
        .outerjoin(QuestionTranslation, and_(QuestionTranslation.question_id == Question.id,
                                             QuestionTranslation.language == language))
        .outerjoin(TopicTranslation, and_(TopicTranslation.topic_id == Question.topic_id,
                                          TopicTranslation.language == language))
        .where(Question.id.in_(ids))).all() if ids else []
    titles = {qid: (title, topic) for qid, title, topic in rows if title or topic}
    if not topics and not titles:
        return report
    return replace(
        report,
        topics=[replace(t, title=topics[t.id]) if t.id in topics else t for t in report.topics],
        questions=[replace(q, title=titles[q.question_id][0] or q.title, topic=titles[q.question_id][1] or q.topic)
                   if q.question_id in titles else q for q in report.questions])


def wrong_answers(session: Session, questions: list[QuestionRow], language: str) -> dict[int, list[WrongAnswer]]:
    """The common wrong answers of `questions` worded again for a reader of `language`: a choice's (item's, pair's)
    text from the question's translation where one exists, our own words ("no answer") in the page's language.
    New lists: the rows may be shared with other readers (the summary cache)."""
    shown = [q for q in questions if any(w.raw is not None for w in q.wrong_answers)]
    if not shown:
        return {}
    ids = [q.question_id for q in shown]
    data = dict(session.execute(select(Question.id, Question.data).where(Question.id.in_(ids))).all())
    overlays = dict(session.execute(
        select(QuestionTranslation.question_id, QuestionTranslation.overlay)
        .join(Question, Question.id == QuestionTranslation.question_id).join(Pack, Pack.id == Question.pack_id)
        .where(QuestionTranslation.question_id.in_(ids), QuestionTranslation.language == language,
               Pack.language != language)).all())
    result = {}
    for row in shown:
        seen = apply_translation(row.qtype, data.get(row.question_id) or {}, overlays.get(row.question_id))
        result[row.question_id] = [
            replace(w, text=describe_answer(row.qtype, seen, w.card_key, w.raw)) if w.raw is not None else w
            for w in row.wrong_answers]
    return result
