"""Password rules for new accounts: at least 10 characters, not the email address (nor its name part), not one
of the commonly used passwords in `common_passwords.txt` (compared ignoring case)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _

MIN_LENGTH = 10
COMMON_FILE = Path(__file__).with_name("common_passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def password_problems(password: str, email: str = "") -> list[str]:
    """What is wrong with a new password, as messages for the form (empty: it is acceptable)."""
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(_("use at least %(count)d characters", count=MIN_LENGTH))
    folded = password.strip().lower()
    address = email.strip().lower()
    if address and (folded == address or folded == address.split("@")[0]):
        problems.append(_("do not use your email address as the password"))
    if folded in common_passwords():
        problems.append(_("this is one of the most common passwords; choose one nobody would guess"))
    return problems
