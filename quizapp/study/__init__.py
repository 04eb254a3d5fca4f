"""Studying: pick a card, show it, check the answer, show feedback."""
from quizapp.study.routes import bp

__all__ = ["bp"]
