"""Who may see and who may edit a pack or a class: SQL conditions and plain predicates, no request.

Seeing a pack (studying it): public packs, for everyone (anonymous visitors too); packs shared with a class
(`visibility = 'classes'`) for the members of the classes it is assigned to; every pack its owners own; every
pack for admins. Editing a pack: its owners (instructors) and admins; site packs (no owner) only through
`quizapp content build`, or an admin. A class is seen and managed by its instructor (and admins).
"""
from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, or_, select, true

from quizapp.models import Classroom, ClassMember, ClassPack, Pack, PackOwner, User


def _user(user: Any) -> User | None:
    """The logged-in user, or None for anonymous visitors (Flask-Login's AnonymousUserMixin, or None)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def is_admin(user: Any) -> bool:
    user = _user(user)
    return user is not None and user.role == "admin"


def is_instructor(user: Any) -> bool:
    user = _user(user)
    return user is not None and user.role in ("instructor", "admin")


def owned_by(user_id: Any) -> ColumnElement[bool]:
    return exists().where(PackOwner.pack_id == Pack.id, PackOwner.user_id == user_id)


def shared_with_member(user_id: Any) -> ColumnElement[bool]:
    return and_(Pack.visibility == "classes", exists().where(
        ClassPack.pack_id == Pack.id, ClassMember.class_id == ClassPack.class_id, ClassMember.user_id == user_id))


def pack_visible_to(user: Any) -> ColumnElement[bool]:
    """A WHERE condition on `Pack`: the packs `user` (None or anonymous: a visitor) may study."""
    user = _user(user)
    if user is None:
        return Pack.visibility == "public"
    if user.role == "admin":
        return true()
    return or_(Pack.visibility == "public", owned_by(user.id), shared_with_member(user.id))


def viewer(user: Any) -> tuple[str, dict[str, int]]:
    """Which of `visible_condition`'s three forms applies to `user`, and its parameters: the hot path's
    statements are built once per form (quizapp/study/statements.py) and only the parameters change."""
    user = _user(user)
    if user is None:
        return "visitor", {}
    if user.role == "admin":
        return "admin", {}
    return "member", {"viewer_id": user.id}


@cache
def visible_condition(kind: str) -> ColumnElement[bool]:
    """`pack_visible_to` with the user's id as the bound parameter `viewer_id` (same SQL, built once)."""
    if kind == "visitor":
        return Pack.visibility == "public"
    if kind == "admin":
        return true()
    viewer_id = bindparam("viewer_id")
    return or_(Pack.visibility == "public", owned_by(viewer_id), shared_with_member(viewer_id))


def pack_editable_by(user: Any) -> ColumnElement[bool]:
    """A WHERE condition on `Pack`: the packs `user` may publish to, roll back, share and export as owner."""
    user = _user(user)
    if user is None or user.role not in ("instructor", "admin"):
        return false()
    if user.role == "admin":
        return true()
    return owned_by(user.id)


def can_see_pack(session: Any, user: Any, pack: Pack) -> bool:
    return bool(session.scalar(select(Pack.id).where(Pack.id == pack.id, pack_visible_to(user))))


def can_edit_pack(session: Any, user: Any, pack: Pack) -> bool:
    return bool(session.scalar(select(Pack.id).where(Pack.id == pack.id, pack_editable_by(user))))


def class_managed_by(user: Any) -> ColumnElement[bool]:
    """A WHERE condition on `Classroom`: the classes `user` runs (admins: all)."""
    user = _user(user)
    if user is None or user.role not in ("instructor", "admin"):
        return false()
    if user.role == "admin":
        return true()
    return Classroom.owner_id == user.id
