"""Anki import: decks made by the real Anki client (the `anki` package, tests only), in each layout Anki writes."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    DeckIdLimit,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)

from quizapp.exchange.anki import export_apkg
from quizapp.exchange.anki_import import import_apkg, note_id
from tests.exchange.helpers import compile_files, essentials, fixture_pack

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def make_deck(tmp_path: Path) -> tuple[Collection, int, dict[str, str]]:
    """One note of each stock note type, tags, an image, one reviewed card; returns guids by role."""
    col = Collection(str(tmp_path / "author.anki2"))
    deck = col.decks.id("Networking::Ports")
    guids = {}

    def add(model: str, tags: list[str], **fields: str) -> None:
        note = col.new_note(col.models.by_name(model))
        for name, value in fields.items():
            note[name.replace("_", " ")] = value
        note.tags = tags
        col.add_note(note, deck)
        guids[fields.get("Front", fields.get("Text", ""))[:12]] = note.guid

    image = col.media.add_file(str(_write(tmp_path / "port.png", PNG)))
    add("Basic", ["ports", "Well_Known"], Front="What is <b>port 80</b>?", Back=f'HTTP<img src="{image}">')
    add("Basic (and reversed card)", ["ports"], Front="Port 443", Back="HTTPS")
    add("Basic (optional reversed card)", [], Front="Port 22", Back="SSH", Add_Reverse="y")
    add("Basic (optional reversed card)", [], Front="Port 25", Back="SMTP")
    add("Cloze", ["dns"], Text="DNS uses port {{c1::53::number}} over {{c2::<i>UDP</i>}}.", Back_Extra="Mostly.")
    add("Basic (type in the answer)", [], Front="Default SSH port?", Back="22")
    card = col.get_note(col.find_notes("")[0]).cards()[0]
    card.start_timer()
    col.sched.answerCard(card, 3)  # a real review: scheduling and a review log entry
    return col, deck, guids


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def export(col: Collection, deck: int, path: Path, legacy: bool) -> bytes:
    col.export_anki_package(out_path=str(path), limit=DeckIdLimit(deck), options=ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy))
    return path.read_bytes()


@pytest.mark.parametrize("layout", ["legacy", "anki21b", "colpkg"])
def test_stock_note_types_tags_media_and_scheduling(tmp_path, layout):
    col, deck, guids = make_deck(tmp_path)
    try:
        if layout == "colpkg":
            col.export_collection_package(str(tmp_path / "all.colpkg"), True, False)
            data = (tmp_path / "all.colpkg").read_bytes()
        else:
            data = export(col, deck, tmp_path / "deck.apkg", legacy=layout == "legacy")
    finally:
        col.close()
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert ("collection.anki21b" in names) == (layout != "legacy")
    result = import_apkg(data, "ports")
    bank = compile_files(result.files)
    questions = {q.slug: q for q in bank.questions}
    by_front = {front: questions[note_id(guid)] for front, guid in guids.items()}
    assert {front: q.qtype for front, q in by_front.items()} == {
        "What is <b>p": "flashcard", "Port 443": "flashcard", "Port 22": "flashcard", "Port 25": "flashcard",
        "DNS uses por": "cloze", "Default SSH ": "short"}
    assert [by_front[f].data["reversible"] for f in ("What is <b>p", "Port 443", "Port 22", "Port 25")] == [
        False, True, True, False]
    cloze = by_front["DNS uses por"].data
    assert cloze["groups"] == ["c1", "c2"] and cloze["cards"]["c1"]["blanks"] == [{"answers": ["53"], "hint": "number"}]
    assert cloze["cards"]["c2"]["blanks"][0]["answers"] == ["UDP"]
    assert by_front["Default SSH "].data["answers"] == ["22"]
    assert by_front["What is <b>p"].tags == ["ports", "well-known"]
    assert "<strong>port 80</strong>" in by_front["What is <b>p"].data["prompt_html"]
    assert {q.topic for q in bank.questions} == {"ports"}
    messages = " | ".join(str(n) for n in result.notes)
    assert "media file 'port.png' is not carried over" in messages
    assert "scheduling is not carried over: 1 card(s) with reviews and 1 review log entries" in messages


def test_reimport_after_an_edit_in_anki_updates_the_same_ids(tmp_path):
    col, deck, guids = make_deck(tmp_path)
    try:
        first = import_apkg(export(col, deck, tmp_path / "one.apkg", legacy=False), "ports")
        note = col.get_note(col.find_notes('"Front:Port 443"')[0])
        note["Back"] = "HTTPS (HTTP over TLS)"
        col.update_note(note)
        second = import_apkg(export(col, deck, tmp_path / "two.apkg", legacy=False), "ports")
    finally:
        col.close()
    one, two = compile_files(first.files), compile_files(second.files)
    assert [q.slug for q in one.questions] == [q.slug for q in two.questions]
    changed = {q.slug for q in two.questions} - {q.slug for q in one.questions if q.data == next(
        p for p in two.questions if p.slug == q.slug).data}
    assert changed == {note_id(guids["Port 443"])}


def test_markdown_to_apkg_through_anki_and_back_gives_the_same_bank(tmp_path):
    """Our export, imported by Anki, exported again by Anki (its current layout), read back: same ids, types, keys
    (Anki notes have no title: the title becomes the first words of the front)."""
    pack = fixture_pack()
    (tmp_path / "pack.apkg").write_bytes(export_apkg(pack).content)
    col = Collection(str(tmp_path / "learner.anki2"))
    try:
        col.import_anki_package(ImportAnkiPackageRequest(package_path=str(tmp_path / "pack.apkg"),
                                                         options=ImportAnkiPackageOptions()))
        deck = col.decks.id_for_name(pack.title)
        data = export(col, deck, tmp_path / "again.apkg", legacy=False)
    finally:
        col.close()
    result = import_apkg(data, pack.slug, pack.title)
    back = {q.slug: q for q in compile_files(result.files).questions}
    assert set(back) == {q.slug for q in pack.questions}
    for question in pack.questions:
        got, want = essentials(back[question.slug]), essentials(question)
        got.pop("title"), want.pop("title")
        assert got == want, question.slug
        assert sorted(back[question.slug].tags) == sorted(question.tags)  # Anki sorts tags
        assert back[question.slug].topic == question.topic
        assert back[question.slug].data["source"] == question.data["source"]


@pytest.mark.parametrize("data, message", [
    (b"not a zip", "not an Anki package"),
    (b"PK\x05\x06" + b"\0" * 18, "holds no Anki collection"),
])
def test_bad_packages_are_reported(data, message):
    result = import_apkg(data, "p")
    assert not result.files and message in result.notes[0].message


def test_damaged_collections_are_reported(tmp_path):
    for name, content in (("collection.anki21b", b"\x28\xb5\x2f\xfd garbage"), ("collection.anki2", b"not sqlite"),
                          ("other.txt", b"x")):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr(name, content)
        result = import_apkg(buffer.getvalue(), "p")
        assert not result.files and result.notes and result.notes[0].line == 0, name
