"""`quizapp pack export|import` through Flask's CLI runner, on a fresh database."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from tests.conftest import FIXTURE_PACK

FIXTURES = Path(__file__).parent / "fixtures"
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def build(db, sources, now):
    result = compile_sources(sorted((name, text.encode()) for name, text in sources.items()))
    assert result.ok, result.problems
    report = write_bank(db.session, result.bank, now=now)
    db.session.commit()
    return report


@pytest.fixture
def pack(db):
    build(db, FIXTURE_PACK, T0)
    return "fixture-pack"


@pytest.mark.parametrize("fmt", ["apkg", "gift", "moodle-xml", "qti"])
def test_export_each_format(runner, pack, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    result = runner.invoke(args=["pack", "export", "--format", fmt, "--output", str(target), pack])
    assert result.exit_code == 0, result.output
    assert ("Wrote 8 notes" if fmt == "apkg" else "questions of pack 'fixture-pack'") in result.output
    data = target.read_bytes()
    if fmt in ("apkg", "qti"):
        assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None
    elif fmt == "moodle-xml":
        # 8 questions; the reversible flashcard adds its back -> front essay, the cloze one question per card
        assert len([q for q in ET.fromstring(data) if q.get("type") != "category"]) == 10
    else:
        assert data.decode().count("// quizapp: id=") == 10


def test_export_skips_retired_questions_and_keeps_order(runner, db, pack, tmp_path):
    smaller = dict(FIXTURE_PACK)
    smaller["pods.md"] = smaller["pods.md"].split("## NodePort hops")[0]  # retires ordering and matching
    build(db, smaller, T0 + timedelta(days=1))
    target = tmp_path / "pack.gift"
    result = runner.invoke(args=["pack", "export", "--format", "gift", "-o", str(target), pack])
    assert result.exit_code == 0, result.output
    text = target.read_text()
    assert "nodeport-hop-order" not in text and "port-declared-by" not in text
    ids = [line.split("id=")[1].split()[0] for line in text.splitlines() if line.startswith("// quizapp: id=")]
    assert list(dict.fromkeys(ids)) == ["what-is-pod-ip", "flannel-default-network", "default-service-type",
                                        "nodeport-also-gets", "containerport-opens-port",
                                        "docker-embedded-dns-address"]


def test_unknown_pack_is_refused_with_the_known_ones(runner, pack):
    result = runner.invoke(args=["pack", "export", "--format", "gift", "nope"])
    assert result.exit_code != 0
    assert "no pack 'nope'; known packs: fixture-pack" in result.output


def test_anki_reimport_after_an_edit_updates_only_the_edited_notes(runner, db, pack, tmp_path):
    collection = Collection(str(tmp_path / "collection.anki2"))
    try:
        def export_and_import(name):
            target = tmp_path / name
            result = runner.invoke(args=["pack", "export", "--format", "apkg", "-o", str(target), pack])
            assert result.exit_code == 0, result.output
            request = ImportAnkiPackageRequest(package_path=str(target), options=ImportAnkiPackageOptions())
            return collection.import_anki_package(request).log

        first = export_and_import("v1.apkg")
        assert len(first.new) == 8
        edited = dict(FIXTURE_PACK)
        edited["ports.md"] = edited["ports.md"].replace("`ClusterIP` is the default Service type.",
                                                        "ClusterIP is the default, always.")
        build(db, edited, T0 + timedelta(days=2))
        second = export_and_import("v2.apkg")
        assert not second.new
        assert [n.fields[-1] for n in second.updated] == ["fixture-pack/default-service-type"]
        assert len(second.duplicate) == 7
        assert collection.note_count() == 8
    finally:
        collection.close()


@pytest.mark.parametrize("fmt,fixture", [("gift", "foreign.gift"), ("text2qti", "text2qti-quiz.txt"),
                                         ("gift", "moodle-export.gift"), ("moodle-xml", "moodle-export.xml")])
def test_import_writes_markdown_that_content_check_accepts(runner, tmp_path, fmt, fixture):
    out = tmp_path / "imported"
    result = runner.invoke(args=["pack", "import", "--format", fmt, str(FIXTURES / fixture),
                                 "--pack-id", "imported", "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "not carried over" in result.output
    assert f"{FIXTURES / fixture}:" in result.output  # the report names file:line
    files = sorted(out.glob("*.md"))
    assert files
    check = runner.invoke(args=["content", "check", str(out)])
    assert check.exit_code == 0, check.output
    again = runner.invoke(args=["pack", "import", "--format", fmt, str(FIXTURES / fixture),
                                "--pack-id", "imported", "--output", str(out)])
    assert again.exit_code != 0 and "already exist" in again.output


def test_import_refuses_bad_pack_id_and_non_utf8(runner, tmp_path):
    bad = runner.invoke(args=["pack", "import", "--format", "gift", str(FIXTURES / "foreign.gift"),
                              "--pack-id", "Not Valid"])
    assert bad.exit_code != 0 and "lowercase letters" in bad.output
    latin = tmp_path / "latin.gift"
    latin.write_bytes("::Q::Caf\u00e9{T}\n".encode("latin-1"))
    result = runner.invoke(args=["pack", "import", "--format", "gift", str(latin), "--pack-id", "x",
                                 "--output", str(tmp_path / "x")])
    assert result.exit_code != 0 and "latin.gift:1: the file is not UTF-8" in result.output


def test_import_an_anki_package(runner, tmp_path):
    from quizapp.exchange.anki import export_apkg
    from tests.exchange.helpers import fixture_pack

    package = tmp_path / "deck.apkg"
    package.write_bytes(export_apkg(fixture_pack()).content)
    out = tmp_path / "from-anki"
    result = runner.invoke(args=["pack", "import", "--format", "apkg", str(package), "--pack-id", "fixture-pack",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 8 question(s)" in result.output
    check = runner.invoke(args=["content", "check", str(out)])
    assert check.exit_code == 0, check.output
    broken = tmp_path / "broken.apkg"
    broken.write_bytes(b"not a zip")
    refused = runner.invoke(args=["pack", "import", "--format", "apkg", str(broken), "--pack-id", "x",
                                  "--output", str(tmp_path / "x")])
    assert refused.exit_code != 0 and f"{broken}: not an Anki package" in refused.output
