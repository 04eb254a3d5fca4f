"""Security headers, cookie flags, no inline script or style anywhere, versioned static files."""
from __future__ import annotations

from html.parser import HTMLParser

import re

from quizapp.security import CONTENT_SECURITY_POLICY
from tests.conftest import make_app
from tests.production.helpers import answer_form, single_choice_card


class InlineFinder(HTMLParser):
    """Collects what a strict CSP would block: inline <script>, <style>, style="" and on*="" attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower() for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name in names:
            if name == "style" or name.startswith("on"):
                self.found.append(f"{name}= on <{tag}>")
        for name, value in attrs:
            if name.lower() in ("href", "src", "action") and (value or "").lower().startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.found


def test_every_page_carries_the_security_headers(client):
    for path in ("/", "/login", "/healthz", "/no-such-page", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "Strict-Transport-Security" not in headers  # plain http: no HSTS


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://quiz.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_is_httponly_lax_and_secure_over_https(client, make_user, database_url, tmp_path):
    make_user()
    form = {"email": "ada@example.org", "password": "correct horse", "remember": "y"}
    plain = client.post("/login", data=form)
    cookies = plain.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session and "Secure" not in session
    remember = next(c for c in cookies if c.startswith("remember_token="))
    assert "HttpOnly" in remember and "SameSite=Lax" in remember

    # Another app object: the fixture's app context (and Flask-Login's cached user in `g`) is not shared.
    https = make_app(database_url, tmp_path / "https").test_client()
    secure = https.post("/login", data=form, base_url="https://quiz.example")
    assert secure.status_code == 302
    cookies = secure.headers.getlist("Set-Cookie")
    assert cookies and all("; Secure" in c and "HttpOnly" in c and "SameSite=Lax" in c for c in cookies), cookies


def test_behind_a_tls_proxy_the_forwarded_scheme_counts_only_when_trusted(database_url, tmp_path, make_user):
    make_user()
    form = {"email": "ada@example.org", "password": "correct horse"}
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    trusting = make_app(database_url, tmp_path / "proxied", PROXY_COUNT=1).test_client()
    response = trusting.post("/login", data=form, headers=forwarded)
    assert "; Secure" in response.headers["Set-Cookie"] and "Strict-Transport-Security" in response.headers
    untrusting = make_app(database_url, tmp_path / "direct").test_client()
    response = untrusting.post("/login", data=form, headers=forwarded)
    assert "; Secure" not in response.headers["Set-Cookie"] and "Strict-Transport-Security" not in response.headers


def test_no_page_has_inline_script_style_or_handlers(client, bank, make_user, login, db):
    pages = {}
    for path in ("/", "/login", "/signup", "/packs/fixture-pack/study", "/no-such-page"):
        pages[path] = client.get(path)
    card = single_choice_card(db)
    pages["anonymous feedback"] = client.post("/packs/fixture-pack/study", data=answer_form(card))
    make_user()
    login()
    for path in ("/", "/packs/fixture-pack/study", "/stats", "/account", "/export/import"):
        pages[path] = client.get(path)
    answered = client.post("/packs/fixture-pack/study", data=answer_form(card))
    pages["feedback"] = client.get(answered.headers["Location"])
    for name, response in pages.items():
        assert response.status_code in (200, 404), (name, response.status_code)
        assert inline_code(response.get_data(as_text=True)) == [], name


def test_static_files_are_versioned_and_cached_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'href="(/static/app\.css\?v=[0-9a-f]{12})"', page).group(1)
    versioned = client.get(href)
    assert versioned.status_code == 200
    assert versioned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    plain = client.get("/static/app.css")
    assert plain.headers["Cache-Control"] == "no-cache" and plain.headers.get("ETag")
    again = client.get("/static/app.css", headers={"If-None-Match": plain.headers["ETag"]})
    assert again.status_code == 304
    stale = client.get("/static/app.css?v=000000000000")
    assert stale.headers["Cache-Control"] == "no-cache"  # an old hash is never cached for long
