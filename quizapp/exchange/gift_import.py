"""Moodle GIFT -> quizapp Markdown, with a report of what could not be carried over at the line concerned.

Reads what Moodle's `qformat_gift::readquestion` reads: multiple choice, multiple answers, true/false, short
answer, missing word, matching, numerical, essay, description, ordering (`qtype_ordering::import_from_gift`,
`{>N ALL VERTICAL ALL_OR_NOTHING SHOW none` then one item a line) and the `// [id:...] [tag:...]` comment that
carries the question's idnumber and tags (`extract_idnumber_and_tags_from_comment`). quizapp's own export adds
`// quizapp: type=... topic=...` comments, which bring back the question type, topic, difficulty and source.
Every loss is reported with the line of the answer concerned (the question's first line for the whole question).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from quizapp.exchange.markdown_out import (
    Draft,
    FormattedText,
    feedback_parts,
    ImportNote,
    ImportResult,
    html_to_markdown,
    inline_markdown,
    md_escape,
    plain_to_markdown,
    write_pack,
)
from quizapp.words import say

_PLACEHOLDERS = {"\\\\": "\ue000", "\\:": "\ue001", "\\#": "\ue002", "\\=": "\ue003", "\\{": "\ue004",
                 "\\}": "\ue005", "\\~": "\ue006", "\\n": "\ue007"}
_RESTORE = {"\ue000": "\\", "\ue001": ":", "\ue002": "#", "\ue003": "=", "\ue004": "{", "\ue005": "}",
            "\ue006": "~", "\ue007": "\n"}
_RAW = {placeholder: escaped for escaped, placeholder in _PLACEHOLDERS.items()}
WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
META = re.compile(r"^//\s*quizapp:\s*(.*)$")
META_SOURCE = re.compile(r"^//\s*quizapp-source:\s*(.*)$")
META_EXPLANATION = re.compile(r"^//\s*quizapp-explanation:\s*(.*)$")
MOODLE_ID = re.compile(r"\[id:((?:\\]|[^\]\x00-\x1f\x7f])+)\]")
MOODLE_TAG = re.compile(r"\[tag:((?:\\]|[^\]<>\x00-\x1f\x7f])+)\]")
FORMAT = re.compile(r"^\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
# qtype_ordering's GIFT header (Moodle 5.x adds the numbering style), then the items, one a line, up to the last `}`.
ORDERING = re.compile(
    r"\{>\s*(?P<count>\d+)\s*(?P<select>ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?\s*"
    r"(?P<layout>HORIZONTAL|HORI|H|VERTICAL|VERT|V|1|0)?\s*"
    r"(?P<grading>ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|RELATIVE_NEXT_INCLUDE_LAST|"
    r"RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|RELATIVE_TO_CORRECT|RELATIVE|REL|"
    r"LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?[ \t]*(?P<show>SHOW|TRUE|YES|HIDE|FALSE|NO|1|0)?[ \t]*"
    r"(?P<numbering>none|abc|ABCD|123|iii|IIII)?[ \t]*\n?(?P<items>.*)\}\s*$", re.S)


def _protect(text: str) -> str:
    text = text.replace("\\\\", _PLACEHOLDERS["\\\\"])
    for escaped, placeholder in _PLACEHOLDERS.items():
        text = text.replace(escaped, placeholder)
    return text


def _restore(text: str) -> str:
    for placeholder, char in _RESTORE.items():
        text = text.replace(placeholder, char)
    return text


def _raw(text: str) -> str:
    """Placeholders back to their escaped form (Moodle reads ordering items without unescaping them)."""
    for placeholder, escaped in _RAW.items():
        text = text.replace(placeholder, escaped)
    return text


@dataclass
class GiftBlock:
    line: int
    text: str
    meta: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    idnumber: str | None = None  # Moodle's `// [id:...]`
    tags: list[str] = field(default_factory=list)  # Moodle's `// [tag:...]`
    explanation: str | None = None  # quizapp's `// quizapp-explanation:` (ordering questions)

    def line_at(self, text: str, position: int) -> int:
        """The file line of `position` in `text`, a protected copy of this block's text (same line breaks)."""
        return self.line + text.count("\n", 0, max(position, 0))


def split_blocks(text: str) -> list[GiftBlock]:
    """Questions are separated by blank lines; `//` comment lines are read for ids, tags and quizapp's metadata
    (a comment inside a question keeps its line, empty, so line numbers stay exact)."""
    blocks: list[GiftBlock] = []
    current: list[str] = []
    comments: list[str] = []
    start = 0

    def flush() -> None:
        nonlocal current, comments, start
        body = "\n".join(current).rstrip()
        if body.strip():
            blocks.append(_block(start, body, comments))
        current, comments, start = [], [], 0

    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        stripped = line.strip()
        if not stripped:
            flush()
            continue
        if stripped.startswith("//"):
            comments.append(stripped)
            if current:
                current.append("")
            continue
        if not current:
            start = number
        current.append(line)
    flush()
    return blocks


def _block(start: int, body: str, comments: list[str]) -> GiftBlock:
    block = GiftBlock(start, body.lstrip())
    joined = "\n".join(comments)
    for comment in comments:
        if match := META.match(comment):
            block.meta = dict(part.split("=", 1) for part in match[1].split() if "=" in part)
        elif match := META_SOURCE.match(comment):
            block.source = match[1].strip()
        elif match := META_EXPLANATION.match(comment):
            block.explanation = match[1]
    if match := MOODLE_ID.search(joined):
        block.idnumber = match[1].strip().replace("\\]", "]")
    block.tags = [tag.strip().replace("\\]", "]") for tag in MOODLE_TAG.findall(joined)]
    return block


def _pieces(text: str, separators: str, keep: str = "") -> list[tuple[str, int]]:
    """`text` cut before each separator character, with each piece's offset; separators in `keep` stay at the
    start of their piece (GIFT's `=` marks a right answer), the others are dropped."""
    pieces, begin = [], 0
    for index, char in enumerate(text):
        if char in separators:
            pieces.append((text[begin:index], begin))
            begin = index if char in keep else index + 1
    pieces.append((text[begin:], begin))
    return [(piece, offset) for piece, offset in pieces if piece.strip()]


def _with_format(text: str, default: str) -> FormattedText:
    match = FORMAT.match(text)
    if match:
        return FormattedText(match[1].lower(), _restore(text[match.end():]).strip())
    return FormattedText(default, _restore(text).strip())


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
        if card and card.startswith("c") and draft.slug and draft.slug != block.meta.get("id"):
            notes.append(ImportNote(block.line, say("cloze card {card} of {id!r} became its own cloze question "
                                                    "{slug!r} (GIFT holds one deletion a question)",
                                                    card=card, id=block.meta.get('id'), slug=draft.slug)))
        was = block.meta.get("type")
        if was and was != draft.qtype and was not in ("cloze",):
            if was == "sim":
                changed = say("{id!r} was a quizapp sim question; imported as {qtype} (variant 1, the simulator's "
                              "answer as the key)", id=block.meta.get("id"), qtype=draft.qtype)
            else:
                changed = say("{id!r} was a quizapp {was} question; imported as {qtype}", id=block.meta.get("id"),
                              was=was, qtype=draft.qtype)
            notes.append(ImportNote(block.line, changed))
        if card == "back" and drafts and drafts[-1].slug in (block.meta.get("id"), _card_id(block)):
            drafts[-1].reversible = True
            continue
        drafts.append(draft)
    return write_pack(drafts, pack_id, pack_title, source, notes)


def _card_id(block: GiftBlock) -> str | None:
    """The id of a question: Moodle's `[id:...]`, else quizapp's comment (with the cloze card for old exports)."""
    if block.idnumber:
        return block.idnumber
    ident, card = block.meta.get("id"), block.meta.get("card")
    if ident and card and card.startswith("c"):
        return f"{ident}-{card}" + (f"-{block.meta['blank']}" if block.meta.get("blank") else "")
    return ident


def parse_question(block: GiftBlock, protected: str, notes: list[ImportNote]) -> Draft | None:
    line, meta, text = block.line, block.meta, protected
    name, offset = None, 0  # offset: where `text` starts in `protected` (for line numbers)
    if text.startswith("::"):
        end = text.find("::", 2)
        if end >= 0:
            name = _restore(text[2:end]).strip()
            rest = text[end + 2:]
            offset = end + 2 + len(rest) - len(rest.lstrip())
            text = rest.strip()
    ordering = ORDERING.search(text)
    if ordering:
        return _ordering(block, protected, offset, name, text, ordering, notes)
    start, finish = text.find("{"), text.find("}")
    if start < 0 and finish < 0:
        notes.append(ImportNote(line, say("description {name!r} (no answer): quizapp has no text-only questions; left "
                                          "out", name=name or '')))
        return None
    if start < 0 or finish < 0 or finish < start:
        notes.append(ImportNote(line, say("unbalanced {{ }} in the question; left out")))
        return None
    raw_answer = text[start + 1:finish]
    answer = raw_answer.strip()
    answer_at = offset + start + 1 + len(raw_answer) - len(raw_answer.lstrip())  # `answer` in `protected`

    def line_of(position: int) -> int:
        return block.line_at(protected, answer_at + position)

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
    draft = Draft(qtype="", title="", line=line, slug=_card_id(block),
                  tags=list(dict.fromkeys([*block.tags, *(t for t in meta.get("tags", "").split(",") if t)])),
                  difficulty=int(meta["difficulty"]) if meta.get("difficulty", "").isdigit() else None,
                  source=block.source)
    explanation, back = feedback_parts(general_text)
    draft.explanation = explanation
    prompt_md = prompt_text.markdown()
    title = name or " ".join(_plain(prompt_text).split()[:8]) or f"Question at line {line}"
    draft.title = re.sub(r"\s*\((?:c\d+(?:, blank \d+)?|reversed)\)$", "", title) if meta else title

    def answer_text(raw: str) -> FormattedText:
        return _with_format(raw, fmt)

    if answer == "":
        if back is None and general_text is None:
            notes.append(ImportNote(line, say("essay {title!r} without feedback: nothing to use as a flashcard's back; "
                                              "left out", title=title)))
            return None
        draft.qtype, draft.back = "flashcard", back if back is not None else general_text.markdown()  # type: ignore[union-attr]
        if back is None:
            draft.explanation = ""
            notes.append(ImportNote(line, say("essay {title!r} became a flashcard whose back is the general feedback",
                                              title=title)))
        draft.prompt = prompt_md
        return draft
    if answer.startswith("#"):
        return _numerical(draft, answer, prompt_md, line_of, notes)
    if "~" in answer:
        return _choice(draft, answer, prompt_md, answer_text, line_of, notes)
    if "=" in answer and "->" in answer:
        return _matching(draft, answer, prompt_md, answer_text, meta_type, line_of, notes)
    head = answer.split("#", 1)[0].strip()
    if head in ("T", "TRUE", "F", "FALSE"):
        draft.qtype, draft.answer_bool, draft.prompt = "truefalse", head.startswith("T"), prompt_md
        feedback = [answer_text(part).markdown() for part in answer.split("#")[1:] if part.strip()]
        if feedback:
            draft.explanation = "\n\n".join([draft.explanation, *feedback]).strip()
            notes.append(ImportNote(line, say("true/false feedback for a wrong or right answer was moved into the "
                                              "explanation")))
        return draft
    return _short(draft, answer, prompt_md, answer_text, missing_word, line_of, notes)


def _plain(text: FormattedText) -> str:
    from quizapp.exchange.base import html_to_text

    return html_to_text(text.text) if text.fmt == "html" else text.text.replace("\ue020", "_____")


def _choice(draft: Draft, answer: str, prompt: str, answer_text: Any, line_of: Any,
            notes: list[ImportNote]) -> Draft | None:
    """Moodle's rule: a `=` answer makes a single-choice question; otherwise every positive weight is right."""
    single = "=" in answer
    choices, feedback = [], []
    for part, at in _pieces(answer, "~=", keep="="):
        part, weight = part.strip(), 0.0
        if part.startswith("="):
            weight, part = 100.0, part[1:]
        elif match := WEIGHT.match(part):
            weight, part = float(match[1]), part[match.end():]
        text, _, comment = part.partition("#")
        markdown = answer_text(text).inline()
        if comment.strip():
            feedback.append(f"- {markdown}: {answer_text(comment).inline()}")
            notes.append(ImportNote(line_of(at), say("feedback on choice {markdown!r} was moved into the explanation",
                                                     markdown=markdown)))
        if single and 0 < weight < 100:
            notes.append(ImportNote(line_of(at), say("partial credit ({weight:g} %) for {markdown!r} was dropped: "
                                                     "quizapp counts it as wrong", weight=weight, markdown=markdown)))
        if not single and weight > 0 and len(choices) == 0:
            notes.append(ImportNote(line_of(at), say("Moodle gives partial credit per right choice; quizapp grades "
                                                     "multiple select all or nothing")))
        choices.append((markdown, weight >= 100 if single else weight > 0))
    right = sum(1 for _, ok in choices if ok)
    if len(choices) < 2:
        notes.append(ImportNote(draft.line, say("a choice question needs two choices (Moodle refuses it too); "
                                                "left out")))
        return None
    if right == 0:
        notes.append(ImportNote(draft.line, say("no choice is right (no `=` and no positive weight); left out")))
        return None
    if single and right > 1:
        notes.append(ImportNote(draft.line, say("{right} choices are marked right; imported as multiple select",
                                                right=right)))
    draft.qtype = "single" if single and right == 1 else "multiple"
    draft.choices, draft.prompt = choices, prompt.replace("\ue020", "\\_\\_\\_\\_\\_")
    if feedback:
        draft.explanation = "\n\n".join([draft.explanation, "Feedback on the choices:\n\n" + "\n".join(feedback)])
    return draft


def _matching(draft: Draft, answer: str, prompt: str, answer_text: Any, meta_type: str | None, line_of: Any,
              notes: list[ImportNote]) -> Draft | None:
    pairs = []
    for part, at in _pieces(answer, "="):
        part = part.strip()
        if "->" not in part:
            notes.append(ImportNote(line_of(at), say("matching pair {part!r} has no `->`; left out", part=part)))
            continue
        left, right = part.split("->", 1)
        if not left.strip():
            notes.append(ImportNote(line_of(at), say("extra right-hand option {option!r} (a distractor): quizapp "
                                                     "matching has no distractors; left out",
                                                     option=_restore(right).strip())))
            continue
        pair = (answer_text(left).inline(), inline_markdown(_restore(right).strip(), False))
        if pair[0] in (done for done, _ in pairs):
            notes.append(ImportNote(line_of(at), say("left-hand value {left!r} appears twice; the second pair was left "
                                                     "out", left=pair[0])))
            continue
        pairs.append(pair)
    positions = [right for _, right in pairs]
    if meta_type == "ordering" and positions == [str(n) for n in range(1, len(pairs) + 1)]:
        draft.qtype, draft.items = "ordering", [left for left, _ in pairs]
        draft.prompt = re.sub(r"\s*\*Match each step to its position \(1 is first\)\.\*\s*$", "", prompt)
        return draft
    if len(pairs) < 2:
        notes.append(ImportNote(draft.line, say("a matching question needs two pairs; left out")))
        return None
    draft.qtype, draft.pairs, draft.prompt = "matching", pairs, prompt
    return draft


def _short(draft: Draft, answer: str, prompt: str, answer_text: Any, missing_word: bool, line_of: Any,
           notes: list[ImportNote]) -> Draft | None:
    answers, feedback = [], []
    for part, at in _pieces(answer, "="):
        part = part.strip()
        if match := WEIGHT.match(part):
            if float(match[1]) < 100:
                notes.append(ImportNote(line_of(at), say("answer {answer!r} with partial credit ({percent} %) was "
                                                         "dropped: quizapp accepts an answer fully or not at all",
                                                         answer=_restore(part[match.end():]).split('#')[0].strip(),
                                                         percent=match[1])))
                continue
            part = part[match.end():]
        text, _, comment = part.partition("#")
        value = _restore(text).strip()
        if comment.strip():
            feedback.append(f"- {md_escape(value)}: {answer_text(comment).inline()}")
            notes.append(ImportNote(line_of(at), say("feedback on answer {value!r} was moved into the explanation",
                                                     value=value)))
        if "*" in value:
            notes.append(ImportNote(line_of(at), say("answer {value!r}: `*` is a wildcard in Moodle, a plain star in "
                                                     "quizapp", value=value)))
        if value:
            answers.append(value)
    if not answers:
        notes.append(ImportNote(draft.line, say("short answer without a fully right answer; left out")))
        return None
    if feedback:
        draft.explanation = "\n\n".join([draft.explanation, "Feedback on the answers:\n\n" + "\n".join(feedback)])
    if missing_word and "\ue020" in prompt:
        mark = "{{c1::" + "|".join(a.replace("|", "/").replace("}}", "} }").replace("::", ": :")
                                   for a in answers) + "}}"
        draft.qtype, draft.prompt = "cloze", prompt.replace("\ue020", mark, 1)
        return draft
    draft.qtype, draft.answers, draft.prompt = "short", answers, prompt.replace("\ue020", "")
    return draft


def _numerical(draft: Draft, answer: str, prompt: str, line_of: Any, notes: list[ImportNote]) -> Draft | None:
    """`{#5}`, `{#5:0.1}`, `{#1..5}`, `{#=%50%5:1}`: quizapp's short answers compare text, so only exact
    answers are carried; every tolerance, range and partial-credit answer is reported at its line."""
    body, wrong_at = answer[1:], answer.find("~")
    if wrong_at >= 0:
        notes.append(ImportNote(line_of(wrong_at), say("feedback for any other (wrong) number is not carried over")))
        body = answer[1:wrong_at]
    answers = []
    for part, at in _pieces(body, "="):
        at += 1  # the leading `#`
        value, has_feedback = part.split("#", 1)[0].strip(), "#" in part
        weight = 100.0
        if match := WEIGHT.match(value):
            value, weight = value[match.end():].strip(), float(match[1])
        number, _, tolerance = _restore(value).partition(":")
        number, tolerance = number.strip(), tolerance.strip()
        if has_feedback:
            notes.append(ImportNote(line_of(at), say("feedback on the numerical answer {number!r} is not carried over",
                                                     number=number)))
        if weight < 100:
            notes.append(ImportNote(line_of(at), say("numerical answer {number!r} with partial credit ({weight:g} %) "
                                                     "was dropped: quizapp accepts an answer fully or not at all",
                                                     number=number, weight=weight)))
            continue
        if ".." in number:
            notes.append(ImportNote(line_of(at), say("numerical range {number!r} cannot be carried over (quizapp "
                                                     "compares text); left out", number=number)))
            continue
        if tolerance not in ("", "0"):
            notes.append(ImportNote(line_of(at), say("numerical tolerance ±{tolerance} is lost: only {number} exactly "
                                                     "is accepted", tolerance=tolerance, number=number)))
        if number:
            answers.append(number)
    if not answers:
        notes.append(ImportNote(draft.line, say("numerical question without an exact full-credit answer; left out")))
        return None
    notes.append(ImportNote(line_of(0), say("numerical answers {answers} are compared as text in quizapp (another "
                                            "spelling of the same number is wrong)", answers=', '.join(answers))))
    draft.qtype, draft.answers, draft.prompt = "short", answers, prompt.replace("\ue020", "")
    return draft


def _ordering(block: GiftBlock, protected: str, offset: int, name: str | None, text: str, match: re.Match[str],
              notes: list[ImportNote]) -> Draft | None:
    """Moodle's GIFT ordering question (`qtype_ordering::import_from_gift`)."""
    header_line = block.line_at(protected, offset + match.start())
    prompt_text = _with_format(text[:match.start()], "moodle")
    items = [_raw(item).strip() for item in match["items"].split("\n")]
    items = [item for item in items if item]
    title = name or " ".join(_plain(prompt_text).split()[:8]) or f"Question at line {block.line}"
    if len(items) < 2:
        notes.append(ImportNote(header_line, say("an ordering question needs two items; left out")))
        return None
    select, grading = (match["select"] or "").upper(), (match["grading"] or "").upper()
    if select not in ("", "ALL") or int(match["count"]) < len(items) and select != "ALL":
        notes.append(ImportNote(header_line, say("Moodle shows {shown} of the {total} items ({select}); quizapp asks "
                                                 "for all of them",
                                                 shown=match['count'], total=len(items), select=select or 'RANDOM')))
    if grading not in ("", "ALL_OR_NOTHING"):
        notes.append(ImportNote(header_line, say("grading {grading} gives partial credit in Moodle; quizapp grades an "
                                                 "ordering all or nothing", grading=grading)))
    explanation, _back = feedback_parts(_with_format(_protect(block.explanation), "html")
                                         if block.explanation else None)
    is_html = prompt_text.fmt == "html" or any("<" in item or "&" in item for item in items)
    return Draft(qtype="ordering", title=title, line=block.line, slug=_card_id(block), prompt=prompt_text.markdown(),
                 items=[inline_markdown(item, is_html) for item in items], explanation=explanation,
                 tags=list(dict.fromkeys([*block.tags, *(t for t in block.meta.get("tags", "").split(",") if t)])),
                 difficulty=int(block.meta["difficulty"]) if block.meta.get("difficulty", "").isdigit() else None,
                 source=block.source)
