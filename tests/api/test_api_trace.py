"""POST /api/v1/trace: a scenario's text or a lab scenario id; responses checked against the OpenAPI document."""
from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.auth.service import create_token
from quizapp.sim import format_trace, load_scenario, trace
from tests.api.test_api_v1 import check
from tests.lab.helpers import SCENARIO, write_sim_pack

K8S_BASIC = Path(__file__).resolve().parents[1] / "sim" / "scenarios" / "k8s-basic.yaml"


@pytest.fixture
def headers(make_user, db):
    user = make_user()
    _row, token = create_token(db.session, user, "test")
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_trace_of_scenario_text_is_the_cli_trace(client, headers):
    body = check(client.post("/api/v1/trace", headers=headers, json={
        "scenario": SCENARIO, "from": "external", "to": "192.168.1.11:30080", "seed": 0}), "/trace", "post", 200)
    expected = trace(load_scenario(SCENARIO), "external", "192.168.1.11:30080", seed=0)
    assert body["trace"] == expected.to_dict()
    assert body["text"] == format_trace(expected)


def test_trace_by_scenario_id(client, headers, db):
    question = write_sim_pack(db.session)
    body = check(client.post("/api/v1/trace", headers=headers, json={
        "scenario_id": f"q{question.id}", "from": "external", "to": "192.168.1.11:30080"}), "/trace", "post", 200)
    assert body["trace"]["endpoint"]["name"] == "web-1"
    body = check(client.post("/api/v1/trace", headers=headers, json={
        "scenario_id": "ex-k8s-basic", "from": "pod/client", "to": "web:80"}), "/trace", "post", 200)
    assert body["trace"]["delivered"] is True


def test_private_scenario_ids_are_not_found(client, headers, db):
    question = write_sim_pack(db.session, slug="hidden", visibility="private")
    check(client.post("/api/v1/trace", headers=headers, json={
        "scenario_id": f"q{question.id}", "from": "external", "to": "192.168.1.11:30080"}), "/trace", "post", 404)


def test_invalid_scenarios_and_requests_say_where(client, headers, app):
    body = check(client.post("/api/v1/trace", headers=headers, json={
        "scenario": SCENARIO.replace("nodePort: 30080", "nodePort: 80"), "from": "external",
        "to": "192.168.1.11:30080"}), "/trace", "post", 400)
    assert body["error"]["code"] == "invalid_scenario" and "line " in body["error"]["message"]
    body = check(client.post("/api/v1/trace", headers=headers, json={
        "scenario": "a: &x 1\nb: *x\n", "from": "external", "to": "1.2.3.4:80"}), "/trace", "post", 400)
    assert "line 1: an anchor" in body["error"]["message"]
    body = check(client.post("/api/v1/trace", headers=headers, json={"scenario": SCENARIO, "from": "external"}),
                 "/trace", "post", 400)
    assert body["error"]["path"] == "$.to"
    app.config["LAB_MAX_BYTES"] = 100
    check(client.post("/api/v1/trace", headers=headers, json={
        "scenario": SCENARIO, "from": "external", "to": "1.2.3.4:80"}), "/trace", "post", 413)


def test_token_required_and_rate_limited(client, headers, app):
    check(client.post("/api/v1/trace", json={"scenario": SCENARIO, "from": "external", "to": "1.2.3.4:80"}),
          "/trace", "post", 401)
    app.config["LAB_TRACE_LIMIT"] = "2 per minute"
    request = {"scenario_id": "ex-k8s-basic", "from": "pod/client", "to": "web:80"}
    statuses = [client.post("/api/v1/trace", headers=headers, json=request).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    check(client.post("/api/v1/trace", headers=headers, json=request), "/trace", "post", 429)
