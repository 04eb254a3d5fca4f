"""Classes as plain functions over a session: create, join codes, membership, assigned packs.
They flush, never commit."""
from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.access import class_managed_by, pack_editable_by
from quizapp.models import Classroom, ClassMember, ClassPack, Pack, User, utcnow

# No 0/O, 1/I/L: codes are read aloud and copied from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class ClassError(ValueError):
    """A class action refused; the message says why."""


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(code: str) -> str:
    return re.sub(r"[\s\-]", "", code or "").upper()


def _free_code(session: Session) -> str:
    """A code no class has (31^8 codes: a clash is unlikely; the UNIQUE constraint is the last word)."""
    for _attempt in range(10):
        code = new_join_code()
        if session.scalar(select(Classroom.id).where(Classroom.join_code == code)) is None:
            return code
    raise ClassError(_l("could not find a free join code; try again"))


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as error:
        raise ClassError(_l("that join code was just taken; try again")) from error


def create_class(session: Session, owner: User, name: str) -> Classroom:
    if owner.role not in ("instructor", "admin"):
        raise ClassError(_l("only instructors create classes"))
    name = name.strip()
    if not name:
        raise ClassError(_l("give the class a name"))
    classroom = Classroom(name=name[:120], owner_id=owner.id, join_code=_free_code(session), created_at=utcnow())
    session.add(classroom)
    _flush(session)
    return classroom


def regenerate_code(session: Session, classroom: Classroom) -> str:
    """A new code: the old one stops working (learners already in the class stay)."""
    classroom.join_code = _free_code(session)
    _flush(session)
    return classroom.join_code


def managed_classes(session: Session, user: User) -> list[Classroom]:
    return list(session.scalars(select(Classroom).where(class_managed_by(user)).order_by(Classroom.name)))


def managed_class(session: Session, user: User, class_id: int) -> Classroom | None:
    return session.scalar(select(Classroom).where(Classroom.id == class_id, class_managed_by(user)))


def joined_classes(session: Session, user: User) -> list[Classroom]:
    return list(session.scalars(select(Classroom).join(ClassMember, ClassMember.class_id == Classroom.id)
                                .where(ClassMember.user_id == user.id).order_by(Classroom.name)))


def is_member(session: Session, user: User, classroom: Classroom) -> bool:
    return session.get(ClassMember, (classroom.id, user.id)) is not None


def join(session: Session, user: User, code: str) -> Classroom:
    classroom = session.scalar(select(Classroom).where(Classroom.join_code == normalize_code(code)))
    if classroom is None:
        raise ClassError(_l("no class has that code; check it with your instructor (codes are 8 letters and digits)"))
    if classroom.owner_id == user.id:
        raise ClassError(_l("you run this class; learners join it with the code"))
    if not is_member(session, user, classroom):
        session.add(ClassMember(class_id=classroom.id, user_id=user.id, joined_at=utcnow()))
        session.flush()
    return classroom


def leave(session: Session, user: User, classroom: Classroom) -> None:
    row = session.get(ClassMember, (classroom.id, user.id))
    if row is not None:
        session.delete(row)
        session.flush()


def remove_member(session: Session, classroom: Classroom, user_id: int) -> None:
    row = session.get(ClassMember, (classroom.id, user_id))
    if row is None:
        raise ClassError(_l("that learner is not in the class"))
    session.delete(row)
    session.flush()


def assignable_packs(session: Session, user: User) -> list[Pack]:
    """Packs an instructor may assign: their own, and every public pack."""
    return list(session.scalars(select(Pack).where(or_(pack_editable_by(user), Pack.visibility == "public"))
                                .order_by(Pack.title)))


def assign_pack(session: Session, user: User, classroom: Classroom, pack_id: int) -> tuple[Pack, bool]:
    """Assign a pack; a private pack of the instructor's becomes visible to its classes. Returns (pack,
    whether its visibility changed)."""
    pack = session.scalar(select(Pack).where(Pack.id == pack_id,
                                             or_(pack_editable_by(user), Pack.visibility == "public")))
    if pack is None:
        raise ClassError(_l("you can assign your own packs and public packs only"))
    if session.get(ClassPack, (classroom.id, pack.id)) is None:
        session.add(ClassPack(class_id=classroom.id, pack_id=pack.id, assigned_at=utcnow()))
    opened = False
    if pack.visibility == "private":
        pack.visibility = "classes"
        opened = True
    session.flush()
    return pack, opened


def unassign_pack(session: Session, classroom: Classroom, pack_id: int) -> None:
    row = session.get(ClassPack, (classroom.id, pack_id))
    if row is None:
        raise ClassError(_l("that pack is not assigned to the class"))
    session.delete(row)
    session.flush()


def member_classes_packs(session: Session, user: User) -> dict[int, list[Pack]]:
    """For a learner's class list: the packs of each class they are in, in one query."""
    rows = session.execute(select(ClassPack.class_id, Pack).join(Pack, Pack.id == ClassPack.pack_id)
                           .join(ClassMember, ClassMember.class_id == ClassPack.class_id)
                           .where(ClassMember.user_id == user.id, Pack.visibility != "private")
                           .order_by(Pack.title)).all()
    packs: dict[int, list[Pack]] = {}
    for class_id, pack in rows:
        packs.setdefault(class_id, []).append(pack)
    return packs
