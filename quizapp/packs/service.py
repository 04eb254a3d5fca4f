"""Pack management as plain functions over a session: the packs an instructor owns, visibility, owners,
what a draft would change, and exports. They flush, never commit."""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from quizapp.access import pack_editable_by
from quizapp.content.compiler import PackSpec
from quizapp.models import VISIBILITIES, Card, Classroom, ClassPack, Pack, PackOwner, Question, User, utcnow


class PackError(ValueError):
    """A pack action refused; the message says why."""


@dataclass(frozen=True)
class OwnedPack:
    pack: Pack
    questions: int
    retired: int
    cards: int


def editable_packs(session: Session, user: User) -> list[OwnedPack]:
    """The packs `user` may edit (their own; every pack for admins), with live/retired counts, in one query."""
    live = func.count(func.distinct(Question.id)).filter(Question.retired_at.is_(None))
    retired = func.count(func.distinct(Question.id)).filter(Question.retired_at.is_not(None))
    cards = func.count(func.distinct(Card.id)).filter(Card.retired_at.is_(None), Question.retired_at.is_(None))
    rows = session.execute(
        select(Pack, live, retired, cards)
        .join(Question, Question.pack_id == Pack.id, isouter=True)
        .join(Card, Card.question_id == Question.id, isouter=True)
        .where(pack_editable_by(user)).group_by(Pack.id).order_by(Pack.title)
    ).all()
    return [OwnedPack(pack, n, r, c) for pack, n, r, c in rows]


def editable_pack(session: Session, user: User, slug: str) -> Pack | None:
    return session.scalar(select(Pack).where(Pack.slug == slug, pack_editable_by(user))
                          .options(selectinload(Pack.owners)))


def set_visibility(session: Session, pack: Pack, visibility: str) -> None:
    if visibility not in VISIBILITIES:
        raise PackError(_l("visibility is one of %(choices)s", choices=", ".join(VISIBILITIES)))
    if not pack.owners:
        raise PackError(_l("the site's packs stay public; change them in content/ and rebuild"))
    pack.visibility = visibility
    pack.updated_at = utcnow()
    session.flush()


def remove_owner(session: Session, pack: Pack, user_id: int) -> None:
    owners = session.scalars(select(PackOwner).where(PackOwner.pack_id == pack.id)).all()
    row = next((o for o in owners if o.user_id == user_id), None)
    if row is None:
        raise PackError(_l("that account does not own this pack"))
    if len(owners) == 1:
        raise PackError(_l("a pack keeps at least one owner; add another owner first"))
    session.delete(row)
    session.flush()


def shared_with(session: Session, pack: Pack) -> list[Classroom]:
    return list(session.scalars(select(Classroom).join(ClassPack, ClassPack.class_id == Classroom.id)
                                .where(ClassPack.pack_id == pack.id).order_by(Classroom.name)))


@dataclass
class PlannedChanges:
    """What publishing a draft would do to the pack, before it is done."""

    pack_exists: bool
    current_version: int
    added: list[str] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: int = 0


def planned_changes(session: Session, spec: PackSpec) -> PlannedChanges:
    pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
    if pack is None:
        return PlannedChanges(False, 0, added=[q.slug for q in spec.questions])
    current = {slug: (hash_, retired is None) for slug, hash_, retired in session.execute(
        select(Question.slug, Question.content_hash, Question.retired_at).where(Question.pack_id == pack.id))}
    plan = PlannedChanges(True, pack.current_version)
    for question in spec.questions:
        if question.slug not in current:
            plan.added.append(question.slug)
        elif not current[question.slug][1]:
            plan.restored.append(question.slug)
        elif current[question.slug][0] != question.content_hash:
            plan.edited.append(question.slug)
        else:
            plan.unchanged += 1
    live = {q.slug for q in spec.questions}
    plan.retired = sorted(slug for slug, (_h, active) in current.items() if active and slug not in live)
    return plan


def live_questions(session: Session, pack: Pack) -> list[Question]:
    return list(session.scalars(select(Question).where(Question.pack_id == pack.id, Question.retired_at.is_(None))
                                .order_by(Question.position, Question.id).options(selectinload(Question.topic))))


def export(session: Session, pack: Pack, fmt: str, language: str | None = None):
    """The pack's live questions in an exchange format (`quizapp.exchange`): an `ExportedFile`, in `language`
    where the questions are translated (the pack's own language otherwise)."""
    from quizapp.exchange import export_pack
    from quizapp.study.localized import localized_pack, localized_questions

    return export_pack(localized_pack(session, pack, language),
                       localized_questions(session, live_questions(session, pack), language), fmt)
