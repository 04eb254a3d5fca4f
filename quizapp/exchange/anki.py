"""Export a pack to an Anki package (`.apkg`) with genanki.

One deck per pack; one note per question. Ids never change between exports, so importing a newer export of
the same pack updates the notes already in Anki (and keeps their review history) instead of duplicating them:

- deck id: a stable hash of the pack id;
- note types (models): four fixed ids, shared by every quizapp pack (an Anki collection holding several packs
  has four quizapp note types, not four per pack);
- note GUID: `genanki.guid_for(pack_id, question_id)`.

Mapping:
- flashcard -> "quizapp Flashcard": Front/Back, plus a second "Back -> Front" card when the question is
  `reversible` (Anki's "Basic (optional reversed card)": the reverse card exists when the `Add Reverse` field is
  not empty, so making a card reversible later updates the same note);
- cloze -> "quizapp Cloze", an Anki cloze note type: our `{{c1::answer::hint}}` is Anki's syntax, so every
  deletion number stays its own card; of `a|b` alternatives Anki shows the first (the others are listed in Extra);
- single, multiple, truefalse, short, ordering, matching, sim -> "quizapp Question": the front shows the
  prompt with its choices (ordering items and matching options in a fixed shuffled order), the back the key,
  the explanation and the source. Anki does not grade: the learner compares with the key.
- sim -> its first variant (`variants[0]`): the prompt with that variant's parameters, the simulator's answer
  as the key and its hop-by-hop trace on the back.
"""
from __future__ import annotations

import io
import itertools
import json
import os
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterable
from typing import Any

import genanki

from quizapp.exchange.base import (
    CLOZE_MARK,
    ExportedFile,
    ExportNote,
    Item,
    PackLike,
    QuestionLike,
    esc,
    items_of,
    shuffled,
    sim_feedback_html,
    sim_prompt_html,
    sim_variant,
    source_html,
    stable_id,
)

# Hard-coded: changing one of these makes Anki treat exports as a new note type (and duplicate the notes).
FLASHCARD_MODEL_ID = 1741200101
CLOZE_MODEL_ID = 1741200102
QUESTION_MODEL_ID = 1741200103

CSS = """.card { font-family: system-ui, sans-serif; font-size: 18px; line-height: 1.45; text-align: left;
  color: #1b1b1b; background: #fff; max-width: 46em; margin: 0 auto; }
.kind { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: #777; }
.cloze { font-weight: bold; color: #1a5fb4; }
.key { background: #eef6ee; border-left: 4px solid #2e7d32; padding: .3em .8em; }
.explanation { margin-top: 1em; }
.quizapp-source, .source { font-size: 13px; color: #666; }
pre { white-space: pre-wrap; font-size: 13px; background: #f4f4f4; padding: .5em; }
code { background: #f4f4f4; padding: 0 .2em; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: .2em .5em; }
"""

FLASHCARD_MODEL = genanki.Model(
    FLASHCARD_MODEL_ID,
    "quizapp Flashcard",
    fields=[{"name": "Front"}, {"name": "Back"}, {"name": "Add Reverse"}, {"name": "Explanation"},
            {"name": "Source"}, {"name": "Id"}],
    templates=[
        {"name": "Front -> Back",
         "qfmt": "{{Front}}",
         "afmt": '{{FrontSide}}<hr id="answer">{{Back}}'
                 '{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}'
                 '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'},
        {"name": "Back -> Front",
         "qfmt": "{{#Add Reverse}}{{Back}}{{/Add Reverse}}",
         "afmt": '{{FrontSide}}<hr id="answer">{{Front}}'
                 '{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}'
                 '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}'},
    ],
    css=CSS,
)

CLOZE_MODEL = genanki.Model(
    CLOZE_MODEL_ID,
    "quizapp Cloze",
    fields=[{"name": "Text"}, {"name": "Extra"}, {"name": "Source"}, {"name": "Id"}],
    templates=[{
        "name": "Cloze",
        "qfmt": "{{cloze:Text}}",
        "afmt": '{{cloze:Text}}{{#Extra}}<div class="explanation">{{Extra}}</div>{{/Extra}}'
                '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}',
    }],
    css=CSS,
    model_type=genanki.Model.CLOZE,
)

QUESTION_MODEL = genanki.Model(
    QUESTION_MODEL_ID,
    "quizapp Question",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Explanation"}, {"name": "Source"},
            {"name": "Kind"}, {"name": "Id"}],
    templates=[{
        "name": "Question",
        "qfmt": '<div class="kind">{{Kind}}</div>{{Question}}',
        "afmt": '{{FrontSide}}<hr id="answer"><div class="key">{{Answer}}</div>'
                '{{#Explanation}}<div class="explanation">{{Explanation}}</div>{{/Explanation}}'
                '{{#Source}}<div class="source">{{Source}}</div>{{/Source}}',
    }],
    css=CSS,
)

MODELS = {"flashcard": FLASHCARD_MODEL, "cloze": CLOZE_MODEL, "question": QUESTION_MODEL}
KIND_LABELS = {"single": "Single choice", "multiple": "Select all that apply", "truefalse": "True or false",
               "short": "Short answer", "ordering": "Put in order", "matching": "Matching",
               "sim": "Traced by the simulator"}


class QuizappNote(genanki.Note):
    """A note whose modification time is its question's `updated_at` when known (database questions), so
    re-importing a newer export updates only the notes whose question changed."""

    modified: float | None = None

    def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
        stamp = timestamp if self.modified is None else min(self.modified, timestamp)
        super().write_to_db(cursor, stamp, deck_id, id_gen)


def _note(model: genanki.Model, fields: list[str], tags: list[str], guid: str, item: Item) -> QuizappNote:
    note = QuizappNote(model, fields, tags=tags, guid=guid)
    updated = getattr(item.q, "updated_at", None)
    if updated is not None:
        note.modified = updated.timestamp()
    return note


def deck_id(pack_id: str) -> int:
    return stable_id("quizapp-deck", pack_id)


def note_guid(pack_id: str, question_id: str) -> str:
    return genanki.guid_for(pack_id, question_id)


def anki_tags(item: Item) -> list[str]:
    tags = [*item.q.tags, f"topic::{item.topic_slug}"]
    return ["".join(tag.split()) for tag in dict.fromkeys(tags) if tag.strip()]


def build_deck(pack: PackLike, questions: Iterable[QuestionLike] | None = None,
               notes: list[ExportNote] | None = None) -> genanki.Deck:
    notes = notes if notes is not None else []
    deck = genanki.Deck(deck_id(pack.slug), pack.title)
    for item in items_of(pack, questions):
        note = note_for(pack.slug, item, notes)
        if note is not None:
            deck.add_note(note)
    return deck


def export_apkg(pack: PackLike, questions: Iterable[QuestionLike] | None = None,
                timestamp: float | None = None) -> ExportedFile:
    """The pack as an `.apkg`: one deck, one note per question. `timestamp` sets the notes' modification time."""
    notes: list[ExportNote] = []
    deck = build_deck(pack, questions, notes)
    content = package_bytes(genanki.Package(deck), timestamp)
    return ExportedFile(content, f"{pack.slug}.apkg", "application/octet-stream", notes, len(deck.notes))


def package_bytes(package: genanki.Package, timestamp: float | None = None) -> bytes:
    """genanki's `write_to_file`, in memory, removing its temporary database afterwards."""
    timestamp = time.time() if timestamp is None else timestamp
    handle, db_path = tempfile.mkstemp(suffix=".anki2")
    os.close(handle)
    try:
        connection = sqlite3.connect(db_path)
        try:
            package.write_to_db(connection.cursor(), timestamp, itertools.count(int(timestamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(db_path, "collection.anki2")
            archive.writestr("media", json.dumps({}))
        return buffer.getvalue()
    finally:
        os.unlink(db_path)


def note_for(pack_id: str, item: Item, notes: list[ExportNote]) -> QuizappNote | None:
    data, guid, tags = item.data, note_guid(pack_id, item.slug), anki_tags(item)
    ident = f"{pack_id}/{item.slug}"
    source = source_html(data.get("source"))
    if item.qtype == "flashcard":
        fields = [data.get("prompt_html", ""), data.get("back_html", ""), "y" if data.get("reversible") else "",
                  data.get("explanation_html", ""), source, ident]
        return _note(FLASHCARD_MODEL, fields, tags, guid, item)
    if item.qtype == "cloze":
        text = cloze_for_anki(data)
        if text is not None:
            extra = alternatives_html(data) + data.get("explanation_html", "")
            return _note(CLOZE_MODEL, [text, extra, source, ident], tags, guid, item)
        notes.append(ExportNote(item.slug, "cloze text without {{c1::...}} marks; exported as a plain question"))
    front, answer, explanation = question_sides(item, notes)
    if front is None:
        return None
    kind = KIND_LABELS.get(item.qtype, item.qtype)
    return _note(QUESTION_MODEL, [front, answer, explanation, source, kind, ident], tags, guid, item)


def cloze_for_anki(data: dict[str, Any]) -> str | None:
    """Our cloze marks in the rendered text, as Anki cloze marks (first alternative of `a|b`, hint kept)."""
    text = data.get("prompt_html", "")
    if not CLOZE_MARK.search(text):
        return None

    def convert(match: Any) -> str:
        answer = match["answer"].split("|")[0].strip()
        hint = (match["hint"] or "").strip()
        return f"{{{{c{match['group']}::{answer}{'::' + hint if hint else ''}}}}}"

    return CLOZE_MARK.sub(convert, text)


def alternatives_html(data: dict[str, Any]) -> str:
    extra = []
    for group in data.get("groups", []):
        for blank in data.get("cards", {}).get(group, {}).get("blanks", []):
            answers = blank.get("answers", [])
            if len(answers) > 1:  # marked up so that quizapp's importer reads the alternatives back
                alternatives = ", ".join(f'<span class="alt">{esc(a)}</span>' for a in answers[1:])
                extra.append(f'<b class="first">{esc(answers[0])}</b>: also accepted {alternatives}')
    return f'<p class="alternatives">{"; ".join(extra)}.</p>' if extra else ""


def question_sides(item: Item, notes: list[ExportNote]) -> tuple[str | None, str, str]:
    """(front, key, explanation) HTML for the types Anki cannot grade itself."""
    data, qtype = item.data, item.qtype
    prompt = data.get("prompt_html", "")
    explanation = data.get("explanation_html", "")
    if qtype in ("single", "multiple"):
        choices = data.get("choices", [])
        listing = "".join(f"<li>{c['html']}</li>" for c in choices)
        front = f'{prompt}<ol type="A" class="choices">{listing}</ol>'
        right = [f"{chr(65 + i)}. {c['html']}" for i, c in enumerate(choices) if c.get("correct")]
        return front, "<br>".join(right), explanation
    if qtype == "truefalse":
        return f"{prompt}<p><em>True or false?</em></p>", "True" if data.get("answer") else "False", explanation
    if qtype == "short":
        answers = data.get("answers", [])
        key = f'<span class="key">{esc(answers[0])}</span>' if answers else ""
        if len(answers) > 1:
            alternatives = ", ".join(f'<span class="alt">{esc(a)}</span>' for a in answers[1:])
            key += f"<br><small>Also accepted: {alternatives}</small>"
        return prompt, key, explanation
    if qtype == "ordering":
        items = data.get("items", [])
        listing = "".join(f"<li>{i['html']}</li>" for i in shuffled(items, item.slug))
        right = "".join(f"<li>{i['html']}</li>" for i in items)
        return f'{prompt}<ul class="to-order">{listing}</ul>', f"<ol>{right}</ol>", explanation
    if qtype == "matching":
        pairs = data.get("pairs", [])
        lefts = "".join(f"<li>{p['left_html']}</li>" for p in pairs)
        options = "".join(f"<li>{o['html']}</li>" for o in shuffled(data.get("right_options", []), item.slug))
        front = (f"{prompt}<p><strong>{esc(data.get('left_label', ''))}</strong></p><ul>{lefts}</ul>"
                 f"<p><strong>{esc(data.get('right_label', ''))}</strong></p><ul>{options}</ul>")
        rows = "".join(f"<tr><td>{p['left_html']}</td><td>{p['right_html']}</td></tr>" for p in pairs)
        head = f"<tr><th>{esc(data.get('left_label', ''))}</th><th>{esc(data.get('right_label', ''))}</th></tr>"
        return front, f"<table>{head}{rows}</table>", explanation
    if qtype == "sim":
        variant = sim_variant(data)
        if variant is None:
            notes.append(ExportNote(item.slug, "sim question without variants; left out"))
            return None, "", ""
        if len(data.get("variants", [])) > 1:
            notes.append(ExportNote(item.slug, f"sim question: only variant 1 of {len(data['variants'])} "
                                               f"({_params(variant.params)}) is exported"))
        answer = " or ".join(f'<span class="key">{esc(a)}</span>' for a in variant.accepted)
        feedback = sim_feedback_html(item, variant).replace(source_html(data.get("source")), "")
        return sim_prompt_html(variant), answer, feedback
    if qtype == "cloze":  # no marks in the text: show every card's blanks on the back
        cards = data.get("cards", {})
        first = next(iter(cards.values()), {})
        return first.get("prompt_html", prompt), first.get("answer_html", ""), explanation
    notes.append(ExportNote(item.slug, f"unknown question type {qtype!r}; left out"))
    return None, "", ""


def _params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items()) or "no parameters"
