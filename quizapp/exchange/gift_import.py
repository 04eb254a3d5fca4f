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

from quizapp.exchange.gift_answers import _choice, _matching, _numerical, _ordering, _short
from quizapp.exchange.gift_blocks import (
    GiftBlock,
    _card_id,
    _plain,
    _protect,
    _restore,
    _with_format,
    split_blocks,
)
from quizapp.exchange.markdown_out import (
    Draft,
    FormattedText,
    feedback_parts,
    ImportNote,
    ImportResult,
    write_pack,
)
from quizapp.words import say

__all__ = ["GiftBlock", "import_gift", "parse_question", "split_blocks"]

# qtype_ordering's GIFT header (Moodle 5.x adds the numbering style), then the items, one a line, up to the last `}`.
ORDERING = re.compile(
    r"\{>\s*(?P<count>\d+)\s*(?P<select>ALL|EXACT|RANDOM|REL|CONTIGUOUS|CONTIG)?\s*"
    r"(?P<layout>HORIZONTAL|HORI|H|VERTICAL|VERT|V|1|0)?\s*"
    r"(?P<grading>ALL_OR_NOTHING|ABSOLUTE_POSITION|ABSOLUTE|ABS|RELATIVE_NEXT_EXCLUDE_LAST|RELATIVE_NEXT_INCLUDE_LAST|"
    r"RELATIVE_ONE_PREVIOUS_AND_NEXT|RELATIVE_ALL_PREVIOUS_AND_NEXT|RELATIVE_TO_CORRECT|RELATIVE|REL|"
    r"LONGEST_ORDERED_SUBSET|LONGEST_CONTIGUOUS_SUBSET)?[ \t]*(?P<show>SHOW|TRUE|YES|HIDE|FALSE|NO|1|0)?[ \t]*"
    r"(?P<numbering>none|abc|ABCD|123|iii|IIII)?[ \t]*\n?(?P<items>.*)\}\s*$", re.S)


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
