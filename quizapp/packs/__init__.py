"""Instructors' packs: upload, validate, preview, publish as versions, roll back, share, export."""
from quizapp.packs import invitation_routes  # noqa: F401 - registers the owner invitations
from quizapp.packs.routes import bp

__all__ = ["bp"]
