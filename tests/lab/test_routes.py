"""The lab's pages: gallery, drawing and trace (permalink), the learner's edited copy against the shared one."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.models import LabEdit
from tests.lab.helpers import SCENARIO, write_sim_pack


def test_gallery_lists_sim_scenarios_and_examples(client, db):
    question = write_sim_pack(db.session)
    page = client.get("/lab").get_data(as_text=True)
    assert f'/lab/q{question.id}"' in page
    assert "Lab pack: NodePort" in page
    assert "/lab/ex-k8s-basic" in page and "Three nodes, flannel VXLAN" in page


def test_scenario_page_draws_and_traces_with_the_cli_text(client, db):
    question = write_sim_pack(db.session)
    page = client.get(f"/lab/q{question.id}").get_data(as_text=True)
    assert '<svg class="scenario"' in page and "pod web-1" in page and "service web (NodePort)" in page
    assert 'value="192.168.1.11:30080"' in page  # the question's own trace is offered
    result = client.get(f"/lab/q{question.id}?from=external&to=192.168.1.11:30080&seed=0")
    text = result.get_data(as_text=True)
    assert "Delivered to pod/web-1" in text
    assert "trace external -&gt; 192.168.1.11:30080 (seed 0)" in text  # the CLI's header line
    assert f"/lab/q{question.id}?from=external&amp;to=192.168.1.11:30080" in text  # the permalink


def test_bad_destination_is_explained(client, db):
    question = write_sim_pack(db.session)
    page = client.get(f"/lab/q{question.id}?from=pod/nobody&to=web:80").get_data(as_text=True)
    assert "cannot trace pod/nobody" in page


def test_private_pack_scenarios_are_hidden(client, db):
    question = write_sim_pack(db.session, slug="secret-pack", visibility="private")
    assert client.get(f"/lab/q{question.id}").status_code == 404
    assert f"/lab/q{question.id}" not in client.get("/lab").get_data(as_text=True)
    assert client.get("/lab/ex-..%2Fetc").status_code == 404


def test_edit_traces_both_and_marks_the_differing_hops(client, db, make_user, login):
    question = write_sim_pack(db.session)
    make_user()
    login()
    edited = SCENARIO.replace("targetPort: 8080", "targetPort: 9999")
    response = client.post(f"/lab/q{question.id}/edit", data={
        "scenario": edited, "from": "external", "to": "192.168.1.11:30080", "seed": "0", "action": "trace"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Before your edit" in page and "After your edit" in page
    assert 'class="hop' in page and "differs" in page
    assert '<span class="add">+  ports: [{port: 80, targetPort: 9999, nodePort: 30080}]</span>' in page
    saved = db.session.scalar(select(LabEdit))
    assert saved.text == edited and saved.scenario_key == f"q{question.id}"
    # the shared scenario is unchanged for everyone
    assert "Delivered to pod/web-1" in client.get(
        f"/lab/q{question.id}?from=external&to=192.168.1.11:30080").get_data(as_text=True)


def test_broken_edit_shows_the_line(client, db, make_user, login):
    question = write_sim_pack(db.session)
    make_user()
    login()
    broken = SCENARIO.replace("nodePort: 30080", "nodePort: 80")
    page = client.post(f"/lab/q{question.id}/edit", data={
        "scenario": broken, "from": "external", "to": "192.168.1.11:30080", "action": "trace"}).get_data(as_text=True)
    line = broken.splitlines().index("  ports: [{port: 80, targetPort: 8080, nodePort: 80}]") + 1
    assert f'<a href="#line-{line}">line {line}</a>' in page
    assert f'<tr id="line-{line}" class="bad">' in page


def test_aliases_and_oversized_text_are_refused(client, db, make_user, login, app):
    question = write_sim_pack(db.session)
    make_user()
    login()
    page = client.post(f"/lab/q{question.id}/edit", data={
        "scenario": "a: &x 1\nb: *x\n", "from": "external", "to": "1.2.3.4:80", "action": "trace"}).get_data(as_text=True)
    assert "anchor (&amp;x) is not accepted" in page
    app.config["LAB_MAX_BYTES"] = 100
    page = client.post(f"/lab/q{question.id}/edit", data={
        "scenario": SCENARIO, "from": "external", "to": "1.2.3.4:80", "action": "trace"}).get_data(as_text=True)
    assert "the lab accepts at most 100" in page


def test_reset_drops_the_copy(client, db, make_user, login):
    question = write_sim_pack(db.session)
    make_user()
    login()
    client.post(f"/lab/q{question.id}/edit", data={"scenario": SCENARIO + "# mine\n", "to": "web:80"})
    assert db.session.scalar(select(LabEdit)) is not None
    client.post(f"/lab/q{question.id}/edit", data={"action": "reset"})
    assert db.session.scalar(select(LabEdit)) is None


def test_editing_needs_a_login(client, db):
    question = write_sim_pack(db.session)
    assert client.get(f"/lab/q{question.id}/edit").status_code == 302


def test_traces_are_rate_limited_per_user(client, db, app):
    question = write_sim_pack(db.session)
    app.config["LAB_TRACE_LIMIT"] = "3 per minute"
    url = f"/lab/q{question.id}?from=external&to=192.168.1.11:30080"
    assert [client.get(url).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert client.get(f"/lab/q{question.id}").status_code == 200  # looking is not tracing
