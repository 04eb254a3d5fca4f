"""quizapp: study container networking with spaced repetition.

The package imports nothing heavy: `quizapp.sim` (the pure simulator) and `quizapp.content` (the compiler) load
neither Flask nor SQLAlchemy, so the command line starts at once. `create_app` lives in `quizapp.factory` and is
imported on first use (`from quizapp import create_app` works as before).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quizapp.factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from quizapp.factory import create_app

        return create_app
    raise AttributeError(f"module 'quizapp' has no attribute {name!r}")
