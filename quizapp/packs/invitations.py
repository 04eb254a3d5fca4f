"""Adding a pack owner by invitation, so the add-owner form never tells who has an account (or which role).

The owner types an address; whatever it is, the form answers "invitation sent" and the address gets a mail with
a signed link (itsdangerous, `INVITE_MAX_AGE`) naming the pack, the address and who invited. Opening it while
logged in to an instructor account that uses that address makes that account an owner. The link stops working
when it expires or when whoever sent it no longer owns the pack. Plain functions; the views are in
`invitation_routes.py`.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from quizapp.access import can_edit_pack, is_instructor
from quizapp.auth.service import normalize_email
from quizapp.models import Pack, PackOwner, User
from quizapp.i18n.pack_titles import pack_title

INVITE_MAX_AGE = 7 * 24 * 3600
_SALT = "quizapp-pack-owner-invitation"


@dataclass(frozen=True)
class Invitation:
    pack: Pack
    email: str
    inviter: User


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def invitation_token(secret_key: str, pack: Pack, email: str, inviter: User) -> str:
    return _serializer(secret_key).dumps({"pack": pack.id, "email": normalize_email(email), "by": inviter.id})


def read(session: Session, secret_key: str, token: str) -> tuple[Invitation | None, str]:
    """The invitation a link stands for, or None and why not."""
    try:
        data = _serializer(secret_key).loads(token, max_age=INVITE_MAX_AGE)
    except SignatureExpired:
        return None, _("This invitation has expired (invitations are valid for 7 days). Ask for a new one.")
    except BadSignature:
        return None, _("This invitation link is not valid.")
    if not isinstance(data, dict):
        return None, _("This invitation link is not valid.")
    pack, inviter = session.get(Pack, data.get("pack")), session.get(User, data.get("by"))
    if pack is None or inviter is None or not can_edit_pack(session, inviter, pack):
        return None, _("This invitation is no longer valid: whoever sent it does not own the pack any more.")
    return Invitation(pack, str(data.get("email", "")), inviter), ""


def refusal(invitation: Invitation, user: User) -> str | None:
    """Why `user` (logged in) cannot accept, or None."""
    if normalize_email(user.email) != invitation.email:
        return _("This invitation was sent to another e-mail address: log in with the account that uses it.")
    if not is_instructor(user):
        return _("Only instructor accounts own packs: ask an admin to make your account an instructor "
                 "(`quizapp user promote EMAIL --role instructor`), then open the link again.")
    return None


def accept(session: Session, invitation: Invitation, user: User) -> None:
    if session.get(PackOwner, (invitation.pack.id, user.id)) is None:
        session.add(PackOwner(pack_id=invitation.pack.id, user_id=user.id))
        session.flush()


def invitation_mail(pack: Pack, inviter: User, link: str) -> tuple[str, str]:
    """The same mail to every address (its words do not depend on whether it has an account)."""
    return (_("%(name)s invites you to co-own a quizapp pack", name=inviter.display_name),
            _("Hello,\n\n%(name)s invites you to co-own the pack \"%(title)s\" on quizapp. Open this link within "
              "7 days, logged in with an instructor account that uses this e-mail address:\n\n%(link)s\n\n"
              "No account yet? Sign up with this address first; an admin makes accounts instructors. If you do "
              "not know %(name)s, ignore this message.\n", name=inviter.display_name, title=pack_title(pack), link=link))
