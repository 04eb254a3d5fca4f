"""Questions in the learner's language: the source question with a translation's words laid over it.

Cards, states and review logs belong to the question, whatever the language it was shown in, so switching
language keeps every due date and every history. The key is always the source's (content/translation.py)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content.translation import apply_translation
from quizapp.models import Pack, PackTranslation, QuestionTranslation, TopicTranslation


class _Overlaid:
    """An object with some attributes replaced; every other attribute is the wrapped object's."""

    def __init__(self, wrapped: Any, **replaced: Any):
        self._wrapped = wrapped
        self.__dict__.update(replaced)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._wrapped, name)


class LocalizedQuestion(_Overlaid):
    """Duck-types the question it wraps (a Question or a SeenQuestion) with translated title, data and topic."""


def localize(session: Session, question: Any, language: str) -> Any:
    """`question` in `language` when a translation exists and differs from the pack's language; else itself."""
    if not language or language == question.pack.language:
        return question
    if question.content_hash != getattr(question, "current", question).content_hash:
        return question  # an older version answered: the translation was checked against the current one only
    row = session.execute(
        select(QuestionTranslation.title, QuestionTranslation.overlay, TopicTranslation.title)
        .outerjoin(TopicTranslation, (TopicTranslation.topic_id == question.topic.id)
                   & (TopicTranslation.language == language))
        .where(QuestionTranslation.question_id == question.id, QuestionTranslation.language == language)
    ).first()
    if row is None:
        return question
    title, overlay, topic_title = row
    topic = _Overlaid(question.topic, title=topic_title) if topic_title else question.topic
    return LocalizedQuestion(question, language=language, title=title, topic=topic,
                             data=apply_translation(question.qtype, question.data, overlay))


def topic_titles(session: Session, topic_ids: list[int], language: str) -> dict[int, str]:
    """Translated titles of these topics (only those translated)."""
    if not topic_ids:
        return {}
    rows = session.execute(select(TopicTranslation.topic_id, TopicTranslation.title)
                           .where(TopicTranslation.topic_id.in_(topic_ids), TopicTranslation.language == language))
    return dict(rows.all())


def pack_titles(session: Session, language: str | None) -> dict[str, str]:
    """pack slug -> its title in `language`, for the packs translated to it (not those written in it)."""
    if not language:
        return {}
    rows = session.execute(select(Pack.slug, PackTranslation.title)
                           .join(PackTranslation, PackTranslation.pack_id == Pack.id)
                           .where(PackTranslation.language == language, Pack.language != language))
    return dict(rows.all())


def localized_pack(session: Session, pack: Any, language: str | None) -> Any:
    """`pack` with its title in `language` where translated (exports name decks and categories with it)."""
    title = pack_titles(session, language).get(pack.slug)
    return _Overlaid(pack, title=title) if title else pack


def localized_questions(session: Session, questions: list[Any], language: str | None) -> list[Any]:
    """`questions` (of one pack) in `language` where translated, for exports: one query for all translations."""
    if not questions or not language or language == questions[0].pack.language:
        return questions
    ids = [question.id for question in questions]
    rows = session.execute(select(QuestionTranslation.question_id, QuestionTranslation.title,
                                  QuestionTranslation.overlay)
                           .where(QuestionTranslation.question_id.in_(ids),
                                  QuestionTranslation.language == language)).all()
    found = {question_id: (title, overlay) for question_id, title, overlay in rows}
    topics = topic_titles(session, sorted({question.topic.id for question in questions}), language)
    result = []
    for question in questions:
        if question.id not in found:
            result.append(question)
            continue
        title, overlay = found[question.id]
        topic = question.topic
        if topic.id in topics:
            topic = _Overlaid(topic, title=topics[topic.id])
        result.append(LocalizedQuestion(question, language=language, title=title, topic=topic,
                                        data=apply_translation(question.qtype, question.data, overlay)))
    return result


def pack_languages(session: Session, pack_id: int) -> list[str]:
    """The languages the pack's questions are translated to."""
    from quizapp.models import Question

    return list(session.scalars(select(QuestionTranslation.language).distinct()
                                .join(Question, Question.id == QuestionTranslation.question_id)
                                .where(Question.pack_id == pack_id).order_by(QuestionTranslation.language)))
