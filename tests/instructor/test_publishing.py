"""Publishing versions, what changed, rollback, stable ids, and the validation report of the real compiler."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from quizapp.content.compiler import compile_paths
from quizapp.models import Card, Pack, PackOwner, PackVersion, PackVersionQuestion, Question
from quizapp.packs import publishing
from quizapp.packs.uploads import read_upload
from tests.instructor.helpers import make_zip, md, pack_files, short, sim, single, SCENARIO


def version_rows(db, slug="ports-quiz"):
    db.session.expire_all()
    return db.session.scalars(select(PackVersion).join(Pack).where(Pack.slug == slug)
                              .order_by(PackVersion.number)).all()


def edited_files(**overrides) -> dict[str, bytes]:
    files = pack_files()
    files.update(overrides)
    return files


def test_publish_creates_private_pack_owned_by_the_instructor_with_version_1(client, db, instructor, log_in,
                                                                             publish_upload):
    log_in(instructor)
    assert publish_upload() == 1
    pack = db.session.scalar(select(Pack).where(Pack.slug == "ports-quiz"))
    assert pack.visibility == "private" and pack.current_version == 1
    assert [o.id for o in pack.owners] == [instructor.id]
    [v1] = version_rows(db)
    assert (v1.number, v1.source, v1.created_by_id) == (1, "upload", instructor.id)
    assert sorted(v1.added) == ["default-type", "dns-address", "sim-nodeport"] and not v1.edited and not v1.retired
    snapshot = db.session.scalars(select(PackVersionQuestion).where(PackVersionQuestion.version_id == v1.id)
                                  .order_by(PackVersionQuestion.position)).all()
    assert [row.slug for row in snapshot] == ["default-type", "dns-address", "sim-nodeport"]
    live = {q.slug: q.content_hash for q in db.session.scalars(select(Question))}
    assert {row.slug: row.content_hash for row in snapshot} == live
    sim_row = snapshot[2]
    assert len(sim_row.data["variants"]) == 3 and sim_row.data["variants"][0]["key"]  # computed by the simulator


def test_versions_list_what_changed_and_rollback_republishes_an_old_snapshot(client, db, instructor, log_in,
                                                                            publish_upload):
    log_in(instructor)
    publish_upload()
    card_ids = dict(db.session.execute(select(Question.slug, Card.id).join(Card)).all())
    v2_files = edited_files(**{"ports-quiz/services.md": md("ports-quiz", "Services",
                                                            single("default-type", right="ClusterIP (default)"),
                                                            short("new-question", title="A new one"))})
    assert publish_upload(v2_files) == 2
    v1, v2 = version_rows(db)
    assert v2.added == ["new-question"] and v2.edited == ["default-type"] and v2.retired == ["dns-address"]
    retired = db.session.scalar(select(Question).where(Question.slug == "dns-address"))
    assert retired.retired_at is not None  # kept, not deleted
    # Stable ids: the edited question keeps its row and card, so learners' history stays attached.
    assert dict(db.session.execute(select(Question.slug, Card.id).join(Card)
                                   .where(Question.slug != "new-question")).all()) == card_ids

    page = client.get("/instructor/packs/ports-quiz").get_data(as_text=True)
    assert "Roll back to 1" in page and "new-question" in page
    response = client.post("/instructor/packs/ports-quiz/rollback/1")
    assert response.status_code == 302
    v1, v2, v3 = version_rows(db)
    assert (v3.number, v3.source, v3.rolled_back_to) == (3, "rollback", 1)
    assert v3.restored == ["dns-address"] and v3.edited == ["default-type"] and v3.retired == ["new-question"]
    db.session.expire_all()
    live = {q.slug: q.content_hash for q in db.session.scalars(select(Question).where(Question.retired_at.is_(None)))}
    v1_hashes = dict(db.session.execute(select(PackVersionQuestion.slug, PackVersionQuestion.content_hash)
                                        .where(PackVersionQuestion.version_id == v1.id)).all())
    assert live == v1_hashes
    assert db.session.scalar(select(Pack.current_version)) == 3
    # the version page shows the snapshot
    assert "dns-address" in client.get("/instructor/packs/ports-quiz/versions/3").get_data(as_text=True)


def test_publishing_the_same_content_again_is_refused_without_a_new_version(client, db, instructor, log_in,
                                                                            publish_upload, upload):
    log_in(instructor)
    publish_upload()
    response = upload({"pack.zip": make_zip(pack_files())})
    draft_id = response.headers["Location"].rsplit("/", 1)[1]
    refused = client.post(f"/instructor/drafts/{draft_id}/publish", follow_redirects=True)
    assert "nothing changed since version 1" in refused.get_data(as_text=True)
    assert len(version_rows(db)) == 1


def test_validation_report_prints_exactly_what_content_check_prints(client, db, instructor, log_in, upload,
                                                                      runner, tmp_path, monkeypatch):
    broken = {
        "ports-quiz/services.md": md("ports-quiz", "Services", single("q1").replace("type: single", "type: nope"),
                                     single("q1")),
        "ports-quiz/sim.md": md("ports-quiz", "Sim", sim().replace("expect: 10.244.1.5:8080",
                                                                     "expect: 10.244.1.9:8080")),
        "ports-quiz/scenarios/cluster.yaml": SCENARIO.encode(),
    }
    for name, body in broken.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    monkeypatch.chdir(tmp_path)
    check = runner.invoke(args=["content", "check", "ports-quiz"])
    assert check.exit_code == 1
    expected = [line for line in check.output.splitlines() if line.startswith("ports-quiz/")]
    assert len(expected) >= 3 and any("simulator" in line or "expect" in line for line in expected)

    log_in(instructor)
    response = upload({"pack.zip": make_zip(broken)})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    from markupsafe import escape
    for line in expected:
        assert str(escape(line)) in page
    assert f"{len(expected)} problem(s) in 2 file(s); nothing was published." in page
    assert "Publish" not in page.split("Validation report")[1].split("</section>")[0].replace("published", "")
    assert db.session.scalar(select(func.count()).select_from(Pack)) == 0


def test_several_markdown_files_without_a_zip(client, db, instructor, log_in, publish_upload):
    log_in(instructor)
    files = {"services.md": md("plain-pack", "Services", single("q1")), "dns.md": md("plain-pack", "DNS", short("q2"))}
    assert publish_upload(files, as_zip=False) == 1
    assert db.session.scalar(select(func.count()).select_from(Question)) == 2


def test_an_upload_naming_two_packs_is_refused(db, instructor):
    uploaded = read_upload([("a.md", md("pack-a", "A", single("q1"))), ("b.md", md("pack-b", "B", single("q2")))])
    draft, validation = publishing.create_draft(db.session, instructor, uploaded)
    assert draft.status == "invalid"
    assert any("an upload publishes one pack, but the files name 2" in p for p in validation.problems)


def test_a_database_error_during_publish_writes_nothing(db, instructor, monkeypatch):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    db.session.commit()
    before = (db.session.scalar(select(func.count()).select_from(PackVersionQuestion)),
              sorted(db.session.execute(select(Question.slug, Question.content_hash, Question.retired_at)).all()))
    edited = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(edited_files(**{
        "ports-quiz/services.md": md("ports-quiz", "Services", single("default-type", right="Edited"))})))])
    ).bank.packs.values()))

    record = publishing._record_version

    def fails_after_flushing_everything(*args, **kwargs):
        record(*args, **kwargs)  # bank, version row and snapshot all flushed
        raise RuntimeError("the connection dropped before COMMIT")
    monkeypatch.setattr(publishing, "_record_version", fails_after_flushing_everything)
    with pytest.raises(RuntimeError):
        publishing.publish_spec(db.session, instructor, edited, source="upload")
    db.session.rollback()
    db.session.expire_all()
    after = (db.session.scalar(select(func.count()).select_from(PackVersionQuestion)),
             sorted(db.session.execute(select(Question.slug, Question.content_hash, Question.retired_at)).all()))
    assert after == before
    assert db.session.scalar(select(Pack.current_version)) == 1


def test_content_build_keeps_working_and_records_site_versions(runner, db, tmp_path):
    folder = tmp_path / "content"
    folder.mkdir()
    (folder / "a.md").write_bytes(md("site-pack", "A", single("q1")))
    result = runner.invoke(args=["content", "build", str(folder)])
    assert result.exit_code == 0 and "Changes: 1 added" in result.output
    assert runner.invoke(args=["content", "build", str(folder)]).exit_code == 0  # unchanged: no new version
    (folder / "a.md").write_bytes(md("site-pack", "A", single("q1", right="Edited")))
    assert runner.invoke(args=["content", "build", str(folder)]).exit_code == 0
    rows = version_rows(db, "site-pack")
    assert [(v.number, v.source, v.edited) for v in rows] == [(1, "build", []), (2, "build", ["q1"])]
    pack = db.session.scalar(select(Pack).where(Pack.slug == "site-pack"))
    assert pack.visibility == "public" and pack.owners == []


def test_content_build_refuses_a_pack_id_an_instructor_owns(runner, db, instructor, tmp_path):
    spec = next(iter(publishing.compile_upload(read_upload([("p.zip", make_zip(pack_files()))])).bank.packs.values()))
    publishing.publish_spec(db.session, instructor, spec, source="upload")
    db.session.commit()
    (tmp_path / "x.md").write_bytes(md("ports-quiz", "X", single("hijack")))
    result = runner.invoke(args=["content", "build", str(tmp_path)])
    assert result.exit_code == 1 and "belongs to an instructor (ines@example.org)" in result.output
    assert db.session.scalar(select(func.count()).select_from(Question).where(Question.slug == "hijack")) == 0


def test_pack_publish_cli(runner, db, instructor, learner, tmp_path):
    for name, body in pack_files().items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    folder = str(tmp_path / "ports-quiz")
    refused = runner.invoke(args=["pack", "publish", folder, "--owner", learner.email])
    assert refused.exit_code == 1 and "is not an instructor's account" in refused.output
    result = runner.invoke(args=["pack", "publish", folder, "--owner", instructor.email])
    assert result.exit_code == 0, result.output
    assert "version 1: 3 added, 0 edited, 0 retired, 0 restored" in result.output
    (tmp_path / "ports-quiz" / "services.md").write_bytes(md("ports-quiz", "Services", single("default-type"),
                                                             short("dns-address").replace("type: short", "type: bad")))
    failed = runner.invoke(args=["pack", "publish", folder, "--owner", instructor.email])
    assert failed.exit_code == 1
    expected = [str(p) for p in compile_paths([folder]).problems]
    assert expected and all(line in failed.output for line in expected)
    assert "nothing was published" in failed.output
    assert [v.number for v in version_rows(db)] == [1]
    assert db.session.scalar(select(PackOwner.user_id)) == instructor.id


def test_user_promote_cli(runner, db, learner):
    result = runner.invoke(args=["user", "promote", learner.email, "--role", "instructor"])
    assert result.exit_code == 0 and "learner -> instructor" in result.output
    db.session.expire_all()
    assert db.session.get(type(learner), learner.id).role == "instructor"
    assert runner.invoke(args=["user", "promote", "nobody@example.org"]).exit_code == 1


@pytest.mark.parametrize("fmt, mimetype, suffix", [("apkg", "application", ".apkg"), ("gift", "text", ".gift.txt"),
                                                   ("moodle-xml", "xml", ".xml"), ("qti", "zip", ".zip")])
def test_the_pack_page_downloads_each_exchange_format(client, db, instructor, log_in, publish_upload, fmt,
                                                      mimetype, suffix):
    log_in(instructor)
    publish_upload()
    assert f"/instructor/packs/ports-quiz/export/{fmt}" in client.get("/instructor/packs/ports-quiz").get_data(as_text=True)
    response = client.get(f"/instructor/packs/ports-quiz/export/{fmt}")
    assert response.status_code == 200 and mimetype in response.mimetype
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and disposition.rstrip('"').endswith(suffix)
    assert len(response.data) > 200
    assert client.get("/instructor/packs/ports-quiz/export/docx").status_code == 404
