"""Writes a compiled bank to the database in one transaction.

Ids are the authors' stable ids: an edited question is updated in place (its content hash changes), a
question missing from the new content is retired (hidden from study, history kept), never deleted.
Writing unchanged content changes nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from quizapp.content.compiler import Bank, PackSpec, QuestionSpec
from quizapp.models import (Card, Pack, PackTranslation, Question, QuestionTranslation, Topic, TopicTranslation,
                            utcnow)


@dataclass
class BuildReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.retired or self.restored)

    def summary(self) -> str:
        return (f"{len(self.added)} added, {len(self.updated)} updated, {len(self.retired)} retired, "
                f"{len(self.restored)} restored, {self.unchanged} unchanged")


def write_bank(session: Session, bank: Bank, now: datetime | None = None) -> BuildReport:
    """Apply the bank inside the caller's transaction; the caller commits or rolls back."""
    now = now or utcnow()
    report = BuildReport()
    for pack_spec in bank.packs.values():
        _write_pack(session, pack_spec, now, report)
    session.flush()
    return report


def _write_pack(session: Session, spec: PackSpec, now: datetime, report: BuildReport) -> None:
    pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
    if pack is None:
        pack = Pack(slug=spec.slug, title=spec.title, language=spec.language, created_at=now, updated_at=now)
        session.add(pack)
        session.flush()
    elif (pack.title, pack.language) != (spec.title, spec.language):
        pack.title, pack.language, pack.updated_at = spec.title, spec.language, now

    topics = {t.slug: t for t in session.scalars(select(Topic).where(Topic.pack_id == pack.id))}
    for position, topic_spec in enumerate(spec.topics):
        topic = topics.get(topic_spec.slug)
        values = {"title": topic_spec.title, "intro_html": topic_spec.intro_html, "tags": topic_spec.tags,
                  "source_path": topic_spec.source_path, "position": position, "retired_at": None}
        if topic is None:
            topic = Topic(pack_id=pack.id, slug=topic_spec.slug, **values)
            session.add(topic)
            topics[topic.slug] = topic
        else:
            _assign_changed(topic, values)
    live_topics = {t.slug for t in spec.topics}
    for topic in topics.values():
        if topic.slug not in live_topics and topic.retired_at is None:
            topic.retired_at = now
    session.flush()

    existing = {q.slug: q for q in session.scalars(select(Question).where(Question.pack_id == pack.id))}
    cards_by_question: dict[int, dict[str, Card]] = {}
    if existing:
        for card in session.scalars(select(Card).join(Question).where(Question.pack_id == pack.id)):
            cards_by_question.setdefault(card.question_id, {})[card.card_key] = card
    for position, question_spec in enumerate(spec.questions):
        topic = topics[question_spec.topic]
        question = existing.get(question_spec.slug)
        if question is None:
            question = Question(pack_id=pack.id, topic_id=topic.id, slug=question_spec.slug, created_at=now,
                                **_question_values(question_spec, position), updated_at=now)
            session.add(question)
            session.flush()
            report.added.append(question_spec.slug)
        else:
            was_retired = question.retired_at is not None
            content_changed = question.content_hash != question_spec.content_hash
            values = {**_question_values(question_spec, position), "topic_id": topic.id, "retired_at": None}
            if _assign_changed(question, values):
                if content_changed:
                    question.updated_at = now
            if was_retired:
                report.restored.append(question_spec.slug)
            elif content_changed:
                report.updated.append(question_spec.slug)
            else:
                report.unchanged += 1
        _sync_cards(session, question, question_spec, cards_by_question.get(question.id, {}), now)
    live = {q.slug for q in spec.questions}
    for slug, question in existing.items():
        if slug not in live and question.retired_at is None:
            question.retired_at = now
            for card in cards_by_question.get(question.id, {}).values():
                if card.retired_at is None:
                    card.retired_at = now
            report.retired.append(slug)
    _write_translations(session, spec, pack.id, topics, {q.slug: q for q in session.scalars(
        select(Question).where(Question.pack_id == pack.id))})
    if report.changed:
        pack.updated_at = now


def _write_translations(session: Session, spec: PackSpec, pack_id: int, topics: dict[str, Topic],
                        questions: dict[str, Question]) -> None:
    """Make the stored translations exactly the compiled ones (unchanged rows are left alone)."""
    stored_titles = {row.language: row for row in session.scalars(
        select(PackTranslation).where(PackTranslation.pack_id == pack_id))}
    for language, title in spec.translations.titles.items():
        values = {"title": title.title, "translated_from": title.translated_from,
                  "source_path": title.source_path, "source_line": title.source_line}
        row = stored_titles.pop(language, None)
        if row is None:
            session.add(PackTranslation(pack_id=pack_id, language=language, **values))
        else:
            _assign_changed(row, values)
    for row in stored_titles.values():
        session.delete(row)
    wanted_topics = {(topics[slug].id, lang): entry for lang, entries in spec.translations.topics.items()
                     for slug, entry in entries.items() if slug in topics}
    stored_topics = {(row.topic_id, row.language): row for row in session.scalars(
        select(TopicTranslation).where(TopicTranslation.topic_id.in_([t.id for t in topics.values()])))}
    for key, entry in wanted_topics.items():
        values = {"title": entry.title, "intro_html": entry.intro_html}
        row = stored_topics.pop(key, None)
        if row is None:
            session.add(TopicTranslation(topic_id=key[0], language=key[1], **values))
        else:
            _assign_changed(row, values)
    for row in stored_topics.values():
        session.delete(row)

    wanted = {(questions[slug].id, lang): entry for lang, entries in spec.translations.questions.items()
              for slug, entry in entries.items() if slug in questions}
    stored = {(row.question_id, row.language): row for row in session.scalars(
        select(QuestionTranslation).where(QuestionTranslation.question_id.in_([q.id for q in questions.values()])))}
    for key, entry in wanted.items():
        values = {"title": entry.title, "overlay": entry.overlay, "translated_from": entry.translated_from,
                  "source_path": entry.source_path, "source_line": entry.source_line}
        row = stored.pop(key, None)
        if row is None:
            session.add(QuestionTranslation(question_id=key[0], language=key[1], **values))
        else:
            _assign_changed(row, values)
    for row in stored.values():
        session.delete(row)


def _question_values(spec: QuestionSpec, position: int) -> dict[str, object]:
    return {"qtype": spec.qtype, "title": spec.title, "data": spec.data, "tags": spec.tags,
            "difficulty": spec.difficulty, "content_hash": spec.content_hash, "source_path": spec.source_path,
            "source_line": spec.source_line, "position": position}


def _assign_changed(obj: object, values: dict[str, object]) -> bool:
    """Set only the attributes whose value differs, so unchanged content issues no UPDATE."""
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def _sync_cards(session: Session, question: Question, spec: QuestionSpec, cards: dict[str, Card],
                now: datetime) -> None:
    for position, key in enumerate(spec.card_keys):
        card = cards.get(key)
        if card is None:
            session.add(Card(question_id=question.id, card_key=key, position=position))
        else:
            _assign_changed(card, {"position": position, "retired_at": None})
    for key, card in cards.items():
        if key not in spec.card_keys and card.retired_at is None:
            card.retired_at = now
