"""Progress export (JSON, CSV, xAPI) and import of a JSON export."""
from quizapp.export.routes import bp

__all__ = ["bp"]
