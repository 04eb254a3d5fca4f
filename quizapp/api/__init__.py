"""The JSON API for non-browser clients: /api/v1, token auth, OpenAPI 3.1 at /api/v1/openapi.json."""
from quizapp.api.routes import bp

__all__ = ["bp"]
