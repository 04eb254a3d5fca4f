"""HTTP hardening: security headers on every response, cookies Secure over https, ProxyFix behind a proxy.

- Content-Security-Policy: scripts, styles, images and fonts from this origin only; no inline script or style
  (the templates have none: behaviour lives in static/study.js, looks in static/app.css), no plugins, no
  framing (`frame-ancestors 'none'`, and X-Frame-Options DENY for older browsers), forms post to this origin.
- Referrer-Policy `strict-origin-when-cross-origin`: other sites never see a path (pack, review id).
- HSTS only on responses to https requests: sent over plain http it would be ignored, and on a development
  server it would pin `localhost` to https.
- Cookies (the session and Flask-Login's remember cookie) are HttpOnly and SameSite=Lax always, and Secure
  whenever the request came in over https. Behind a TLS-terminating load balancer set QUIZAPP_PROXIES to the
  number of proxies in front of the app: ProxyFix then trusts that many X-Forwarded-For/-Proto/-Host hops, so
  `request.is_secure` (and the rate limiter's client address) are the client's, not the proxy's.
"""
from __future__ import annotations

from flask import Flask, Response, request, session
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions (no server-side state) whose cookies are Secure whenever the request is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure

    def save_session(self, app: Flask, session, response: Response) -> None:
        super().save_session(app, session, response)
        if request.is_secure:  # also Flask-Login's remember cookie, set earlier in after_request
            cookies = response.headers.getlist("Set-Cookie")
            if any("; secure" not in cookie.lower() for cookie in cookies):
                response.headers.setlist("Set-Cookie", [
                    cookie if "; secure" in cookie.lower() else cookie + "; Secure" for cookie in cookies])


def security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _personal(response):
        headers["Cache-Control"] = "no-store"  # a shared cache or the back button must not keep it
    return response


def _personal(response: Response) -> bool:
    """Responses no cache may keep: the API, anything for a logged-in user, anything setting a cookie; static
    files (versioned, public) and explicit choices of a view are left alone."""
    if request.path.startswith("/static/"):
        return False
    if "no-store" in response.headers.get("Cache-Control", ""):
        return False
    return (request.path.startswith("/api/") or "_user_id" in session or "Set-Cookie" in response.headers
            or response.status_code in (401, 403))


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_safe(value: object) -> object:
    """A spreadsheet runs a cell starting with = + - @ (or a tab or line break before one) as a formula: such
    text is prefixed with ' so it shows as text. Numbers are left as numbers."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def csv_safe_rows(rows):
    """Every cell of every row (headers too) through `csv_safe`."""
    return [[csv_safe(cell) for cell in row] for row in rows]


def init_security(app: Flask) -> None:
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies,  # type: ignore[method-assign]
                                x_port=proxies, x_prefix=proxies)
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(security_headers)
