"""Moodle GIFT: export a pack, and import a GIFT file into quizapp Markdown.

Export: one `$CATEGORY:` per topic (`$course$/top/<pack title>/<topic title>`), `::title::[html]text{...}` per
question, the explanation and the source as general feedback (`####`). Every field is written on one line
(newlines as `\\n`) so no HTML can end a question early, and `~ = # { } :` and `\\` are escaped. A comment line
before each question (`// quizapp: id=... type=...`) keeps the stable id, tags and difficulty; Moodle ignores it
and quizapp's importer reads it back.

| quizapp | GIFT |
|---|---|
| single | `{=right ~wrong}` |
| multiple | `{~%50%right ~%50%right ~%-100%wrong}`: each right choice 100/n %, each wrong -100 % |
| truefalse | `{T}` / `{F}` |
| short | `{=a =b}` |
| matching | `{=left -> right}` |
| ordering | GIFT has none: matching `item -> position` (1 is first) |
| flashcard | essay `{####back}`: the learner writes an answer, Moodle shows the back as feedback; a reversible card adds a second essay for the back -> front side |
| cloze | one missing-word short answer (`text {=answer} text`) per deletion; several deletions with one number become one question per deletion |
| sim | the first variant as a short answer accepting the simulator's answers; its trace in the general feedback |

Import: the GIFT questions Moodle reads (multiple choice, multiple answers, true/false, short answer, missing
word, matching, numerical, essay, description), as quizapp questions, with what could not be carried over
(partial-credit weights, per-answer feedback kept in the explanation, numerical tolerances, descriptions...)
reported with the GIFT line number.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
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
from quizapp.exchange.markdown_out import (
    Draft,
    ImportNote,
    ImportResult,
    html_to_markdown,
    inline_markdown,
    md_escape,
    plain_to_markdown,
    write_pack,
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


def _meta(item: Item, qtype: str | None = None, **extra: Any) -> str:
    parts = [f"id={item.slug}", f"type={qtype or item.qtype}", f"topic={item.topic_slug}"]
    parts += [f"{key}={value}" for key, value in extra.items() if value not in (None, "")]
    if item.q.tags:
        parts.append("tags=" + ",".join(item.q.tags))
    if item.q.difficulty:
        parts.append(f"difficulty={item.q.difficulty}")
    lines = ["// quizapp: " + " ".join(parts)]
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
        text = prompt + "<p><em>Match each step to its position (1 is first).</em></p>"
        answers = "\n".join(f"={escape(_no_arrow(i['html']))} -> {n}" for n, i in enumerate(items, 1))
        notes.append(ExportNote(item.slug, "ordering: GIFT has no ordering type; exported as matching item -> position"))
        return [_question(_meta(item), title, text, answers, feedback)]
    if qtype == "flashcard":
        back = f'<div class="quizapp-back">{data.get("back_html", "")}</div>'
        blocks = [_question(_meta(item), title, prompt, "", back + feedback)]
        if data.get("reversible"):
            front = f'<div class="quizapp-back">{prompt}</div>'
            blocks.append(_question(_meta(item, card="back"), f"{title} (reversed)", data.get("back_html", ""),
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
            meta = _meta(item, card=group, blank=str(index + 1) if len(blanks) > 1 else None)
            blocks.append(f"{meta}\n::{escape(item.q.title + suffix)}::[html]{text}")
    return blocks


# --- import -------------------------------------------------------------------------------------------------

_PLACEHOLDERS = {"\\\\": "\ue000", "\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004",
                 "\\}": "\ue005", "\\~": "\ue006", "\\n": "\ue007"}
_RESTORE = {"\ue000": "\\", "\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}",
            "\ue006": "~", "\ue007": "\n"}
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
META = re.compile(r"^//\s*quizapp:\s*(.*)$")
META_SOURCE = re.compile(r"^//\s*quizapp-source:\s*(.*)$")
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)


def _protect(text: str) -> str:
    text = text.replace("\\\\", _PLACEHOLDERS["\\\\"])
    for escaped, placeholder in _PLACEHOLDERS.items():
        text = text.replace(escaped, placeholder)
    return text


def _restore(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


@dataclass
class GiftBlock:
    line: int
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    source: str | None = None


def split_blocks(text: str) -> list[GiftBlock]:
    """Questions are separated by blank lines; `//` comment lines are dropped (quizapp's are read)."""
    blocks: list[GiftBlock] = []
    current: list[str] = []
    start, meta, source = 0, {}, None

    def flush() -> None:
        nonlocal current, meta, source, start
        body = "\n".join(current).strip()
        if body:
            blocks.append(GiftBlock(start, body, meta, source))
        current, meta, source, start = [], {}, None, 0

    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("//"):
            match = META.match(stripped)
            if match:
                meta = dict(part.split("=", 1) for part in match[1].split() if "=" in part)
            elif META_SOURCE.match(stripped):
                source = META_SOURCE.match(stripped)[1].strip()  # type: ignore[index]
            continue
        if not current:
            start = number
        current.append(line)
    flush()
    return blocks


@dataclass
class _Text:
    fmt: str
    text: str

    def markdown(self) -> str:
        if self.fmt == "html":
            return html_to_markdown(self.text)
        if self.fmt == "markdown":
            return self.text.strip()
        return plain_to_markdown(self.text)

    def inline(self) -> str:
        if self.fmt == "markdown":
            return " ".join(self.text.split())
        return inline_markdown(self.text, self.fmt == "html")


def _with_format(text: str, default: str) -> _Text:
    match = FORMAT.match(text)
    if match:
        return _Text(match[1].lower(), _restore(text[match.end():]).strip())
    return _Text(default, _restore(text).strip())


def import_gift(text: str, pack_id: str, pack_title: str | None = None,
                source: str = "Imported from a GIFT file") -> ImportResult:
    """GIFT text -> quizapp Markdown files (one per `$CATEGORY`) and a report with GIFT line numbers."""
    notes: list[ImportNote] = []
    drafts: list[Draft] = []
    topic = ""
    for block in split_blocks(text):
        protected = _protect(block.text)
        if protected.startswith("$CATEGORY:"):
            path = _restore(protected[len("$CATEGORY:"):].strip()).replace("//", "\ue010")
            segments = [s.replace("\ue010", "/") for s in path.split("/") if s]
            segments = [s for s in segments if s not in ("$course$", "$system$", "$module$", "$cat1$", "top")]
            topic = segments[-1] if segments else ""
            continue
        draft = parse_question(block, protected, notes)
        if draft is None:
            continue
        draft.topic, draft.topic_slug = topic, block.meta.get("topic")
        card = block.meta.get("card")
        if card and card.startswith("c") and draft.slug:
            draft.slug += f"-{card}" + (f"-{block.meta['blank']}" if block.meta.get("blank") else "")
            notes.append(ImportNote(block.line, f"cloze card {card} of {block.meta.get('id')!r} became its own "
                                                f"cloze question {draft.slug!r} (GIFT holds one deletion a question)"))
        was = block.meta.get("type")
        if was and was != draft.qtype and was not in ("cloze",):
            notes.append(ImportNote(block.line, f"{block.meta.get('id')!r} was a quizapp {was} question; imported "
                                                f"as {draft.qtype}" + (" (variant 1, the simulator's answer as "
                                                                       "the key)" if was == "sim" else "")))
        if card == "back" and drafts and drafts[-1].slug == block.meta.get("id"):
            drafts[-1].reversible = True
            continue
        drafts.append(draft)
    return write_pack(drafts, pack_id, pack_title, source, notes)


def parse_question(block: GiftBlock, text: str, notes: list[ImportNote]) -> Draft | None:
    line, meta = block.line, block.meta
    name = None
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name = _restore(text[2:end]).strip()
            text = text[end + 2:].strip()
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        notes.append(ImportNote(line, f"description {name or ''!r} (no answer): quizapp has no text-only "
                                      "questions; left out"))
        return None
    if start < 0 or finish < 0 or finish < start:
        notes.append(ImportNote(line, "unbalanced { } in the question; left out"))
        return None
    answer = text[start + 1:finish].strip()
    before, after = text[:start], text[finish + 1:]
    missing_word = bool(after.strip())
    general = ""
    if "####" in answer:
        cut = answer.rfind("####")
        answer, general = answer[:cut].strip(), answer[cut + 4:]
    prompt_text = _with_format(before + ("\ue020" if missing_word else "") + after, "moodle")
    fmt = prompt_text.fmt
    general_text = _with_format(general, fmt) if general.strip() else None
    meta_type = meta.get("type")
    draft = Draft(qtype="", title="", line=line, slug=meta.get("id"),
                  tags=[t for t in meta.get("tags", "").split(",") if t],
                  difficulty=int(meta["difficulty"]) if meta.get("difficulty", "").isdigit() else None,
                  source=block.source)
    explanation, back = _feedback_parts(general_text)
    draft.explanation = explanation
    prompt_md = prompt_text.markdown()
    title = name or " ".join(_plain(prompt_text).split()[:8]) or f"Question at line {line}"
    draft.title = re.sub(r"\s*\((?:c\d+(?:, blank \d+)?|reversed)\)$", "", title) if meta else title

    def answer_text(raw: str) -> _Text:
        return _with_format(raw, fmt)

    if answer == "":
        if back is None and general_text is None:
            notes.append(ImportNote(line, f"essay {title!r} without feedback: nothing to use as a flashcard's "
                                          "back; left out"))
            return None
        draft.qtype, draft.back = "flashcard", back if back is not None else general_text.markdown()  # type: ignore[union-attr]
        if back is None:
            draft.explanation = ""
            notes.append(ImportNote(line, f"essay {title!r} became a flashcard whose back is the general feedback"))
        draft.prompt = prompt_md
        return draft
    if answer.startswith("#"):
        return _numerical(draft, answer[1:], prompt_md, notes)
    if "~" in answer:
        return _choice(draft, answer, prompt_md, answer_text, notes)
    if "=" in answer and "->" in answer:
        return _matching(draft, answer, prompt_md, answer_text, meta_type, notes)
    head = answer.split("#", 1)[0].strip()
    if head in ("T", "TRUE", "F", "FALSE"):
        draft.qtype, draft.answer_bool, draft.prompt = "truefalse", head.startswith("T"), prompt_md
        feedback = [answer_text(part).markdown() for part in answer.split("#")[1:] if part.strip()]
        if feedback:
            draft.explanation = "\n\n".join([draft.explanation, *feedback]).strip()
            notes.append(ImportNote(line, "true/false feedback for a wrong or right answer was moved into the "
                                          "explanation"))
        return draft
    return _short(draft, answer, prompt_md, answer_text, missing_word, notes)


def _plain(text: _Text) -> str:
    from quizapp.exchange.base import html_to_text

    return html_to_text(text.text) if text.fmt == "html" else text.text.replace("\ue020", "_____")


def _feedback_parts(general: _Text | None) -> tuple[str, str | None]:
    """(explanation, back): quizapp's own export marks the flashcard back and the source in the feedback."""
    if general is None:
        return "", None
    text, back = general.text, None
    if general.fmt == "html":
        match = re.search(r'<div class="quizapp-back">(.*?)</div>', text, re.DOTALL)
        if match:
            back = html_to_markdown(match[1])
            text = text[:match.start()] + text[match.end():]
        text = re.sub(r'<p class="quizapp-source">.*?</p>', "", text, flags=re.DOTALL)
    return _Text(general.fmt, text).markdown(), back


def _choice(draft: Draft, answer: str, prompt: str, answer_text: Any,
            notes: list[ImportNote]) -> Draft | None:
    """Moodle's rule: a `=` answer makes a single-choice question; otherwise every positive weight is right."""
    single = "=" in answer
    parts = [p.strip() for p in answer.replace("=", "~=").split("~") if p.strip()]
    choices, feedback = [], []
    for part in parts:
        weight = 0.0
        if part.startswith("="):
            weight, part = 100.0, part[1:]
        else:
            match = WEIGHT.match(part)
            if match:
                weight, part = float(match[1]), part[match.end():]
        text, _, comment = part.partition("#")
        markdown = answer_text(text).inline()
        if comment.strip():
            feedback.append(f"- {markdown}: {answer_text(comment).inline()}")
        if single and 0 < weight < 100:
            notes.append(ImportNote(draft.line, f"partial credit ({weight:g} %) for {markdown!r} was dropped: "
                                                "quizapp counts it as wrong"))
        choices.append((markdown, weight >= 100 if single else weight > 0))
    right = sum(1 for _, ok in choices if ok)
    if right == 0:
        notes.append(ImportNote(draft.line, "no choice is right (no `=` and no positive weight); left out"))
        return None
    if single and right > 1:
        notes.append(ImportNote(draft.line, f"{right} choices are marked right; imported as multiple select"))
    draft.qtype = "single" if single and right == 1 else "multiple"
    draft.choices, draft.prompt = choices, prompt.replace("\ue020", "\\_\\_\\_\\_\\_")
    if feedback:
        draft.explanation = "\n\n".join([draft.explanation, "Feedback on the choices:\n\n" + "\n".join(feedback)])
        notes.append(ImportNote(draft.line, "per-choice feedback was moved into the explanation"))
    return draft


def _matching(draft: Draft, answer: str, prompt: str, answer_text: Any, meta_type: str | None,
              notes: list[ImportNote]) -> Draft | None:
    pairs = []
    for part in (p.strip() for p in answer.split("=")):
        if not part:
            continue
        if "->" not in part:
            notes.append(ImportNote(draft.line, f"matching pair {part!r} has no `->`; left out"))
            continue
        left, right = part.split("->", 1)
        if not left.strip():
            notes.append(ImportNote(draft.line, f"extra right-hand option {right.strip()!r} (a distractor): "
                                                "quizapp matching has no distractors; left out"))
            continue
        pairs.append((answer_text(left).inline(), inline_markdown(_restore(right).strip(), False)))
    positions = [right for _, right in pairs]
    if meta_type == "ordering" and positions == [str(n) for n in range(1, len(pairs) + 1)]:
        draft.qtype, draft.items = "ordering", [left for left, _ in pairs]
        draft.prompt = re.sub(r"\s*\*Match each step to its position \(1 is first\)\.\*\s*$", "", prompt)
        return draft
    if len(pairs) < 2:
        notes.append(ImportNote(draft.line, "a matching question needs two pairs; left out"))
        return None
    draft.qtype, draft.pairs, draft.prompt = "matching", pairs, prompt
    return draft


def _short(draft: Draft, answer: str, prompt: str, answer_text: Any, missing_word: bool,
           notes: list[ImportNote]) -> Draft | None:
    answers, feedback, partial = [], [], False
    for part in (p.strip() for p in answer.split("=")):
        if not part:
            continue
        match = WEIGHT.match(part)
        if match:
            if float(match[1]) < 100:
                partial = True
                continue
            part = part[match.end():]
        text, _, comment = part.partition("#")
        value = _restore(text).strip()
        if comment.strip():
            feedback.append(f"- {md_escape(value)}: {answer_text(comment).inline()}")
        if value:
            answers.append(value)
    if partial:
        notes.append(ImportNote(draft.line, "short answers with partial credit (%weight% < 100) were dropped"))
    if not answers:
        notes.append(ImportNote(draft.line, "short answer without a fully right answer; left out"))
        return None
    if feedback:
        draft.explanation = "\n\n".join([draft.explanation, "Feedback on the answers:\n\n" + "\n".join(feedback)])
        notes.append(ImportNote(draft.line, "per-answer feedback was moved into the explanation"))
    if missing_word and "\ue020" in prompt:
        mark = "{{c1::" + "|".join(a.replace("|", "/").replace("}}", "} }").replace("::", ": :")
                                   for a in answers) + "}}"
        draft.qtype, draft.prompt = "cloze", prompt.replace("\ue020", mark, 1)
        return draft
    draft.qtype, draft.answers, draft.prompt = "short", answers, prompt.replace("\ue020", "")
    return draft


def _numerical(draft: Draft, answer: str, prompt: str, notes: list[ImportNote]) -> Draft | None:
    answers = []
    for part in (p.strip() for p in answer.split("=") if p.strip()):
        value = part.split("#", 1)[0].strip()
        match = WEIGHT.match(value)
        if match:
            if float(match[1]) < 100:
                continue
            value = value[match.end():].strip()
        if ".." in value:
            notes.append(ImportNote(draft.line, f"numerical range {value!r} cannot be carried over (quizapp "
                                                "compares text); left out"))
            continue
        number, _, tolerance = value.partition(":")
        if tolerance.strip() not in ("", "0"):
            notes.append(ImportNote(draft.line, f"numerical tolerance ±{tolerance.strip()} is lost: only "
                                                f"{number.strip()} exactly is accepted"))
        if number.strip():
            answers.append(_restore(number.strip()))
    if not answers:
        notes.append(ImportNote(draft.line, "numerical question without an exact answer; left out"))
        return None
    draft.qtype, draft.answers, draft.prompt = "short", answers, prompt.replace("\ue020", "")
    return draft
