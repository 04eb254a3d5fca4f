"""Studying: pick a card, show it, check the answer, show feedback."""
from quizapp.study import focus_routes  # noqa: F401 - registers the focus pages on the blueprint
from quizapp.study.routes import bp

__all__ = ["bp"]
