"""Headers and leaks (issue #13, item 6): no-store on personal and API responses, openapi.json not built from
the Host header, the formula guard on every CSV cell (headers too), 503 + Retry-After while the database is
down, reset/unsuspend never redirecting to another pack, bidi text isolated."""
from __future__ import annotations

import csv
import io

from sqlalchemy import select

from quizapp.auth.service import create_token
from quizapp.classes import service as classes
from quizapp.models import Card, Pack
from tests.conftest import make_app


def test_personal_and_api_responses_are_not_stored(client, db, bank, make_user, login):
    user = make_user()
    assert "no-store" not in client.get("/static/app.css").headers.get("Cache-Control", "")
    login()
    for path in ("/", "/stats", "/account", "/packs/fixture-pack/study"):
        assert client.get(path).headers.get("Cache-Control") == "no-store", path
    secret = create_token(db.session, user, "t")[1]
    db.session.commit()
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert api.headers["Cache-Control"] == "no-store"


def test_openapi_does_not_echo_the_host_header(client, app):
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert document["servers"] == [{"url": "/api/v1"}]
    app.config["PUBLIC_URL"] = "https://quiz.example.org/"
    document = client.get("/api/v1/openapi.json", headers={"Host": "evil.example"}).get_json()
    assert document["servers"] == [{"url": "https://quiz.example.org/api/v1"}]


def test_every_gradebook_cell_is_guarded_headers_included(client, db, bank, make_user, login):
    teacher = make_user("ines@example.org", role="instructor")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "fixture-pack"))
    pack.title = '=HYPERLINK("http://evil.example","x")'
    room = classes.create_class(db.session, teacher, "@SUM(1)")
    classes.assign_pack(db.session, teacher, room, pack.id)
    learner = make_user("-1+1@example.org")
    learner.display_name = "+cmd"
    classes.join(db.session, learner, room.join_code)
    db.session.commit()
    login("ines@example.org")
    rows = list(csv.reader(io.StringIO(client.get(f"/classes/{room.id}/gradebook.csv").get_data(as_text=True))))
    cells = [cell for row in rows for cell in row]
    assert not [cell for cell in cells if cell and cell[0] in "=+-@"], cells
    assert any(cell.startswith("'=HYPERLINK") for cell in rows[0])


def test_the_database_down_is_503_with_retry_after(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none?connect_timeout=1", tmp_path / "down")
    client = app.test_client()
    for path in ("/", "/api/v1/me"):
        headers = {"Authorization": "Bearer qz_x"} if path.startswith("/api/") else {}
        response = client.get(path, headers=headers)
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0, path
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer qz_x"}).is_json


PRIVATE_PACK = {"secret.md": """---
pack: secret-pack
title: Secret
sources: [https://example.org]
---

## One {#one}

type: truefalse

Yes?

### Answer

true

### Explanation

Yes.
"""}


def test_reset_and_unsuspend_never_redirect_to_another_pack(client, db, bank, make_user, login):
    from tests.conftest import write_fixture_pack

    write_fixture_pack(db.session, PRIVATE_PACK)
    db.session.scalar(select(Pack).where(Pack.slug == "secret-pack")).visibility = "private"
    make_user()
    db.session.commit()
    login()
    secret_card = db.session.scalar(select(Card).join(Card.question).join(Pack).where(Pack.slug == "secret-pack"))
    for action in ("reset", "unsuspend"):
        response = client.post(f"/cards/{secret_card.id}/{action}")
        assert response.status_code == 404 and "secret-pack" not in response.headers.get("Location", "")
        assert client.post(f"/cards/99999/{action}").status_code == 404  # the same answer as a missing card


def test_names_and_emails_are_bidi_isolated_on_the_class_page(client, db, bank, make_user, login):
    teacher = make_user("ines@example.org", role="instructor")
    pack = db.session.scalar(select(Pack).where(Pack.slug == "fixture-pack"))
    room = classes.create_class(db.session, teacher, "Class")
    classes.assign_pack(db.session, teacher, room, pack.id)
    learner = make_user("lea@example.org")
    learner.display_name = "\u202egnp.exe"
    classes.join(db.session, learner, room.join_code)
    db.session.commit()
    login("ines@example.org")
    page = client.get(f"/classes/{room.id}").get_data(as_text=True)
    assert "<bdi>\u202egnp.exe</bdi>" in page
