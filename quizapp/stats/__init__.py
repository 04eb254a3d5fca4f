"""The learner's statistics page: server-rendered SVG charts."""
from quizapp.stats.routes import bp

__all__ = ["bp"]
