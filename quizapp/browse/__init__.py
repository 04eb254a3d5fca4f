"""The card browser: search and filter your cards, see each card's history, flag, suspend, bury, reset."""
from quizapp.browse.routes import bp

__all__ = ["bp"]
