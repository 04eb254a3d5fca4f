"""GIFT answers -> quizapp question types: choice, matching, short answer (and cloze), numerical, ordering;
every loss reported at the line of the answer concerned. Called by `quizapp.exchange.gift_import.parse_question`."""
from __future__ import annotations

import re
from typing import Any

from quizapp.exchange.gift_blocks import (
    GiftBlock,
    _card_id,
    _pieces,
    _plain,
    _protect,
    _raw,
    _restore,
    _with_format,
)
from quizapp.exchange.markdown_out import Draft, ImportNote, feedback_parts, inline_markdown, md_escape
from quizapp.words import say

WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")


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
