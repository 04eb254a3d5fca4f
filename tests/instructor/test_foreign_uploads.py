"""The upload page reads every format `quizapp pack import` reads: same validation report and preview."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.exchange.anki import export_apkg
from quizapp.models import PackDraft
from quizapp.packs.publishing import spec_from_json
from tests.exchange.helpers import fixture_pack

FIXTURES = Path(__file__).parents[1] / "exchange" / "fixtures"


def post(client, name: str, body: bytes, **fields: str):
    data = {"files": [(io.BytesIO(body), name)], **fields}
    return client.post("/instructor/packs/upload", data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("name, body, fields, pack, questions", [
    ("networking-basics.gift", (FIXTURES / "foreign.gift").read_bytes(), {}, "networking-basics", 8),
    ("moodle.xml", (FIXTURES / "moodle-export.xml").read_bytes(), {"pack_id": "ports-quiz"}, "ports-quiz", 6),
    ("quiz.md", (FIXTURES / "text2qti-quiz.txt").read_bytes(), {"fmt": "text2qti"}, "quiz", None),
    ("fixture.apkg", export_apkg(fixture_pack()).content, {"pack_id": "fixture-pack"}, "fixture-pack", 8),
])
def test_foreign_files_give_the_same_report_and_preview_as_markdown(client, db, instructor, log_in, name, body,
                                                                    fields, pack, questions):
    log_in(instructor)
    response = post(client, name, body, **fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    draft = db.session.scalar(select(PackDraft).order_by(PackDraft.id.desc()))
    assert draft.status == "valid", draft.problems
    assert draft.pack_slug == pack and all(n.startswith(name) for n in draft.notes if ":" in n)
    assert all(path.startswith(f"{pack}/") and path.endswith(".md") for path in draft.file_names)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert pack in page
    preview = client.get(response.headers["Location"] + "/preview")
    assert preview.status_code == 200
    spec = spec_from_json(draft.bank)
    if questions is not None:
        assert len(spec.questions) == questions
    for question in spec.questions:  # every question can be tried in the preview, as for Markdown
        assert f'id="q-{question.slug}-' in preview.get_data(as_text=True), question.slug


def test_reports_name_the_file_and_line(client, db, instructor, log_in):
    log_in(instructor)
    response = post(client, "moodle.xml", (FIXTURES / "moodle-export.xml").read_bytes())
    draft = db.session.scalar(select(PackDraft))
    assert "moodle.xml:129: extra answer 'application' (a distractor)" in " | ".join(draft.notes)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "moodle.xml:129:" in page


def test_unreadable_foreign_files_are_refused_with_the_reason(client, instructor, log_in):
    log_in(instructor)
    broken = post(client, "deck.apkg", b"not a zip")
    assert broken.status_code == 400 and "not an Anki package" in broken.get_data(as_text=True)
    bad_xml = post(client, "quiz.xml", b"<quiz><question>")
    assert bad_xml.status_code == 400 and "quiz.xml:1: not well-formed" in bad_xml.get_data(as_text=True)
    bad_id = post(client, "quiz.xml", b"<quiz/>", pack_id="Not Valid")
    assert bad_id.status_code == 400 and "lowercase letters" in bad_id.get_data(as_text=True)
