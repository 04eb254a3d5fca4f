"""Classes: an instructor's group of learners with a join code, assigned packs, progress and a gradebook."""
from quizapp.classes.routes import bp

__all__ = ["bp"]
