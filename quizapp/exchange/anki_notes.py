"""One Anki note -> one quizapp question (`Draft`): the note type decides the question type.

Stock note types are recognised by their templates, not their names (users rename them): a cloze template
(`{{cloze:Field}}`), a typed answer (`{{type:Field}}`), a second template asking the back (reversed card, optional
when it is wrapped in `{{#Field}}`). quizapp's own note types (`quizapp.exchange.anki`) are read back exactly.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from quizapp.exchange.markdown_out import Draft, ImportNote, html_to_markdown, inline_markdown
from quizapp.exchange.moodle_xml_import import source_of
from quizapp.words import say

FIELD_REF = re.compile(r"\{\{([#^/]?)([^{}]+)\}\}")
SPECIAL_FIELDS = {"FrontSide", "Tags", "Deck", "Subdeck", "Card", "CardFlag", "Type"}
CLOZE = re.compile(r"\{\{c(\d+)::(.*?)(?:::(.*?))?\}\}", re.S)
MEDIA = re.compile(r"<img\b[^>]*?\bsrc=\"([^\"]*)\"[^>]*>|\[sound:([^\]]*)\]", re.I)
KINDS = {"Single choice": "single", "Select all that apply": "multiple", "True or false": "truefalse",
         "Short answer": "short", "Put in order": "ordering", "Matching": "matching",
         "Traced by the simulator": "sim"}


@dataclass
class NoteType:
    id: int
    name: str
    fields: list[str]
    templates: list[tuple[str, str]]  # (question format, answer format)
    is_cloze: bool


def field_refs(template: str) -> list[tuple[str, str]]:
    """(prefix `#`/`^`/`/` or "", field name) of every `{{...}}` in a template, filters like `text:` removed."""
    return [(prefix, name.split(":")[-1].strip()) for prefix, name in FIELD_REF.findall(template)]


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _title(fragment: str, fallback: str) -> str:
    words = _plain(CLOZE.sub(lambda m: m[2], fragment)).split()
    return " ".join(words[:10]) + (" ..." if len(words) > 10 else "") or fallback


def _without_media(note: Any, values: dict[str, str], notes: list[ImportNote]) -> dict[str, str]:
    def mark(match: re.Match[str]) -> str:
        name = match[1] or match[2]
        notes.append(ImportNote(note.number, say("media file {name!r} is not carried over (marked in the text)",
                                                 name=name)))
        return f" (media file {html.escape(name)} not carried over) "

    return {key: MEDIA.sub(mark, value) for key, value in values.items()}


def read_note(note: Any, notes: list[ImportNote]) -> Draft | None:
    notetype: NoteType = note.notetype
    values = dict(zip(notetype.fields, note.fields + [""] * (len(notetype.fields) - len(note.fields))))
    values = _without_media(note, values, notes)
    if notetype.name in ("quizapp Flashcard", "quizapp Cloze", "quizapp Question") and "Id" in values:
        return _quizapp_note(note, notetype.name, values, notes)
    questions = [q for q, _a in notetype.templates]
    if any("image-occlusion:" in q for q in questions) or not notetype.fields:
        notes.append(ImportNote(note.number, say("note type {name!r} (image occlusion or unknown) cannot be carried "
                                                 "over; left out", name=notetype.name)))
        return None
    if notetype.is_cloze or any("{{cloze:" in q for q in questions):
        return _cloze(note, notetype, values, notes)
    return _basic(note, notetype, values, notes)


def _extra_fields(note: Any, values: dict[str, str], used: set[str], notes: list[ImportNote]) -> str:
    extra = []
    for name, value in values.items():
        if name not in used and value.strip():
            extra.append(f"**{inline_markdown(name, False)}:** {html_to_markdown(value)}")
            notes.append(ImportNote(note.number, say("field {name!r} has no place in a quizapp question; it was moved "
                                                     "into the explanation", name=name)))
    return "\n\n".join(extra)


def _basic(note: Any, notetype: NoteType, values: dict[str, str], notes: list[ImportNote]) -> Draft | None:
    question, answer = notetype.templates[0] if notetype.templates else ("", "")
    asked = [name for prefix, name in field_refs(question) if not prefix and name in values]
    front = asked[0] if asked else notetype.fields[0]
    typed = re.search(r"\{\{type:([^{}]+)\}\}", question)
    shown = [name for prefix, name in field_refs(answer) if not prefix and name in values and name != front]
    back = typed[1].split(":")[-1] if typed else (shown[0] if shown else next(
        (f for f in notetype.fields if f != front), ""))
    if not values.get(front, "").strip():
        notes.append(ImportNote(note.number, say("note with an empty {front!r} field; left out", front=front)))
        return None
    draft = Draft(qtype="flashcard", title=_title(values[front], f"Note {note.number}"), line=note.number,
                  prompt=html_to_markdown(values[front]))
    used = {front, back}
    if typed:
        answer_text = _plain(values.get(back, ""))
        if not answer_text:
            notes.append(ImportNote(note.number, say("typed-answer note with an empty {back!r} field; left out",
                                                     back=back)))
            return None
        draft.qtype, draft.answers = "short", [answer_text]
        notes.append(ImportNote(note.number, say("typed answer: Anki compares the typed text character by character; "
                                                 "quizapp ignores case and surrounding spaces")))
    else:
        draft.back = html_to_markdown(values.get(back, "")) or "(empty)"
        if len(notetype.templates) > 1:
            reverse = field_refs(notetype.templates[1][0])
            condition = next((name for prefix, name in reverse if prefix == "#"), None)
            draft.reversible = bool(values.get(condition, "").strip()) if condition else True
            if condition:
                used.add(condition)
        if len(notetype.templates) > 2:
            notes.append(ImportNote(note.number, say("note type {name!r} has {count} card templates; quizapp keeps "
                                                     "front -> back (and back -> front)",
                                                     name=notetype.name, count=len(notetype.templates))))
    draft.explanation = _extra_fields(note, values, used, notes)
    return draft


def _cloze_text(text: str, alternatives: dict[str, list[str]] | None = None) -> str:
    """Anki cloze HTML -> quizapp cloze Markdown: the marks are kept, their answers and hints as plain text."""
    marks: list[str] = []

    def keep(match: re.Match[str]) -> str:
        answer = _plain(match[2])
        answers = [answer, *(alternatives or {}).get(answer, [])]
        hint = _plain(match[3] or "")
        safe = "|".join(a.replace("|", "/").replace("}}", "} }").replace("::", ": :") for a in answers)
        marks.append(f"{{{{c{match[1]}::{safe}{'::' + hint.replace('}}', '} }') if hint else ''}}}}}")
        return f"QUIZAPPCLOZE{len(marks) - 1}X"

    markdown = html_to_markdown(CLOZE.sub(keep, text))
    for number, mark in enumerate(marks):
        markdown = markdown.replace(f"QUIZAPPCLOZE{number}X", mark)
    return markdown


def _cloze(note: Any, notetype: NoteType, values: dict[str, str], notes: list[ImportNote]) -> Draft | None:
    refs = [name for _prefix, name in field_refs(notetype.templates[0][0] if notetype.templates else "")]
    text_field = next((name for name in refs if name in values), notetype.fields[0])
    text = values.get(text_field, "")
    if not CLOZE.search(text):
        notes.append(ImportNote(note.number, say("cloze note without a {{{{c1::...}}}} deletion; left out")))
        return None
    draft = Draft(qtype="cloze", title=_title(text, f"Note {note.number}"), line=note.number,
                  prompt=_cloze_text(text))
    draft.explanation = _extra_fields(note, values, {text_field}, notes)
    return draft


# --- quizapp's own note types -----------------------------------------------------------------------------------


def _quizapp_note(note: Any, model: str, values: dict[str, str], notes: list[ImportNote]) -> Draft | None:
    slug = values["Id"].rsplit("/", 1)[-1] or None
    draft = Draft(qtype="", title="", line=note.number, slug=slug, source=source_of(values.get("Source", "")),
                  explanation=html_to_markdown(values.get("Explanation", "")))
    if model == "quizapp Flashcard":
        draft.qtype, draft.prompt = "flashcard", html_to_markdown(values["Front"])
        draft.back, draft.reversible = html_to_markdown(values["Back"]), bool(values.get("Add Reverse", "").strip())
        draft.title = _title(values["Front"], slug or "")
        return draft
    if model == "quizapp Cloze":
        extra = values.get("Extra", "")
        alternatives = {}
        for chunk in extra.split('<b class="first">')[1:]:
            first, _, rest = chunk.partition("</b>")
            alternatives[html.unescape(first)] = _spans(rest.split('<b class="first">')[0])
        draft.qtype, draft.prompt = "cloze", _cloze_text(values["Text"], alternatives)
        draft.explanation = html_to_markdown(re.sub(r'<p class="alternatives">.*?</p>', "", extra, flags=re.S))
        draft.title = _title(values["Text"], slug or "")
        return draft
    return _quizapp_question(note, values, draft, notes)


def _spans(fragment: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'<span class="(?:key|alt)">(.*?)</span>', fragment, re.S)]


def _quizapp_question(note: Any, values: dict[str, str], draft: Draft, notes: list[ImportNote]) -> Draft | None:
    kind = KINDS.get(values.get("Kind", ""), "")
    front, answer = values.get("Question", ""), values.get("Answer", "")
    draft.title = _title(front, draft.slug or "")
    if kind in ("single", "multiple"):
        prompt, _, listing = front.partition('<ol type="A" class="choices">')
        right = set(re.findall(r"(?:^|<br>)([A-Z])\. ", answer))
        choices = re.findall(r"<li>(.*?)</li>", listing, re.S)
        draft.choices = [(inline_markdown(c, True), chr(65 + i) in right) for i, c in enumerate(choices)]
    elif kind == "truefalse":
        prompt, draft.answer_bool = front.replace("<p><em>True or false?</em></p>", ""), _plain(answer) == "True"
    elif kind in ("short", "sim"):
        prompt = re.sub(r"<p><em>Answer with .*?</em></p>$", "", front)
        draft.answers = _spans(answer) or [_plain(answer)]
        if kind == "sim":
            notes.append(ImportNote(note.number, say("{slug!r} was a quizapp sim question; imported as a short answer "
                                                     "(variant 1, the simulator's answer as the key)",
                                                     slug=draft.slug)))
            kind = "short"
    elif kind == "ordering":
        prompt = front.partition('<ul class="to-order">')[0]
        draft.items = [inline_markdown(i, True) for i in re.findall(r"<li>(.*?)</li>", answer, re.S)]
    elif kind == "matching":
        prompt = front.partition("<p><strong>")[0]
        labels = [_plain(h) for h in re.findall(r"<th>(.*?)</th>", answer, re.S)]
        if len(labels) == 2:
            draft.labels = (labels[0], labels[1])
        draft.pairs = [(inline_markdown(left, True), inline_markdown(right, True))
                       for left, right in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td></tr>", answer, re.S)]
    else:
        notes.append(ImportNote(note.number, say("quizapp question of kind {kind!r} is not known; left out",
                                                 kind=values.get('Kind'))))
        return None
    draft.qtype, draft.prompt = kind, html_to_markdown(prompt)
    return draft
