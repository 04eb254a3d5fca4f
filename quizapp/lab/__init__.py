"""The packet lab: trace any packet through any scenario, edit it, solve "make it work" exercises."""
from quizapp.lab.routes import bp

__all__ = ["bp"]
