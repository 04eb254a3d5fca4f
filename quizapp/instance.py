"""One-time preparation of the instance folder, done by the entry points (CLI, wsgi), never by create_app."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from quizapp.config import SECRET_KEY_FILE


def prepare_instance(instance_path: str | os.PathLike[str]) -> None:
    """Create the instance folder and a secret key kept there, unless they already exist."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / SECRET_KEY_FILE
    if key_file.exists():
        return
    try:
        # O_EXCL: two processes starting at once must not end up with different keys.
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))


def instance_path() -> str:
    """Where quizapp keeps its SQLite file and secret key: QUIZAPP_INSTANCE_PATH, else Flask's default."""
    from flask import Flask

    return os.environ.get("QUIZAPP_INSTANCE_PATH") or Flask("quizapp").instance_path
