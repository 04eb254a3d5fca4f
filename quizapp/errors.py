"""Error pages that leak nothing: a short page (or, under /api/, a JSON error) with the status and a plain
message. The exception behind a 500 goes to the log, never to the client."""
from __future__ import annotations

from flask import Flask, current_app, g, jsonify, make_response, render_template, request
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
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


def _message(code: int) -> object:
    return MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])


def http_error(exc: HTTPException):
    code = exc.code or 500
    name = exc.name
    # Only the rate limiter's description is shown (it names the limit); every other text is ours.
    detail = _("The limit is %(limit)s.", limit=exc.description) if code == 429 and exc.description else None
    problem = request.environ.get("quizapp.input_problem")  # quizapp.inputs: what in the request was refused
    if problem:
        detail = _("Refused: %(problem)s.", problem=problem)
    if request.path.startswith("/api/"):
        with force_locale("en"):
            message = problem or str(_message(code))
        body = jsonify({"error": {"code": name.lower().replace(" ", "_"), "message": message}})
    else:
        body = render_template("errors/error.html", code=code, name=name, message=str(_message(code)),
                               detail=detail)
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
