"""The .apkg export, imported by the real Anki client (the `anki` package, a test-only dependency)."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import genanki
import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from quizapp.exchange.anki import (
    CLOZE_MODEL_ID,
    FLASHCARD_MODEL_ID,
    QUESTION_MODEL_ID,
    deck_id,
    export_apkg,
)
from tests.conftest import FIXTURE_PACK
from tests.exchange.helpers import compile_files, docs_pack, fixture_pack, shipped_pack


@pytest.fixture
def collection(tmp_path: Path):
    col = Collection(str(tmp_path / "collection.anki2"))
    yield col
    col.close()


def import_into(col: Collection, pack, tmp_path: Path, name: str = "pack.apkg", timestamp: float | None = None):
    path = tmp_path / name
    path.write_bytes(export_apkg(pack, timestamp=timestamp).content)
    request = ImportAnkiPackageRequest(package_path=str(path), options=ImportAnkiPackageOptions())
    return col.import_anki_package(request).log


def notes_by_type(col: Collection) -> Counter:
    return Counter(col.get_note(nid).note_type()["name"] for nid in col.find_notes(""))


def test_fixture_pack_imports_with_expected_notes_cards_and_note_types(collection, tmp_path):
    log = import_into(collection, fixture_pack(), tmp_path)
    assert len(log.new) == 8 and not log.updated and not log.duplicate
    assert notes_by_type(collection) == {"quizapp Flashcard": 1, "quizapp Cloze": 1, "quizapp Question": 6}
    # reversible flashcard: 2 cards; cloze c1 + c2: 2 cards; 6 questions: 6 cards
    assert collection.card_count() == 10
    assert [d.name for d in collection.decks.all_names_and_ids() if d.name != "Default"] == ["Fixture pack"]
    guids = {collection.get_note(nid).guid for nid in collection.find_notes("")}
    assert genanki.guid_for("fixture-pack", "flannel-default-network") in guids


def test_cloze_becomes_an_anki_cloze_note_with_hint(collection, tmp_path):
    import_into(collection, fixture_pack(), tmp_path)
    (nid,) = collection.find_notes('"note:quizapp Cloze"')
    text = collection.get_note(nid)["Text"]
    assert "{{c1::10.244.0.0/16}}" in text and "{{c2::/24::prefix length}}" in text
    cards = collection.get_note(nid).cards()
    assert sorted(card.ord for card in cards) == [0, 1]
    assert "10.244.0.0/16" in cards[0].answer() and "[...]" in cards[0].question()


def test_choices_key_explanation_source_and_tags_are_kept(collection, tmp_path):
    import_into(collection, fixture_pack(), tmp_path)
    (nid,) = collection.find_notes('"Id:fixture-pack/nodeport-also-gets"')
    note = collection.get_note(nid)
    assert "a public IP from the cloud provider" in note["Question"]
    assert "A. a Cluster IP" in note["Answer"] and "cloud provider" not in note["Answer"]
    assert "NodePort builds on ClusterIP" in note["Explanation"]
    assert "kubernetes.io/docs/concepts/services-networking/service/" in note["Source"]
    assert set(note.tags) >= {"nodeport", "port", "topic::ports"}
    answer = note.cards()[0].answer()
    assert "A. a Cluster IP" in answer and "NodePort builds on ClusterIP" in answer


def test_sim_question_exports_variant_one_with_key_and_trace(collection, tmp_path):
    pack = docs_pack()
    sim = next(q for q in pack.questions if q.qtype == "sim")
    import_into(collection, pack, tmp_path)
    (nid,) = collection.find_notes(f'"Id:docs/{sim.slug}"')
    note = collection.get_note(nid)
    variant = sim.data["variants"][0]
    assert f"192.168.1.11:{variant['params']['nodePort']}" in note["Question"]
    assert "${" not in note["Question"]
    assert note["Answer"] == f'<span class="key">{variant["key"]}</span>'
    assert "KUBE-SEP" in note["Explanation"] and "trace external" in note["Explanation"]


def test_shipped_bank_imports_every_question_once(collection, tmp_path):
    pack = shipped_pack()
    log = import_into(collection, pack, tmp_path)
    assert len(log.new) == len(pack.questions)
    assert collection.card_count() == sum(len(q.card_keys) for q in pack.questions)
    types = notes_by_type(collection)
    assert types["quizapp Cloze"] == sum(q.qtype == "cloze" for q in pack.questions)
    assert types["quizapp Flashcard"] == sum(q.qtype == "flashcard" for q in pack.questions)


def test_reimport_of_an_edited_pack_updates_instead_of_duplicating(collection, tmp_path):
    first = import_into(collection, fixture_pack(), tmp_path, "v1.apkg", timestamp=1_700_000_000)
    assert len(first.new) == 8
    edited = dict(FIXTURE_PACK)
    edited["ports.md"] = (edited["ports.md"]
                          .replace("`ClusterIP` is the default Service type.", "ClusterIP is the default, always.")
                          .replace("- [ ] LoadBalancer", "- [ ] LoadBalancer\n- [ ] ExternalName"))
    edited["pods.md"] = edited["pods.md"].replace("IP-per-Pod.", "One IP per Pod.") + """
## A new question {#brand-new}

type: truefalse

Pods share one IP per Pod.

### Answer

true

### Explanation

Yes.
"""
    pack = compile_files(edited).packs["fixture-pack"]
    second = import_into(collection, pack, tmp_path, "v2.apkg", timestamp=1_700_100_000)
    assert len(second.new) == 1  # brand-new only: the others are recognised by their GUID
    # Compiled questions carry no modification time: every note of the newer export counts as updated. (Exports
    # from the database use each question's updated_at; see test_cli for updates of the edited notes only.)
    assert len(second.updated) == 8 and not second.duplicate
    assert collection.note_count() == 9
    (nid,) = collection.find_notes('"Id:fixture-pack/default-service-type"')
    note = collection.get_note(nid)
    assert "always" in note["Explanation"] and "ExternalName" in note["Question"]


def test_ids_are_stable_across_exports():
    assert deck_id("fixture-pack") == deck_id("fixture-pack") != deck_id("other-pack")
    assert len({FLASHCARD_MODEL_ID, CLOZE_MODEL_ID, QUESTION_MODEL_ID}) == 3
    one, two = export_apkg(fixture_pack(), timestamp=1), export_apkg(fixture_pack(), timestamp=1)
    assert one.content != b"" and one.count == two.count == 8
