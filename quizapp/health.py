"""`GET /healthz` for load balancers: 200 when this server can reach its database (SELECT 1), else 503.

No authentication, no session, no cookie, nothing cached; the body says which check failed, never why (the
reason goes to the log)."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from quizapp.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
        db.session.rollback()
        status, body = 200, {"status": "ok", "database": "ok"}
    except SQLAlchemyError:
        current_app.logger.exception("health check: the database is unreachable")
        try:
            db.session.rollback()
        except SQLAlchemyError:
            pass
        status, body = 503, {"status": "unavailable", "database": "unreachable"}
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
