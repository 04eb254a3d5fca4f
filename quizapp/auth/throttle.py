"""Login throttling an attacker cannot turn into a lock-out.

- Failed attempts are counted per (account, address) (`LOGIN_LIMIT_PER_ACCOUNT`) and per address
  (`LOGIN_LIMIT_PER_ADDRESS`): guessing one account from one place, or many accounts from one place, is
  stopped; and nobody's failures count against the owner's own address.
- A soft limit per account, whatever the address (`LOGIN_SLOWDOWN_PER_ACCOUNT`), slows a distributed guess;
  it never applies to a browser the owner has logged in from before: a successful log-in leaves a signed
  "known device" cookie naming the account (a keyed hash of the email, not the email), and attempts carrying it
  skip the per-account limit. So failures from anywhere else can slow newcomers down, never lock the owner out
  of their usual browser.
Counters live in the limiter's storage: Redis when REDIS_URL is set, else each process's memory (then every
worker counts alone: `quizapp serve` says so when it starts more than one).
"""
from __future__ import annotations

import hashlib
import hmac

from flask import Response, current_app, request
from flask_limiter.util import get_remote_address
from itsdangerous import BadSignature, URLSafeSerializer

from quizapp.auth.service import normalize_email

KNOWN_COOKIE = "quizapp_known"
KNOWN_MAX = 5  # accounts remembered per browser
KNOWN_AGE = 400 * 24 * 3600


def _email() -> str:
    return normalize_email(request.form.get("email", ""))[:254]


def account_address_key() -> str:
    return f"login-account-address:{_email()}|{get_remote_address()}"


def account_key() -> str:
    return "login-account:" + _email()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="quizapp-known-device")


def _tag(email: str) -> str:
    key = str(current_app.secret_key).encode()
    return hmac.new(key, b"known-device:" + email.encode(), hashlib.sha256).hexdigest()[:24]


def _known_tags() -> list[str]:
    raw = request.cookies.get(KNOWN_COOKIE)
    if not raw:
        return []
    try:
        tags = _serializer().loads(raw)
    except BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)][:KNOWN_MAX] if isinstance(tags, list) else []


def known_device() -> bool:
    """Whether this browser has logged in to the account named in the form before."""
    return _tag(_email()) in _known_tags()


def remember_device(response: Response, email: str) -> None:
    tag = _tag(normalize_email(email))
    tags = [tag] + [t for t in _known_tags() if t != tag]
    response.set_cookie(KNOWN_COOKIE, _serializer().dumps(tags[:KNOWN_MAX]), max_age=KNOWN_AGE, path="/login",
                        httponly=True, samesite="Lax", secure=request.is_secure)
