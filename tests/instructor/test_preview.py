"""The preview renders every question of an unpublished upload and lets the instructor answer each one."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from quizapp.content.sim_type import variant_for
from quizapp.models import PackDraft, Question
from quizapp.packs.publishing import spec_from_json
from tests.instructor.helpers import make_zip, pack_files


def preview(client, upload):
    response = upload({"pack.zip": make_zip(pack_files())})
    draft_url = response.headers["Location"]
    return draft_url, client.get(draft_url + "/preview").get_data(as_text=True)


def card_seed(page: str, slug: str, key: str = "main") -> int:
    form = page.split(f'/preview/{slug}/{key}"')[1].split("</form>")[0]
    return int(re.search(r'name="seed" value="(\d+)"', form).group(1))


def test_preview_renders_every_question_without_publishing(client, db, instructor, log_in, upload):
    log_in(instructor)
    draft_url, page = preview(client, upload)
    for slug in ("default-type", "dns-address", "sim-nodeport"):
        assert f'id="q-{slug}-main"' in page
    assert "Where does NodePort traffic land?" in page and "ClusterIP" in page
    assert db.session.scalar(select(func.count()).select_from(Question)) == 0  # nothing published


def test_preview_answers_a_sim_question_with_a_fresh_variant_and_shows_the_trace(client, db, instructor, log_in,
                                                                                 upload):
    log_in(instructor)
    draft_url, page = preview(client, upload)
    seeds = {card_seed(page, "sim-nodeport")} | {card_seed(client.get(draft_url + "/preview").get_data(as_text=True),
                                                           "sim-nodeport") for _ in range(3)}
    assert len(seeds) > 1  # a fresh variant seed on every preview
    seed = card_seed(page, "sim-nodeport")
    draft = db.session.scalar(select(PackDraft))
    data = next(q for q in spec_from_json(draft.bank).questions if q.slug == "sim-nodeport").data
    node_port = variant_for(data, seed)["params"]["nodePort"]
    assert f"192.168.1.11:{node_port}" in page.split('id="q-sim-nodeport-main"')[1]

    right = client.post(f"{draft_url}/preview/sim-nodeport/main", data={"seed": seed, "text": "10.244.1.5:8080"})
    body = right.get_data(as_text=True)
    assert right.status_code == 200 and "<h2>Right</h2>" in body
    assert "What the packet does, hop by hop" in body and "<svg" in body  # the simulator's trace
    assert f"nodePort {node_port}" in body  # the explanation of the variant answered

    wrong = client.post(f"{draft_url}/preview/sim-nodeport/main", data={"seed": seed, "text": "10.244.1.6:80"})
    assert "Not quite" in wrong.get_data(as_text=True) and "10.244.1.5:8080" in wrong.get_data(as_text=True)


def test_preview_checks_choice_and_short_answers_and_reports_malformed_ones(client, instructor, log_in, upload):
    log_in(instructor)
    draft_url, page = preview(client, upload)
    seed = card_seed(page, "default-type")
    assert "<h2>Right</h2>" in client.post(f"{draft_url}/preview/default-type/main",
                                           data={"seed": seed, "choice": "0"}).get_data(as_text=True)
    assert "Not quite" in client.post(f"{draft_url}/preview/default-type/main",
                                      data={"seed": seed, "choice": "1"}).get_data(as_text=True)
    malformed = client.post(f"{draft_url}/preview/default-type/main", data={"seed": seed})
    assert malformed.status_code == 400 and "Choose an answer" in malformed.get_data(as_text=True)
    assert "<h2>Right</h2>" in client.post(f"{draft_url}/preview/dns-address/main",
                                           data={"seed": 1, "text": " 127.0.0.11 "}).get_data(as_text=True)
    assert client.post(f"{draft_url}/preview/nope/main", data={"seed": 1}).status_code == 404


def test_preview_and_drafts_belong_to_their_uploader(client, instructor, other_instructor, log_in, upload):
    log_in(instructor)
    draft_url, _page = preview(client, upload)
    log_in(other_instructor)
    assert client.get(draft_url).status_code == 404
    assert client.get(draft_url + "/preview").status_code == 404
    assert client.post(draft_url + "/publish").status_code == 404
