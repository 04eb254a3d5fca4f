"""Moodle XML -> quizapp Markdown, with a report of what could not be carried over at its line.

Reads the question types Moodle's `qformat_xml` writes: multichoice (single and multiple), truefalse, shortanswer,
numerical, matching, ordering (`qtype_ordering`), essay, cloze (multianswer, short-answer blanks), description and
category. Ids come from `<idnumber>`, tags from `<tags>`, topics from the categories (the category's own
`<idnumber>`, when there is one, is the topic's file name). The file is parsed with expat and no DTD or entity
declarations (a file with them is refused), so a crafted file cannot expand entities or read local files.
"""
from __future__ import annotations

import html
import re
import xml.parsers.expat
from dataclasses import dataclass, field

from quizapp.exchange.markdown_out import (
    Draft,
    FormattedText,
    ImportNote,
    ImportResult,
    feedback_parts,
    html_to_markdown,
    inline_markdown,
    write_pack,
)
from quizapp.words import Said, say

FORMATS = {"html": "html", "moodle_auto_format": "moodle", "plain_text": "plain", "markdown": "markdown"}
SKIPPED_TYPES = {"description": say("a description (no answer)"), "calculated": say("a calculated question"),
                 "calculatedsimple": say("a calculated question"), "calculatedmulti": say("a calculated question"),
                 "randomsamatch": say("a random short-answer matching question"), "random": say("a random question"),
                 "ddwtos": say("a drag-and-drop question"), "gapselect": say("a select-missing-words question"),
                 "ddimageortext": say("a drag-and-drop question"), "ddmarker": say("a drag-and-drop question")}
# qtype_multianswer's syntax: `{grade:TYPE:=right#feedback~%50%partial~wrong}`.
EMBEDDED = re.compile(r"\{(\d*):([A-Z_]+):((?:[^}\\]|\\.)*)\}", re.S)
ALTERNATIVE = re.compile(r"(?:^|~)(=|%(-?\d+(?:[.,]\d*)?)%)?((?:[^~#\\]|\\.|&#?\w+;)*)(?:#((?:[^~\\]|\\.)*))?", re.S)
SOURCE = re.compile(r'<p class="quizapp-source">Source: (?:<a href="([^"]*)">.*?</a>|([^<]*))</p>', re.S)
AUTHOR_SOURCE = re.compile(r"Source:\s*(?:<a [^>]*>)?(https?://[^\s<\"]+)")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str]
    line: int
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    def find(self, path: str) -> Node | None:
        node: Node | None = self
        for name in path.split("/"):
            node = next((c for c in node.children if c.tag == name), None) if node else None
        return node

    def findall(self, tag: str) -> list[Node]:
        return [c for c in self.children if c.tag == tag]

    def text(self, path: str = "", default: str = "") -> str:
        node = self.find(path) if path else self
        return "".join(node.parts).strip() if node is not None else default

    def formatted(self, path: str, default_format: str = "html") -> FormattedText:
        node = self.find(path)
        if node is None:
            return FormattedText(default_format, "")
        fmt = FORMATS.get(node.attrs.get("format", ""), default_format)
        return FormattedText(fmt, node.text("text"))


class MoodleXmlError(ValueError):
    def __init__(self, line: int, message: Said) -> None:
        super().__init__(f"line {line}: {message}")
        self.line, self.message = line, message


def parse_xml(data: bytes | str) -> Node:
    """The document as `Node`s with line numbers; `MoodleXmlError` (with its line) when it is not well-formed."""
    parser = xml.parsers.expat.ParserCreate()
    root: list[Node] = []
    stack: list[Node] = []

    def refuse(*_args: object) -> None:
        raise MoodleXmlError(parser.CurrentLineNumber, say("DTD and entity declarations are not accepted in a Moodle "
                                                           "XML file; remove the <!DOCTYPE ...>"))

    def start(tag: str, attrs: dict[str, str]) -> None:
        node = Node(tag, attrs, parser.CurrentLineNumber)
        (stack[-1].children if stack else root).append(node)
        stack.append(node)

    parser.StartElementHandler = start
    parser.EndElementHandler = lambda _tag: stack.pop()
    parser.CharacterDataHandler = lambda data: stack[-1].parts.append(data) if stack else None
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as error:
        raise MoodleXmlError(error.lineno, say("not well-formed XML ({reason}, column {column})",
                                               reason=xml.parsers.expat.ErrorString(error.code),
                                               column=error.offset + 1)) from None
    if not root or root[0].tag != "quiz":
        raise MoodleXmlError(root[0].line if root else 1, say("the root element must be <quiz> (a Moodle XML file)"))
    return root[0]


def import_moodle_xml(text: str | bytes, pack_id: str, pack_title: str | None = None,
                      source: str = "Imported from a Moodle XML file") -> ImportResult:
    """Moodle XML -> quizapp Markdown files (one per category) and a report with line numbers."""
    notes: list[ImportNote] = []
    try:
        quiz = parse_xml(text.encode("utf-8") if isinstance(text, str) else text)
    except MoodleXmlError as error:
        return ImportResult({}, [ImportNote(error.line, error.message)], 0)
    drafts: list[Draft] = []
    topic, topic_slug = "", None
    from_quizapp = (text if isinstance(text, str) else text.decode("utf-8", "replace"))[:400].find("<!-- quizapp pack") >= 0
    for question in quiz.findall("question"):
        kind = question.attrs.get("type", "")
        if kind == "category":
            segments = [s for s in question.text("category/text").replace("//", "\ue010").split("/") if s]
            segments = [s.replace("\ue010", "/") for s in segments
                        if s not in ("$course$", "$system$", "$module$", "$cat1$", "top")]
            topic, topic_slug = (segments[-1] if segments else ""), question.text("idnumber") or None
            continue
        draft = read_question(question, kind, notes)
        if draft is None:
            continue
        draft.topic, draft.topic_slug = topic, topic_slug
        if from_quizapp and draft.qtype == "cloze":  # quizapp's export writes a blank's hint as `(hint) ` before it
            draft.prompt = re.sub(r"\(([^()\n]*)\) \{\{c1::(.*?)\}\}", r"{{c1::\2::\1}}", draft.prompt)
        if draft.qtype == "flashcard" and draft.slug and draft.slug.endswith("-reversed") and drafts \
                and drafts[-1].qtype == "flashcard" and drafts[-1].slug == draft.slug[:-len("-reversed")]:
            drafts[-1].reversible = True  # quizapp's export: the back -> front card of the previous flashcard
            continue
        drafts.append(draft)
    return write_pack(drafts, pack_id, pack_title, source, notes)


def read_question(question: Node, kind: str, notes: list[ImportNote]) -> Draft | None:
    line = question.line
    if kind in SKIPPED_TYPES or kind not in READERS:
        what = SKIPPED_TYPES.get(kind) or say("question type {kind!r}", kind=kind)
        notes.append(ImportNote(line, say("{what} {name!r}: quizapp cannot carry it; left out",
                                          what=what, name=question.text('name/text'))))
        return None
    prompt = question.formatted("questiontext")
    general = question.formatted("generalfeedback", prompt.fmt)
    explanation, back = feedback_parts(general if general.text else None)
    title = question.text("name/text") or " ".join(html.unescape(re.sub(r"<[^>]+>", " ", prompt.text)).split()[:8])
    draft = Draft(qtype="", title=title or f"Question at line {line}", line=line,
                  slug=question.text("idnumber") or None, explanation=explanation,
                  tags=[t.text("text") for t in (question.find("tags") or Node("tags", {}, line)).findall("tag")],
                  source=source_of(general.text))
    draft.back = back or ""
    return READERS[kind](question, draft, prompt, notes)


def source_of(feedback: str) -> str | None:
    """The source quizapp's export wrote (or the author's `Source: URL` line), to keep it on the way back."""
    match = SOURCE.search(feedback)
    if match:
        return html.unescape(match[1] or match[2]).strip() or None
    match = AUTHOR_SOURCE.search(feedback)
    return html.unescape(match[1]) if match else None


def _answer_text(answer: Node, default_format: str) -> FormattedText:
    fmt = FORMATS.get(answer.attrs.get("format", ""), default_format)
    return FormattedText(fmt, answer.text("text"))


def _fraction(node: Node) -> float:
    try:
        return float(node.attrs.get("fraction", "0"))
    except ValueError:
        return 0.0


def _answer_feedback(draft: Draft, answer: Node, label: str, notes: list[ImportNote]) -> None:
    feedback = answer.formatted("feedback")
    if feedback.text:
        draft.explanation = "\n\n".join([draft.explanation, f"- {label}: {feedback.inline()}"]).strip()
        notes.append(ImportNote(answer.line, say("feedback on {label!r} was moved into the explanation", label=label)))


def _multichoice(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    single = question.text("single", "true").lower() in ("true", "1")
    choices = []
    for answer in question.findall("answer"):
        fraction = _fraction(answer)
        text = _answer_text(answer, prompt.fmt).inline()
        if single and 0 < fraction < 100:
            notes.append(ImportNote(answer.line, say("partial credit ({fraction:g} %) for {text!r} was dropped: "
                                                     "quizapp counts it as wrong", fraction=fraction, text=text)))
        _answer_feedback(draft, answer, text, notes)
        choices.append((text, fraction >= 100 if single else fraction > 0))
    right = sum(ok for _, ok in choices)
    if len(choices) < 2 or right == 0:
        notes.append(ImportNote(draft.line, say("a choice question needs two choices and a right one; left out")))
        return None
    if not single:
        notes.append(ImportNote(draft.line, say("Moodle gives partial credit per right choice; quizapp grades multiple "
                                                "select all or nothing")))
    draft.qtype = "single" if single and right == 1 else "multiple"
    draft.choices, draft.prompt = choices, prompt.markdown()
    return draft


def _truefalse(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    answer_bool = None
    for first, answer in enumerate(question.findall("answer")):
        text = answer.text("text")
        text = text if text in ("true", "false") else ("true" if first == 0 else "false")
        right = _fraction(answer) == 100
        answer_bool = right if text == "true" else not right
        _answer_feedback(draft, answer, text, notes)
    if answer_bool is None:
        notes.append(ImportNote(draft.line, say("true/false question without answers; left out")))
        return None
    draft.qtype, draft.answer_bool, draft.prompt = "truefalse", answer_bool, prompt.markdown()
    return draft


def _short_answers(question: Node, draft: Draft, notes: list[ImportNote], numerical: bool = False) -> list[str]:
    accepted = []
    for answer in question.findall("answer"):
        value, fraction = answer.text("text"), _fraction(answer)
        if fraction < 100:
            if fraction > 0:
                notes.append(ImportNote(answer.line, say("answer {value!r} with partial credit ({fraction:g} %) was "
                                                         "dropped: quizapp accepts an answer fully or not at all",
                                                         value=value, fraction=fraction)))
            continue
        _answer_feedback(draft, answer, value, notes)
        if numerical:
            tolerance = answer.text("tolerance")
            if tolerance not in ("", "0") and float(tolerance or 0) != 0:
                notes.append(ImportNote(answer.line, say("numerical tolerance ±{tolerance} is lost: only {number} "
                                                         "exactly is accepted", tolerance=tolerance, number=value)))
        elif re.search(r"(?<!\\)\*", value):
            notes.append(ImportNote(answer.line, say("answer {value!r}: `*` is a wildcard in Moodle, a plain star in "
                                                     "quizapp", value=value)))
        value = value.replace("\\*", "*")
        if value and value != "*":
            accepted.append(value)
    return accepted


def _shortanswer(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    numerical = question.attrs.get("type") == "numerical"
    answers = _short_answers(question, draft, notes, numerical)
    if not answers:
        notes.append(ImportNote(draft.line, say("no answer with full credit; left out")))
        return None
    if numerical:
        notes.append(ImportNote(draft.line, say("numerical answers are compared as text in quizapp (another spelling "
                                                "of the same number is wrong); units are not carried")))
    draft.qtype, draft.answers, draft.prompt = "short", answers, prompt.markdown()
    draft.case_sensitive = question.text("usecase") in ("1", "true")
    return draft


def _matching(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    pairs = []
    for sub in question.findall("subquestion"):
        left, right = _answer_text(sub, prompt.fmt).inline(), inline_markdown(sub.text("answer/text"), False)
        if not left:
            notes.append(ImportNote(sub.line, say("extra answer {right!r} (a distractor): quizapp matching has no "
                                                  "distractors; left out", right=right)))
            continue
        if left in (done for done, _ in pairs):
            notes.append(ImportNote(sub.line, say("left-hand value {left!r} appears twice; the second pair was left "
                                                  "out", left=left)))
            continue
        pairs.append((left, right))
    if len(pairs) < 2:
        notes.append(ImportNote(draft.line, say("a matching question needs two pairs; left out")))
        return None
    draft.qtype, draft.pairs, draft.prompt = "matching", pairs, prompt.markdown()
    return draft


def _ordering(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    answers = sorted(question.findall("answer"), key=_fraction)  # the fraction is the position
    items = [_answer_text(a, prompt.fmt).inline() for a in answers]
    if len(items) < 2:
        notes.append(ImportNote(draft.line, say("an ordering question needs two items; left out")))
        return None
    select, grading = question.text("selecttype", "RANDOM").upper(), question.text("gradingtype", "RELATIVE").upper()
    count = question.text("selectcount", "6")
    if select != "ALL" and (not count.isdigit() or int(count) < len(items)):
        notes.append(ImportNote(draft.line, say("Moodle shows {shown} of the {total} items ({select}); quizapp asks "
                                                "for all of them", shown=count, total=len(items), select=select)))
    if grading != "ALL_OR_NOTHING":
        notes.append(ImportNote(draft.line, say("grading {grading} gives partial credit in Moodle; quizapp grades an "
                                                "ordering all or nothing", grading=grading)))
    draft.qtype, draft.items, draft.prompt = "ordering", items, prompt.markdown()
    return draft


def _essay(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    grader = question.formatted("graderinfo", prompt.fmt)
    if not draft.back:
        if grader.text:
            draft.back = grader.markdown()
            notes.append(ImportNote(draft.line, say("essay became a flashcard whose back is the grader information")))
        elif draft.explanation:
            draft.back, draft.explanation = draft.explanation, ""
            notes.append(ImportNote(draft.line, say("essay became a flashcard whose back is the general feedback")))
        else:
            notes.append(ImportNote(draft.line, say("essay without grader information or feedback: nothing to use as a "
                                                    "flashcard's back; left out")))
            return None
    draft.qtype, draft.prompt = "flashcard", prompt.markdown()
    return draft


def _cloze(question: Node, draft: Draft, prompt: FormattedText, notes: list[ImportNote]) -> Draft | None:
    """Every embedded answer becomes a blank of one card (Moodle asks them together, as quizapp's `c1`)."""
    marks: list[str] = []

    def blank(match: re.Match[str]) -> str:
        kind, answers, wrong = match[2], [], 0
        for alt in ALTERNATIVE.finditer(match[3]):
            if not alt[0].strip("~"):
                continue
            value = html.unescape(alt[3]).replace("\\}", "}").replace("\\#", "#").strip()
            fraction = 100.0 if alt[1] == "=" else float((alt[2] or "0").replace(",", "."))
            if alt[4] and alt[4].strip():
                notes.append(ImportNote(draft.line, say("cloze blank {blank}: feedback on {answer!r} is not carried "
                                                        "over", blank=len(marks) + 1, answer=value)))
            if fraction >= 100:
                answers.append(value.replace("\\*", "*"))
            elif fraction > 0:
                notes.append(ImportNote(draft.line, say("cloze blank {blank}: answer {answer!r} with partial credit "
                                                        "({fraction:g} %) was dropped",
                                                        blank=len(marks) + 1, answer=value, fraction=fraction)))
            else:
                wrong += 1
        if kind.startswith(("MULTICHOICE", "MC", "MULTIRESPONSE", "MR")):
            notes.append(ImportNote(draft.line, say("cloze blank {blank} is a {kind} menu: the learner types the "
                                                    "answer in quizapp ({wrong} wrong choice(s) not carried)",
                                                    blank=len(marks) + 1, kind=kind, wrong=wrong)))
        elif kind in ("NUMERICAL", "NM"):
            notes.append(ImportNote(draft.line, say("cloze blank {blank} is numerical: compared as text in quizapp, "
                                                    "tolerance lost", blank=len(marks) + 1)))
            answers = [a.split(":")[0] for a in answers]
        if kind in ("SHORTANSWER_C", "SAC", "MWC"):
            draft.case_sensitive = True
        if not answers:
            notes.append(ImportNote(draft.line, say("cloze blank {blank} has no full-credit answer",
                                                    blank=len(marks) + 1)))
            answers = ["?"]
        marks.append("{{c1::" + "|".join(a.replace("|", "/").replace("}}", "} }").replace("::", ": :")
                                         for a in answers) + "}}")
        return f"QUIZAPPCLOZE{len(marks) - 1}X"

    text = EMBEDDED.sub(blank, prompt.text)
    if not marks:
        notes.append(ImportNote(draft.line, say("cloze question without embedded answers; left out")))
        return None
    markdown = html_to_markdown(text) if prompt.fmt == "html" else FormattedText(prompt.fmt, text).markdown()
    for number, mark in enumerate(marks):
        markdown = markdown.replace(f"QUIZAPPCLOZE{number}X", mark)
    draft.qtype, draft.prompt = "cloze", markdown
    return draft


READERS = {"multichoice": _multichoice, "truefalse": _truefalse, "shortanswer": _shortanswer,
           "numerical": _shortanswer, "matching": _matching, "ordering": _ordering, "essay": _essay,
           "cloze": _cloze}
