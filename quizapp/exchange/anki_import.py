"""Anki packages (`.apkg`, `.colpkg`) -> quizapp Markdown, with a report of what could not be carried over.

Reads the three collection layouts Anki writes: `collection.anki21b` (Anki 2.1.50+, zstd-compressed, schema 18,
note types in their own tables), `collection.anki21` and `collection.anki2` (schema 11, note types as JSON).

| Anki note type | quizapp |
|---|---|
| Basic (and any two-field front/back type) | flashcard |
| Basic (and reversed card), Basic (optional reversed card) | flashcard, `reversible` (optional: when Add Reverse is filled) |
| Cloze | cloze (`{{c1::answer::hint}}` is the same syntax) |
| Basic (type in the answer): a template with `{{type:Field}}` | short, the typed field as the answer |
| quizapp's own note types (our export) | the original type: choices, order, pairs, answers read back from the note |

Ids: a note's GUID is its stable id (`anki-` and 12 hex digits of its SHA-256; quizapp's own notes carry their
question id), so importing a newer export of the same deck updates the questions instead of duplicating them.
Tags are kept (quizapp's `topic::<id>` tag becomes the topic); the deck (its last `::` part) is the topic
otherwise. Media files and scheduling (review history, intervals) are reported, not carried. The report's "line"
is the note's number in the package (notes in creation order).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from quizapp.exchange.base import ExchangeError
from quizapp.exchange.anki_notes import NoteType, read_note
from quizapp.exchange.markdown_out import Draft, ImportNote, ImportResult, write_pack
from quizapp.words import say

MAX_COLLECTION_BYTES = 256 * 1024 * 1024  # a decompressed collection larger than this is refused
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")


class AnkiPackageError(ExchangeError):
    pass


@dataclass
class AnkiNote:
    number: int
    guid: str
    notetype: NoteType
    fields: list[str]
    tags: list[str]
    deck: str
    cards: int = 0


@dataclass
class Collection:
    notes: list[AnkiNote] = field(default_factory=list)
    reviewed_cards: int = 0
    review_log: int = 0
    media: list[str] = field(default_factory=list)


# --- the package ----------------------------------------------------------------------------------------------


def _zstd(data: bytes) -> bytes:
    import zstandard

    try:
        reader = zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data))
        out = reader.read(MAX_COLLECTION_BYTES + 1)
    except zstandard.ZstdError as error:
        raise AnkiPackageError(say("the package's collection is damaged ({error})", error=error)) from None
    if len(out) > MAX_COLLECTION_BYTES:
        raise AnkiPackageError(say("the package's collection is larger than 256 MB; split the deck"))
    return out


def _varints(data: bytes) -> Iterator[tuple[int, int, bytes | int]]:
    """(field number, wire type, value) of a protobuf message: enough to read Anki's media list and templates."""
    position = 0

    def varint() -> int:
        nonlocal position
        result = shift = 0
        while True:
            if position >= len(data):
                raise AnkiPackageError(say("a damaged protobuf message in the package"))
            byte = data[position]
            position += 1
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result

    while position < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            yield number, wire, varint()
        elif wire == 2:
            length = varint()
            yield number, wire, data[position:position + length]
            position += length
        elif wire == 1:
            position += 8
        elif wire == 5:
            position += 4
        else:
            raise AnkiPackageError(say("a damaged protobuf message in the package"))


def proto_bytes(data: bytes, number: int) -> list[bytes]:
    return [value for n, wire, value in _varints(data) if n == number and wire == 2 and isinstance(value, bytes)]


def proto_strings(data: bytes, number: int) -> list[str]:
    return [value.decode("utf-8", "replace") for value in proto_bytes(data, number)]


def _media_names(archive: zipfile.ZipFile, names: set[str]) -> list[str]:
    if "media" not in names:
        return []
    raw = archive.read("media")
    try:
        return sorted(str(name) for name in json.loads(raw.decode("utf-8")).values())
    except (UnicodeDecodeError, ValueError, AttributeError):
        pass
    entries = proto_bytes(_zstd(raw), 1)  # MediaEntries { repeated MediaEntry entries = 1; }, name = 1
    return sorted(name for entry in entries for name in proto_strings(entry, 1))


def read_package(data: bytes) -> Collection:
    """The notes of an `.apkg`/`.colpkg`; `AnkiPackageError` with what to do when it cannot be read."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise AnkiPackageError(say("not an Anki package: an .apkg or .colpkg is a zip file")) from None
    with archive:
        infos = {info.filename: info for info in archive.infolist()}
        name = next((n for n in COLLECTIONS if n in infos), None)
        if name is None:
            raise AnkiPackageError(say("the zip holds no Anki collection (collection.anki21b, .anki21 or .anki2)"))
        if infos[name].file_size > MAX_COLLECTION_BYTES:
            raise AnkiPackageError(say("the package's collection is larger than 256 MB; split the deck"))
        try:
            database = archive.read(name)
            if name.endswith("b"):
                database = _zstd(database)
            media = _media_names(archive, set(infos))
        except AnkiPackageError:
            raise
        except ImportError:
            raise AnkiPackageError(say('this server cannot read the newest package format (.anki21b needs the '
                                       'zstandard module); export from Anki with "Support older Anki '
                                       'versions"')) from None
        except (zipfile.BadZipFile, NotImplementedError, EOFError, OSError, RuntimeError, ValueError) as error:
            # a damaged or hand-made zip (found by tests/test_fuzz_parsers.py): say so, never a 500
            raise AnkiPackageError(say("the package is damaged ({error}); export it again",
                                       error=type(error).__name__)) from None
    handle, path = tempfile.mkstemp(suffix=".anki2")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(database)
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            connection.execute("PRAGMA trusted_schema = OFF")
            collection = _read_collection(connection)
        except sqlite3.DatabaseError as error:
            raise AnkiPackageError(say("the package's collection cannot be read ({error})", error=error)) from None
        finally:
            connection.close()
    finally:
        os.unlink(path)
    collection.media = media
    return collection


def _read_collection(db: sqlite3.Connection) -> Collection:
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "notetypes" in tables:  # schema 18
        notetypes = _notetypes_18(db)
        decks = {did: name.replace("\x1f", "::") for did, name in db.execute("SELECT id, name FROM decks")}
    else:
        models_json, decks_json = db.execute("SELECT models, decks FROM col").fetchone()
        notetypes = {int(mid): _notetype_11(model) for mid, model in json.loads(models_json).items()}
        decks = {int(did): deck["name"] for did, deck in json.loads(decks_json).items()}
    first_deck: dict[int, int] = {}
    cards: dict[int, int] = {}
    for nid, did in db.execute("SELECT nid, did FROM cards ORDER BY ord"):
        first_deck.setdefault(nid, did)
        cards[nid] = cards.get(nid, 0) + 1
    collection = Collection()
    for number, (nid, guid, mid, tags, flds) in enumerate(
            db.execute("SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"), 1):
        notetype = notetypes.get(mid) or NoteType(mid, "unknown note type", [], [], False)
        collection.notes.append(AnkiNote(number, guid, notetype, flds.split("\x1f"), tags.split(),
                                         decks.get(first_deck.get(nid, 0), ""), cards.get(nid, 0)))
    collection.reviewed_cards = db.execute("SELECT count(*) FROM cards WHERE type != 0 OR reps > 0").fetchone()[0]
    collection.review_log = db.execute("SELECT count(*) FROM revlog").fetchone()[0]
    return collection


def _notetype_11(model: dict[str, Any]) -> NoteType:
    fields = [f["name"] for f in sorted(model.get("flds", []), key=lambda f: f.get("ord", 0))]
    templates = [(t.get("qfmt", ""), t.get("afmt", "")) for t in sorted(model.get("tmpls", []),
                                                                       key=lambda t: t.get("ord", 0))]
    return NoteType(int(model.get("id", 0)), model.get("name", ""), fields, templates, model.get("type") == 1)


def _notetypes_18(db: sqlite3.Connection) -> dict[int, NoteType]:
    fields: dict[int, list[str]] = {}
    for ntid, name in db.execute("SELECT ntid, name FROM fields ORDER BY ntid, ord"):
        fields.setdefault(ntid, []).append(name)
    templates: dict[int, list[tuple[str, str]]] = {}
    for ntid, config in db.execute("SELECT ntid, config FROM templates ORDER BY ntid, ord"):
        qfmt, afmt = (proto_strings(config, 1) or [""])[0], (proto_strings(config, 2) or [""])[0]
        templates.setdefault(ntid, []).append((qfmt, afmt))
    notetypes = {}
    for ntid, name, config in db.execute("SELECT id, name, config FROM notetypes"):
        kind = next((v for n, w, v in _varints(config) if n == 1 and w == 0), 0)  # NotetypeConfig.kind: 1 = cloze
        notetypes[ntid] = NoteType(ntid, name, fields.get(ntid, []), templates.get(ntid, []), kind == 1)
    return notetypes


# --- notes to questions ---------------------------------------------------------------------------------------


def note_id(guid: str) -> str:
    return "anki-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:12]


def import_apkg(data: bytes, pack_id: str, pack_title: str | None = None,
                source: str = "Imported from an Anki package") -> ImportResult:
    """An Anki package -> quizapp Markdown files (one per topic) and a report (line = the note's number)."""
    try:
        collection = read_package(data)
    except AnkiPackageError as error:
        return ImportResult({}, [ImportNote(0, error.said)], 0, located_by="note")
    notes: list[ImportNote] = []
    drafts: list[Draft] = []
    for note in collection.notes:
        draft = read_note(note, notes)
        if draft is None:
            continue
        draft.slug = draft.slug or note_id(note.guid)
        topic_tags = [t for t in note.tags if t.startswith("topic::")]
        if topic_tags:
            draft.topic_slug = topic_tags[0][len("topic::"):]
            draft.topic = draft.topic_slug.replace("-", " ").capitalize()
        else:
            draft.topic = note.deck.split("::")[-1] if note.deck else ""
        draft.tags = [t for t in note.tags if not t.startswith("topic::")]
        drafts.append(draft)
    if collection.media:
        shown = ", ".join(collection.media[:5]) + (" ..." if len(collection.media) > 5 else "")
        notes.append(ImportNote(0, say("{count} media file(s) ({shown}) are not carried over; references to them are "
                                       "marked in the text", count=len(collection.media), shown=shown)))
    if collection.reviewed_cards or collection.review_log:
        notes.append(ImportNote(0, say("scheduling is not carried over: {reviewed_cards} card(s) with reviews and "
                                       "{review_log} review log entries; quizapp starts every card new",
                                       reviewed_cards=collection.reviewed_cards, review_log=collection.review_log)))
    result = write_pack(drafts, pack_id, pack_title, source, notes)
    result.located_by = "note"
    return result

