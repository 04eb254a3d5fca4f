"""Instructors' packs: upload, validate, preview, publish as versions, roll back, share, export."""
from quizapp.packs.routes import bp

__all__ = ["bp"]
