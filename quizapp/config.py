"""Configuration read from the environment.

`DATABASE_URL` selects the database (default: SQLite in the instance folder). `SECRET_KEY` signs sessions;
when unset, the key kept in the instance folder is used (see `quizapp.instance.prepare_instance`).
`REDIS_URL` keeps rate-limit counters in Redis; `QUIZAPP_PROXIES` is the number of trusted proxies in front.
"""
from __future__ import annotations

import os
from pathlib import Path

from quizapp.mail import mail_config

SECRET_KEY_FILE = "secret_key"
SQLITE_FILE = "quizapp.sqlite"


def normalize_database_url(url: str) -> str:
    """Accept the common `postgres://` and `postgresql://` spellings and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def config_from_env(instance_path: str | os.PathLike[str], environ: dict[str, str] | None = None) -> dict:
    """Build the app's configuration from environment variables (pure: reads files, writes nothing)."""
    environ = dict(os.environ if environ is None else environ)
    instance = Path(instance_path)
    database_url = environ.get("DATABASE_URL") or f"sqlite:///{instance / SQLITE_FILE}"
    secret_key = environ.get("SECRET_KEY")
    if not secret_key:
        key_file = instance / SECRET_KEY_FILE
        if key_file.exists():
            secret_key = key_file.read_text().strip()
    return {
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(database_url),
        "SECRET_KEY": secret_key,
        "CONTENT_DIR": environ.get("QUIZAPP_CONTENT_DIR", str(Path(__file__).resolve().parent.parent / "content")),
        # Rate-limit counters: in Redis when REDIS_URL is set (shared by all app servers); else the log-in,
        # sign-up and invitation counters in the database (shared too) and the others in memory
        # (quizapp/limiter_store.py).
        "RATELIMIT_STORAGE_URI": environ.get("REDIS_URL") or "quizappdb://",
        # Proxies in front of the app whose X-Forwarded-* headers are trusted (ProxyFix); 0: none.
        "PROXY_COUNT": int(environ.get("QUIZAPP_PROXIES") or 0),
        # The site's public address (https://quiz.example.org), for documents that name it (openapi.json).
        "PUBLIC_URL": environ.get("QUIZAPP_PUBLIC_URL") or "",
        # Answers per learner (API token, session or address): far above anyone reading the questions.
        "ANSWER_LIMIT_PER_USER": environ.get("QUIZAPP_ANSWER_LIMIT") or "300 per minute",
        **mail_config(environ),  # password reset e-mail (quizapp/mail.py)
    }
