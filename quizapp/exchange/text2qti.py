"""Import text2qti's Markdown quiz format (https://github.com/gpoore/text2qti) into quizapp Markdown.

text2qti writes `1.  question`, `*a)` right / `b)` wrong choices, `[*]`/`[ ]` multiple answers, `*  answer`
short answers, `=  1.41 +- 0.01` numerical answers, `____` essays, `^^^^` uploads, feedback lines `...` (general
or per choice), `+` (right) and `-` (wrong), `Title:` and `Points:` before a question, `Text:` regions, and
`GROUP` ... `END_GROUP` pools. Continuation lines are indented to the text after the marker.

| text2qti | quizapp |
|---|---|
| `*a)` / `b)` choices | single (truefalse when the choices are exactly True and False) |
| `[*]` / `[ ]` | multiple |
| `*  answer` | short |
| `=  1.5` | short (`1.5`); a tolerance (`+-`) or a range cannot be carried over |
| `...` general feedback | the explanation |
| `...` after a choice, `+`, `-` | moved into the explanation (reported) |
| `Title:` | the title and the id; without one, the id is `question-N` from the question's number |
| `Quiz title:` | the pack title and the topic title |
| essay, file upload, `Text:`, `Points:`, `GROUP` pools | not carried over (reported) |
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from quizapp.exchange.markdown_out import (
    Draft,
    ImportNote,
    ImportResult,
    md_escape,
    one_line,
    write_pack,
)
from quizapp.words import Said, say

NUMERICAL_RANGE = "numerical range"

MARKERS = [
    ("quiz_title", r"[Qq]uiz [Tt]itle:"), ("quiz_description", r"[Qq]uiz [Dd]escription:"),
    ("text_title", r"[Tt]ext [Tt]itle:"), ("text", r"[Tt]ext:"), ("question_title", r"[Tt]itle:"),
    ("group_points", r"[Pp]oints per question:"), ("question_points", r"[Pp]oints:"), ("group_pick", r"[Pp]ick:"),
    ("question", r"\d+\."), ("mctf_correct", r"\*[a-zA-Z]\)"), ("mctf_incorrect", r"[a-zA-Z]\)"),
    ("multans_correct", r"\[\*\]"), ("multans_incorrect", r"\[ ?\]"), ("shortans", r"\*"),
    ("feedback", r"\.\.\."), ("correct_feedback", r"\+"), ("incorrect_feedback", r"-"), ("numerical", r"="),
]
START = re.compile("|".join(f"(?P<{name}>{pattern})[ \\t]+(?=\\S)" for name, pattern in MARKERS))
WHOLE_LINE = {"essay": re.compile(r"^___+\s*$"), "upload": re.compile(r"^\^\^\^+\s*$"),
              "start_group": re.compile(r"^GROUP\s*$"), "end_group": re.compile(r"^END_GROUP\s*$")}
SINGLE_LINE = {"quiz_title", "question_title", "question_points", "group_points", "group_pick", "numerical",
               "shortans"}
COLON_MARKERS = {name for name, pattern in MARKERS if pattern.endswith(":")}  # continuation: any 2+ indent
ONE_PARAGRAPH = {"quiz_title", "question_title", "text_title"}


@dataclass
class Token:
    kind: str
    text: str
    line: int


def tokenize(source: str, notes: list[ImportNote]) -> list[Token]:
    lines = source.lstrip("\ufeff").expandtabs(4).splitlines()
    tokens: list[Token] = []
    index = 0
    in_comment = False
    while index < len(lines):
        line, number = lines[index], index + 1
        index += 1
        if in_comment:
            in_comment = not line.startswith("END_COMMENT")
            continue
        if line.startswith("COMMENT"):
            in_comment = True
            continue
        if not line.strip() or line.startswith("%"):
            continue
        whole = next((kind for kind, pattern in WHOLE_LINE.items() if pattern.match(line)), None)
        if whole:
            tokens.append(Token(whole, "", number))
            continue
        match = START.match(line)
        if not match:
            notes.append(ImportNote(number, say("line not understood (not a text2qti marker): {line!r}; left out",
                                                line=line.strip()[:60])))
            continue
        kind = match.lastgroup or ""
        text_lines = [line[match.end():].rstrip()]
        if kind not in SINGLE_LINE:
            indent = None if kind in COLON_MARKERS else " " * match.end()
            blank_run = 0
            while index < len(lines):
                following = lines[index]
                if not following.strip():
                    if kind in ONE_PARAGRAPH:
                        break
                    blank_run += 1
                    index += 1
                    continue
                if indent is None:
                    if not following.startswith("  "):
                        break
                    indent = " " * (len(following) - len(following.lstrip(" ")))
                if not following.startswith(indent):
                    break
                text_lines += [""] * blank_run + [following[len(indent):].rstrip()]
                blank_run = 0
                index += 1
        tokens.append(Token(kind, "\n".join(text_lines).strip(), number))
    return tokens


@dataclass
class _Question:
    draft: Draft
    number: str
    choice_kind: str = ""
    numerical: list[str] = field(default_factory=list)
    extra_feedback: list[str] = field(default_factory=list)
    skip: Said | str = ""  # why the question is left out (NUMERICAL_RANGE: already reported)


def import_text2qti(source: str, pack_id: str, pack_title: str | None = None,
                    source_citation: str = "Imported from a text2qti quiz") -> ImportResult:
    """text2qti quiz text -> quizapp Markdown (one topic) and a report with line numbers."""
    notes: list[ImportNote] = []
    questions: list[_Question] = []
    quiz_title = None
    pending_title: tuple[str, int] | None = None
    current: _Question | None = None
    for token in tokenize(source, notes):
        kind, text, line = token.kind, token.text, token.line
        if kind == "quiz_title":
            quiz_title = one_line(text)
        elif kind == "quiz_description":
            notes.append(ImportNote(line, say("the quiz description is not carried over (a pack has no description)")))
        elif kind in ("text", "text_title"):
            notes.append(ImportNote(line, say("a `Text:` region between questions is not carried over")))
        elif kind == "question_title":
            pending_title = (one_line(text), line)
        elif kind == "question_points":
            if text.strip() not in ("1", "1.0"):
                notes.append(ImportNote(line, say("points ({points}) are not carried over: quizapp does not weight "
                                                  "questions", points=text.strip())))
        elif kind in ("start_group", "end_group", "group_pick", "group_points"):
            if kind == "start_group":
                notes.append(ImportNote(line, say("question group: its questions are imported one by one; the random "
                                                  "pick and points per question are lost")))
        elif kind == "question":
            number = re.match(r"\s*(\d+)", source.splitlines()[line - 1])
            title = pending_title[0] if pending_title else None
            pending_title = None
            draft = Draft(qtype="", title=title or _title_from(text), line=line, prompt=text,
                          slug=title if title else None, topic=quiz_title or "")
            current = _Question(draft, number[1] if number else str(len(questions) + 1))
            if not title:
                draft.slug = f"question-{current.number}"
            questions.append(current)
        elif current is None:
            notes.append(ImportNote(line, say("{marker} before any question; left out", marker=kind.replace('_', ' '))))
        else:
            _add(current, kind, text, line, notes)
    drafts = []
    for question in questions:
        draft = _finish(question, notes)
        if draft is not None:
            draft.topic = quiz_title or "Imported quiz"
            drafts.append(draft)
    return write_pack(drafts, pack_id, pack_title or quiz_title, source_citation, notes,
                      default_topic=quiz_title or "Imported quiz")


def _title_from(text: str) -> str:
    words = one_line(re.sub(r"[`*_$\\]", "", text)).split()
    return " ".join(words[:8]) + ("..." if len(words) > 8 else "")


def _add(question: _Question, kind: str, text: str, line: int, notes: list[ImportNote]) -> None:
    draft = question.draft
    if kind in ("mctf_correct", "mctf_incorrect", "multans_correct", "multans_incorrect"):
        family = kind.split("_")[0]
        if question.choice_kind and question.choice_kind != family:
            notes.append(ImportNote(line, say("choices of two kinds (`a)` and `[ ]`) in one question; this one "
                                              "left out")))
            return
        question.choice_kind = family
        draft.choices.append((one_line(text), kind.endswith("_correct")))
    elif kind == "shortans":
        question.choice_kind = question.choice_kind or "shortans"
        draft.answers.append(text.strip())
    elif kind == "numerical":
        question.choice_kind = "numerical"
        question.numerical.append(text.strip())
        _numerical(question, text.strip(), line, notes)
    elif kind == "feedback":
        if draft.choices or draft.answers:
            subject = draft.choices[-1][0] if draft.choices else md_escape(draft.answers[-1])
            question.extra_feedback.append(f"- {subject}: {one_line(text)}")
            notes.append(ImportNote(line, say("feedback for one choice was moved into the explanation")))
        else:
            draft.explanation = "\n\n".join(p for p in (draft.explanation, text) if p)
    elif kind in ("correct_feedback", "incorrect_feedback"):
        label = "If right" if kind == "correct_feedback" else "If wrong"
        question.extra_feedback.append(f"- {label}: {one_line(text)}")
        moved = (say("if right feedback was moved into the explanation") if kind == "correct_feedback"
                 else say("if wrong feedback was moved into the explanation"))
        notes.append(ImportNote(line, moved))
    elif kind == "essay":
        question.skip = say("an essay question has no answer key; left out")
    elif kind == "upload":
        question.skip = say("a file-upload question has no answer key; left out")


def _numerical(question: _Question, text: str, line: int, notes: list[ImportNote]) -> None:
    value = text.strip()
    tolerance = re.match(r"^(\S+)\s*\+-\s*(\S+)$", value)
    interval = re.match(r"^\[\s*(\S+?)\s*,\s*(\S+?)\s*\]$", value)
    if interval:
        notes.append(ImportNote(line, say("numerical range {range} cannot be carried over (quizapp compares text); "
                                          "question left out", range=value)))
        question.skip = NUMERICAL_RANGE
        return
    if tolerance and _number(tolerance[2]) == 0:
        value = tolerance[1]
    elif tolerance:
        notes.append(ImportNote(line, say("numerical tolerance ±{tolerance} is lost: only {number} exactly is accepted",
                                          tolerance=tolerance[2], number=tolerance[1])))
        value = tolerance[1]
    question.draft.answers.append(value)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _finish(question: _Question, notes: list[ImportNote]) -> Draft | None:
    draft = question.draft
    if question.skip:
        if question.skip is not NUMERICAL_RANGE:
            notes.append(ImportNote(draft.line, question.skip))
        return None
    if question.extra_feedback:
        draft.explanation = "\n\n".join(p for p in (draft.explanation, "\n".join(question.extra_feedback)) if p)
    kind = question.choice_kind
    if kind in ("mctf", "multans") and len(draft.choices) < 2:
        notes.append(ImportNote(draft.line, say("a choice question needs two choices, this one has {count}; left out",
                                                count=len(draft.choices))))
        return None
    if kind == "mctf":
        right = [text for text, ok in draft.choices if ok]
        texts = sorted(text.lower() for text, _ in draft.choices)
        if texts == ["false", "true"] and len(right) == 1:
            draft.qtype, draft.answer_bool, draft.choices = "truefalse", right[0].lower() == "true", []
        elif len(right) != 1:
            notes.append(ImportNote(draft.line, say("multiple-choice question with {count} right choices; left out",
                                                    count=len(right))))
            return None
        else:
            draft.qtype = "single"
        return draft
    if kind == "multans":
        if not any(ok for _, ok in draft.choices):
            notes.append(ImportNote(draft.line, say("multiple-answers question without a right choice; left out")))
            return None
        draft.qtype = "multiple"
        return draft
    if kind in ("shortans", "numerical"):
        if not draft.answers:
            return None
        draft.qtype = "short"
        return draft
    notes.append(ImportNote(draft.line, say("question without choices or answers; left out")))
    return None
