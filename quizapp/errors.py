"""Error pages that leak nothing: a short page (or, under /api/, a JSON error) with the status and a plain
message. The exception behind a 500 goes to the log, never to the client."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from quizapp.extensions import db, login_manager

# Pages speak the learner's language; the JSON API answers in English (its clients are programs).
MESSAGES = {
    400: _l("The request was not understood. Reload the page and try again."),
    401: _l("Log in to see this page."),
    403: _l("You may not see this page."),
    404: _l("There is nothing here. The link may be old, or the page belongs to someone else."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The upload is too large."),
    429: _l("Too many attempts. Wait a few minutes, then try again."),
    500: _l("Something went wrong on our side. It has been logged; please try again."),
    503: _l("The service is unavailable right now. Please try again shortly."),
}


# Werkzeug's status names ("Not Found") are English: the page shows ours.
NAMES = {
    400: _l("Bad Request"), 401: _l("Unauthorized"), 403: _l("Forbidden"), 404: _l("Not Found"),
    405: _l("Method Not Allowed"), 409: _l("Conflict"), 413: _l("Request Entity Too Large"),
    429: _l("Too Many Requests"), 500: _l("Internal Server Error"), 503: _l("Service Unavailable"),
}
# Flask-Limiter's limit ("10 per 1 minute") in the page's language.
UNITS = {"second": _l("second"), "minute": _l("minute"), "hour": _l("hour"), "day": _l("day"),
         "month": _l("month"), "year": _l("year")}


def _message(code: int) -> object:
    return MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])


def limit_text(exc: HTTPException) -> str | None:
    """The limit a 429 names, in the request's language (Flask-Limiter's own text is English)."""
    item = getattr(getattr(exc, "limit", None), "limit", None) if isinstance(exc, RateLimitExceeded) else None
    if item is None or getattr(exc.limit, "error_message", None):
        return exc.description or None
    unit = UNITS.get(item.GRANULARITY.name)
    if unit is None:
        return str(item)
    return _("%(amount)s per %(multiples)s %(unit)s", amount=item.amount, multiples=item.multiples, unit=unit)


def _page(code: int, name: str, message: str, detail: str | None) -> str:
    """The error page in the site's layout (header, menu, language switch); the bare page when the layout itself
    cannot be drawn (a 5xx whose cause also breaks the menu, e.g. the database)."""
    try:
        return render_template("errors/error.html", code=code, name=name, message=message, detail=detail)
    except Exception:  # noqa: BLE001 - the error page must not fail: the bare one needs no database
        if code < 500:
            raise
        current_app.logger.exception("the error page's layout failed; the bare page is shown")
        g._login_user = login_manager.anonymous_user()
        return render_template("errors/bare.html", code=code, name=name, message=message, detail=detail)


def http_error(exc: HTTPException):
    code = exc.code or 500
    name = exc.name
    problem = request.environ.get("quizapp.input_problem")  # quizapp.inputs: what in the request was refused
    if request.path.startswith("/api/"):
        with force_locale("en"):
            message = str(problem or _message(code))
        body = jsonify({"error": {"code": name.lower().replace(" ", "_"), "message": message}})
    else:
        # Only the rate limiter's limit is shown (in the page's language); every other text is ours.
        limit = limit_text(exc) if code == 429 else None
        detail = _("The limit is %(limit)s.", limit=limit) if limit else None
        if problem:
            detail = _("Refused: %(problem)s.", problem=problem)
        body = _page(code, str(NAMES.get(code, name)), str(_message(code)), detail)
    response = make_response(body, code)
    for key, value in exc.get_headers():  # Allow (405), Retry-After (429, 503), WWW-Authenticate (401)
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


RETRY_AFTER_SECONDS = 10


def database_unavailable(exc: Exception):
    """The database cannot be reached (down, restarting, out of connections): 503 with Retry-After, on pages and
    the API alike, instead of a 500 -- clients and load balancers retry a 503."""
    current_app.logger.warning("database unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is discarded at teardown
        pass
    g._login_user = login_manager.anonymous_user()  # the page's menu must not ask the database who this is
    return http_error(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS))


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)
