"""Moodle GIFT: export a pack, and import a GIFT file into quizapp Markdown.

Export: one `$CATEGORY:` per topic (`$course$/top/<pack title>/<topic title>`), `::title::[html]text{...}` per
question, the explanation and the source as general feedback (`####`). Every field is written on one line
(newlines as `\\n`) so no HTML can end a question early, and `~ = # { } :` and `\\` are escaped. A comment line
before each question (`// quizapp: id=... type=...`) keeps the type, topic and difficulty; Moodle ignores it
and quizapp's importer reads it back. Ids and tags are in Moodle's own `// [id:...] [tag:...]` comment.

| quizapp | GIFT |
|---|---|
| single | `{=right ~wrong}` |
| multiple | `{~%50%right ~%50%right ~%-100%wrong}`: each right choice 100/n %, each wrong -100 % |
| truefalse | `{T}` / `{F}` |
| short | `{=a =b}` |
| matching | `{=left -> right}` |
| ordering | Moodle's ordering form `{>N ALL VERTICAL ALL_OR_NOTHING SHOW none` + one item a line (matching `item -> position` when the text holds `{`) |
| flashcard | essay `{####back}`: the learner writes an answer, Moodle shows the back as feedback; a reversible card adds a second essay for the back -> front side |
| cloze | one missing-word short answer (`text {=answer} text`) per deletion; several deletions with one number become one question per deletion |
| sim | the first variant as a short answer accepting the simulator's answers; its trace in the general feedback |

Import: `quizapp.exchange.gift_import` (blocks and escapes in `gift_blocks`, answers in `gift_answers`).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from quizapp.exchange.base import (
    ExportedFile,
    ExportNote,
    Item,
    PackLike,
    QuestionLike,
    cloze_card_blanks,
    cloze_card_parts,
    esc,
    feedback_html,
    items_of,
    sim_feedback_html,
    sim_prompt_html,
    sim_variant,
)

SPECIAL = "~=#{}:"
MULTI_WEIGHTS = {1: "100", 2: "50", 3: "33.33333", 4: "25", 5: "20", 6: "16.66667", 7: "14.28571", 8: "12.5",
                 9: "11.11111", 10: "10"}


def escape(text: str) -> str:
    """Text for any GIFT field: `\\` and `~ = # { } :` escaped, newlines as `\\n` (one line)."""
    text = text.replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def category_path(*names: str) -> str:
    return "/".join(name.replace("/", "//") for name in ("$course$", "top", *names))


# --- export -------------------------------------------------------------------------------------------------


def export_gift(pack: PackLike, questions: Iterable[QuestionLike] | None = None) -> ExportedFile:
    notes: list[ExportNote] = []
    blocks = [f"// quizapp pack {pack.slug}: {pack.title}\n// Import in Moodle: Question bank > Import > GIFT format."]
    topic = None
    count = 0
    for item in items_of(pack, questions):
        if item.topic_slug != topic:
            topic = item.topic_slug
            blocks.append(f"$CATEGORY: {category_path(pack.title, item.topic_title)}")
        for block in question_blocks(item, notes):
            blocks.append(block)
            count += 1
    text = "\n\n".join(blocks) + "\n"
    return ExportedFile(text.encode("utf-8"), f"{pack.slug}.gift.txt", "text/plain; charset=utf-8", notes, count)


def moodle_comment(idnumber: str, tags: Iterable[str]) -> str:
    """The comment Moodle's GIFT reader turns into the question's idnumber and tags (`]` escaped as `\\]`)."""
    parts = [f"[id:{idnumber.replace(']', chr(92) + ']')}]"]
    parts += [f"[tag:{tag.replace(']', chr(92) + ']')}]" for tag in tags if tag and not set(tag) & set("<>")]
    return "// " + " ".join(parts)


def _meta(item: Item, qtype: str | None = None, idnumber: str | None = None, **extra: Any) -> str:
    """Moodle's `// [id:...] [tag:...]` line, then quizapp's own (type, topic, difficulty, source), which Moodle
    ignores and quizapp's importer reads back."""
    parts = [f"id={item.slug}", f"type={qtype or item.qtype}", f"topic={item.topic_slug}"]
    parts += [f"{key}={value}" for key, value in extra.items() if value not in (None, "")]
    if item.q.tags:
        parts.append("tags=" + ",".join(item.q.tags))
    if item.q.difficulty:
        parts.append(f"difficulty={item.q.difficulty}")
    lines = [moodle_comment(idnumber or item.slug, item.q.tags), "// quizapp: " + " ".join(parts)]
    source = item.data.get("source")
    if source:
        lines.append("// quizapp-source: " + " ".join(str(source).split()))
    return "\n".join(lines)


def _question(meta: str, title: str, text_html: str, answers: str, feedback: str = "") -> str:
    lines = [answers] if answers else []
    if feedback:
        lines.append("####" + escape(feedback))
    return f"{meta}\n::{escape(title)}::[html]{escape(text_html)}{{\n" + "\n".join(lines) + "\n}"


def question_blocks(item: Item, notes: list[ExportNote]) -> list[str]:
    data, qtype, title = item.data, item.qtype, item.q.title
    prompt, feedback = data.get("prompt_html", ""), feedback_html(item)
    if qtype in ("single", "multiple"):
        choices = data.get("choices", [])
        if qtype == "single":
            answers = [("=" if c.get("correct") else "~") + escape(c["html"]) for c in choices]
        else:
            right = sum(1 for c in choices if c.get("correct"))
            weight = MULTI_WEIGHTS.get(right, f"{100 / max(right, 1):.5f}")
            answers = [(f"~%{weight}%" if c.get("correct") else "~%-100%") + escape(c["html"]) for c in choices]
            notes.append(ExportNote(item.slug, "multiple: Moodle gives partial credit (each right choice "
                                               f"{weight}%, a wrong one -100%) where quizapp is all-or-nothing"))
        return [_question(_meta(item), title, prompt, "\n".join(answers), feedback)]
    if qtype == "truefalse":
        return [_question(_meta(item), title, prompt, "T" if data.get("answer") else "F", feedback)]
    if qtype == "short":
        answers = data.get("answers", [])
        if any("*" in a for a in answers):
            notes.append(ExportNote(item.slug, "short: `*` in an answer is a wildcard in Moodle"))
        if data.get("case_sensitive"):
            notes.append(ExportNote(item.slug, "short: case_sensitive is lost (GIFT short answers ignore case)"))
        return [_question(_meta(item), title, prompt, "\n".join("=" + escape(a) for a in answers), feedback)]
    if qtype == "matching":
        pairs = data.get("pairs", [])
        if len(pairs) < 3:
            notes.append(ExportNote(item.slug, "matching with fewer than 3 pairs: Moodle may refuse it"))
        answers = "\n".join(f"={escape(_no_arrow(p['left_html']))} -> {escape(p['right'])}" for p in pairs)
        return [_question(_meta(item), title, prompt, answers, feedback)]
    if qtype == "ordering":
        items = data.get("items", [])
        if "{" not in prompt + title and not any("}" in i["html"] for i in items):
            return [ordering_block(item, prompt, feedback, notes)]
        notes.append(ExportNote(item.slug, "ordering: `{` in the text or `}` in an item, which Moodle's GIFT "
                                           "ordering reader cannot take; exported as matching item -> position"))
        text = prompt + "<p><em>Match each step to its position (1 is first).</em></p>"
        answers = "\n".join(f"={escape(_no_arrow(i['html']))} -> {n}" for n, i in enumerate(items, 1))
        return [_question(_meta(item), title, text, answers, feedback)]
    if qtype == "flashcard":
        back = f'<div class="quizapp-back">{data.get("back_html", "")}</div>'
        blocks = [_question(_meta(item), title, prompt, "", back + feedback)]
        if data.get("reversible"):
            front = f'<div class="quizapp-back">{prompt}</div>'
            blocks.append(_question(_meta(item, idnumber=f"{item.slug}-reversed", card="back"), f"{title} (reversed)",
                                    data.get("back_html", ""),
                                    "", front + feedback))
        notes.append(ExportNote(item.slug, "flashcard: exported as an essay (manually graded in Moodle) whose "
                                           "general feedback shows the back"))
        return blocks
    if qtype == "cloze":
        return cloze_blocks(item, notes, feedback)
    if qtype == "sim":
        variant = sim_variant(data)
        if variant is None:
            notes.append(ExportNote(item.slug, "sim question without variants; left out"))
            return []
        notes.append(ExportNote(item.slug, f"sim: variant 1 of {len(data.get('variants', []))} exported as a "
                                           "short answer; the trace is in the general feedback"))
        answers = "\n".join("=" + escape(a) for a in variant.accepted)
        return [_question(_meta(item, variant="1"), title, sim_prompt_html(variant), answers,
                          sim_feedback_html(item, variant))]
    notes.append(ExportNote(item.slug, f"unknown question type {qtype!r}; left out"))
    return []


ORDERING_HEADER = "ALL VERTICAL ALL_OR_NOTHING SHOW none"


def ordering_block(item: Item, prompt: str, feedback: str, notes: list[ExportNote]) -> str:
    """Moodle's GIFT ordering form (`qtype_ordering::import_from_gift`): `{>N ALL VERTICAL ALL_OR_NOTHING SHOW
    none`, one item a line, `}`. Moodle reads the items as raw lines (no GIFT escapes) and takes everything up
    to the last `}` as items, so there is no room for general feedback: the explanation goes into a comment that
    Moodle ignores (reported)."""
    items = [" ".join(i["html"].split()) for i in item.data.get("items", [])]
    notes.append(ExportNote(item.slug, "ordering: Moodle's GIFT ordering form has no general feedback; the "
                                       "explanation and source are only in a comment for quizapp's importer"))
    explanation = "// quizapp-explanation: " + escape(feedback) if feedback else ""
    meta = _meta(item) + ("\n" + explanation if explanation else "")
    body = "\n".join(items)
    return f"{meta}\n::{escape(item.q.title)}::[html]{escape(prompt)}{{>{len(items)} {ORDERING_HEADER}\n{body}\n}}"


def _no_arrow(fragment: str) -> str:
    return fragment.replace("->", "-&gt;")


def cloze_blocks(item: Item, notes: list[ExportNote], feedback: str) -> list[str]:
    data, blocks = item.data, []
    for group in data.get("groups", []):
        blanks = cloze_card_blanks(data, group)
        parts = cloze_card_parts(data, group)
        if len(parts) != len(blanks) + 1:
            notes.append(ExportNote(item.slug, f"cloze {group}: its blanks could not be located; left out"))
            continue
        if len(blanks) > 1:
            notes.append(ExportNote(item.slug, f"cloze {group} has {len(blanks)} deletions asked together; GIFT "
                                               "asks one per question, so each is its own question"))
        if data.get("case_sensitive"):
            notes.append(ExportNote(item.slug, f"cloze {group}: case_sensitive is lost in GIFT"))
        general = f"\n####{escape(feedback)}" if feedback else ""
        for index, blank in enumerate(blanks):
            text = ""
            for number, part in enumerate(parts):
                text += escape(part)
                if number == index:
                    # Missing-word format: the answers sit inside the text, the general feedback with them.
                    hint = f"({esc(blank.hint)}) " if blank.hint else ""
                    answers = " ".join("=" + escape(a) for a in blank.answers)
                    text += escape(hint) + "{" + answers + general + "}"
                elif number < len(blanks):
                    text += escape('<span class="cloze-blank">[…]</span>')
            suffix = f" ({group}{'' if len(blanks) == 1 else f', blank {index + 1}'})"
            single = len(data.get("groups", [])) == 1 and len(blanks) == 1
            idnumber = item.slug if single else f"{item.slug}-{group}" + (f"-{index + 1}" if len(blanks) > 1 else "")
            meta = _meta(item, idnumber=idnumber, card=group, blank=str(index + 1) if len(blanks) > 1 else None)
            blocks.append(f"{meta}\n::{escape(item.q.title + suffix)}::[html]{text}")
    return blocks


from quizapp.exchange.gift_import import import_gift, split_blocks  # noqa: E402  (the other direction)

__all__ = ["escape", "export_gift", "import_gift", "split_blocks"]
