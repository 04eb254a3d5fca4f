"""The JSON API: token auth, the study flow, and every real response validated against the OpenAPI document."""
from __future__ import annotations

import jsonschema
import pytest
from openapi_spec_validator import validate as validate_spec

from quizapp.api.openapi import openapi_document
from quizapp.auth.service import create_token
from tests.conftest import RIGHT_ANSWERS, WRONG_ANSWERS

DOCUMENT = openapi_document()


def check(response, path: str, method: str, status: int | None = None):
    """Validate a real response against the schema the document gives for it."""
    status = status or response.status_code
    assert response.status_code == status, response.get_data(as_text=True)
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), method, "responses", str(status),
                        "content", "application~1json", "schema"])
    schema = {**DOCUMENT, "$schema": "https://json-schema.org/draft/2020-12/schema", "$ref": pointer}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(response.get_json())
    return response.get_json()


def test_openapi_document_is_valid_and_served(client):
    validate_spec(DOCUMENT)
    served = client.get("/api/v1/openapi.json").get_json()
    assert served["openapi"] == "3.1.0" and served["servers"] == [{"url": "/api/v1"}]  # relative: never the Host header
    validate_spec(served)


def test_every_route_is_documented(app):
    routes = {(rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{").replace(">", "}"), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in DOCUMENT["paths"].items() for method in item}
    assert routes == documented


@pytest.fixture
def headers(bank, make_user, db):
    user = make_user()
    _row, token = create_token(db.session, user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def response_for_card(card, right):
    value = (RIGHT_ANSWERS if right else WRONG_ANSWERS)[card["question"]]
    return value[card["card_key"]] if card["type"] == "cloze" else value


def test_token_is_required(client, bank):
    for response in (client.get("/api/v1/packs"), client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}),
                     client.post("/api/v1/undo", headers={"Authorization": "Basic qz_abc"})):
        check(response, "/packs", "get", 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_study_flow_through_the_api(client, headers):
    me = check(client.get("/api/v1/me", headers=headers), "/me", "get")
    assert me["settings"]["desired_retention"] == 0.9
    packs = check(client.get("/api/v1/packs", headers=headers), "/packs", "get")["packs"]
    assert [p["slug"] for p in packs] == ["fixture-pack"] and packs[0]["due"]["new"] == packs[0]["cards"]
    review_ids = []
    for number in range(10):
        nxt = check(client.get("/api/v1/packs/fixture-pack/next", headers=headers), "/packs/{slug}/next", "get")
        card = nxt["card"]
        assert card is not None
        right = number % 2 == 0
        body = {"card_id": card["id"], "seed": card["seed"], "response": response_for_card(card, right),
                "response_ms": 900}  # fast, and still Good: time never makes a right answer Easy
        result = check(client.post("/api/v1/answers", json=body, headers=headers), "/answers", "post", 201)
        assert result["correct"] is right and result["review"]["rating"] == (3 if right else 1)
        assert result["explanation_html"]
        review_ids.append(result["review"]["id"])
    assert nxt["counts"]["done_today"] == 9
    changed = check(client.put(f"/api/v1/reviews/{review_ids[-1]}/rating", json={"rating": 2}, headers=headers),
                    "/reviews/{review_id}/rating", "put")
    assert changed["review"]["rating"] == 2 and changed["review"]["suggested_rating"] == 1
    check(client.put(f"/api/v1/reviews/{review_ids[0]}/rating", json={"rating": 2}, headers=headers),
          "/reviews/{review_id}/rating", "put", 409)
    check(client.put(f"/api/v1/reviews/{review_ids[-1]}/rating", json={"rating": 7}, headers=headers),
          "/reviews/{review_id}/rating", "put", 400)
    got = check(client.get(f"/api/v1/reviews/{review_ids[0]}", headers=headers), "/reviews/{review_id}", "get")
    assert got["review"]["state_before"] is None
    undone = check(client.post("/api/v1/undo", headers=headers), "/undo", "post")
    assert undone["undone"]["pack"] == "fixture-pack"
    check(client.get(f"/api/v1/reviews/{review_ids[-1]}", headers=headers), "/reviews/{review_id}", "get", 404)
    stats = check(client.get("/api/v1/stats", headers=headers), "/stats", "get")
    assert stats["summary"]["reviews"] == 9 and stats["summary"]["correct"] == 5
    assert sum(day["right"] + day["wrong"] for day in stats["reviews_per_day"]) == 9
    exported = check(client.get("/api/v1/export", headers=headers), "/export", "get")
    assert len(exported["reviews"]) == 9


def test_bad_requests_name_the_problem(client, headers):
    card = client.get("/api/v1/packs/fixture-pack/next", headers=headers).get_json()["card"]
    check(client.post("/api/v1/answers", data="nope", headers=headers), "/answers", "post", 400)
    check(client.post("/api/v1/answers", json={"card_id": "x", "response": {}}, headers=headers), "/answers", "post", 400)
    check(client.post("/api/v1/answers", json={"card_id": 99999, "response": {}}, headers=headers), "/answers", "post", 404)
    bad = check(client.post("/api/v1/answers", json={"card_id": card["id"], "response": {"wrong": 1}},
                            headers=headers), "/answers", "post", 400)
    assert bad["error"]["code"] == "invalid_response" and bad["error"]["path"].startswith("$.response")
    check(client.get("/api/v1/packs/nope/next", headers=headers), "/packs/{slug}/next", "get", 404)
    check(client.post("/api/v1/undo", headers=headers), "/undo", "post", 409)


def test_nothing_due_gives_a_null_card(client, headers, db):
    from quizapp.models import User

    user = db.session.query(User).one()
    user.new_per_day = 0
    db.session.commit()
    nxt = check(client.get("/api/v1/packs/fixture-pack/next", headers=headers), "/packs/{slug}/next", "get")
    assert nxt["card"] is None and nxt["counts"]["remaining"] == 0
