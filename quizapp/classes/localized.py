"""The class page in the instructor's language: topic and question titles from their translations.

`class_progress` computes the figures once for every reader (its class-wide part is cached across requests and
languages); the titles are laid over afterwards, on copies, so no cached row changes. Only titles that have a
translation in the reader's language change (a pack is never translated into its own language)."""
from __future__ import annotations

from dataclasses import replace

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from quizapp.classes.progress import ClassProgress
from quizapp.models import Question, QuestionTranslation, TopicTranslation
from quizapp.study.localized import topic_titles


def localized_report(session: Session, report: ClassProgress, language: str | None) -> ClassProgress:
    if not language:
        return report
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
