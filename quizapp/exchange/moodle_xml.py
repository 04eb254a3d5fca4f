"""Export a pack to Moodle XML (`<quiz>`), the richest format Moodle imports.

Every question keeps its stable id in `<idnumber>`, its tags in `<tags>`, its HTML in CDATA, and the explanation
plus the source in `<generalfeedback>`. One `category` question per topic (`$course$/top/<pack>/<topic>`).

| quizapp | Moodle XML |
|---|---|
| single | `multichoice`, `<single>true</single>` |
| multiple | `multichoice`, `<single>false</single>`: right choices 100/n %, wrong ones -100 % |
| truefalse | `truefalse` |
| short | `shortanswer` (`<usecase>` from `case_sensitive`; a literal `*` is written `\\*`) |
| matching | `matching` |
| ordering | `ordering` (qtype_ordering, all-or-nothing grading), or `matching` item -> position with `ordering="matching"` |
| flashcard | `essay`: the back as grader information and in the general feedback; reversible adds the back -> front essay |
| cloze | `cloze` (embedded answers): one question per deletion number, `{1:SHORTANSWER:=a~=b}` per blank |
| sim | `shortanswer` with the first variant's accepted answers, its trace in the general feedback |
"""
from __future__ import annotations

from collections.abc import Iterable

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
from quizapp.exchange.gift import MULTI_WEIGHTS

ORDERING_AS = ("ordering", "matching")


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def html_text(tag: str, fragment: str, indent: str = "    ") -> str:
    return f'{indent}<{tag} format="html">\n{indent}  <text>{cdata(fragment)}</text>\n{indent}</{tag}>'


def _header(qtype: str, name: str, idnumber: str, prompt: str, feedback: str, penalty: str = "0.3333333") -> list[str]:
    return [
        f'  <question type="{qtype}">',
        f"    <name>\n      <text>{esc(name)}</text>\n    </name>",
        html_text("questiontext", prompt),
        html_text("generalfeedback", feedback),
        "    <defaultgrade>1</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
        f"    <idnumber>{esc(idnumber)}</idnumber>",
    ]


def _tags(item: Item) -> list[str]:
    tags = [*item.q.tags]
    if not tags:
        return []
    return ["    <tags>", *(f"      <tag><text>{esc(tag)}</text></tag>" for tag in tags), "    </tags>"]


def _answer(fraction: str, fragment: str, fmt: str = "html", feedback: str = "") -> str:
    return (f'    <answer fraction="{fraction}" format="{fmt}">\n      <text>{cdata(fragment)}</text>\n'
            f'      <feedback format="html">\n        <text>{cdata(feedback)}</text>\n      </feedback>\n'
            "    </answer>")


def _combined_feedback(shownumcorrect: bool = False) -> list[str]:
    """Moodle's `write_combined_feedback`: three feedback texts, then `<shownumcorrect>` when it is on."""
    lines = [html_text(tag, "") for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")]
    return lines + (["    <shownumcorrect>1</shownumcorrect>"] if shownumcorrect else [])


# qtype_ordering's importer creates two text-less hints (hintformat NULL, refused by PostgreSQL) unless the file
# has `<shownumcorrect>`; Moodle's own export writes it, and we also write the two hints with their format.
ORDERING_HINTS = ("Some items are not in the right place yet: look again at which step starts the sequence.",
                  "Compare each neighbouring pair: which of the two has to happen first?")


def _hints(texts: Iterable[str]) -> list[str]:
    return [f'    <hint format="html">\n      <text>{cdata(f"<p>{esc(text)}</p>")}</text>\n'
            "      <shownumcorrect/>\n    </hint>" for text in texts]


def export_moodle_xml(pack: PackLike, questions: Iterable[QuestionLike] | None = None,
                      ordering: str = "ordering") -> ExportedFile:
    """`ordering="matching"` writes ordering questions as matching (for sites without qtype_ordering)."""
    if ordering not in ORDERING_AS:
        raise ValueError(f"ordering must be one of {ORDERING_AS}")
    notes: list[ExportNote] = []
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f"<!-- quizapp pack {esc(pack.slug)}: {esc(pack.title)} -->",
           "<quiz>"]
    topic, count = None, 0
    for item in items_of(pack, questions):
        if item.topic_slug != topic:
            topic = item.topic_slug
            path = "/".join(n.replace("/", "//") for n in ("$course$", "top", pack.title, item.topic_title))
            out += ['  <question type="category">', f"    <category>\n      <text>{esc(path)}</text>\n    </category>",
                    html_text("info", ""), f"    <idnumber>{esc(item.topic_slug)}</idnumber>", "  </question>"]
        for block in question_xml(item, notes, ordering):
            out.append(block)
            count += 1
    out.append("</quiz>")
    return ExportedFile(("\n".join(out) + "\n").encode("utf-8"), f"{pack.slug}.moodle.xml",
                        "application/xml", notes, count)


def question_xml(item: Item, notes: list[ExportNote], ordering: str = "ordering") -> list[str]:
    data, qtype, title, slug = item.data, item.qtype, item.q.title, item.slug
    prompt, feedback = data.get("prompt_html", ""), feedback_html(item)
    if qtype in ("single", "multiple"):
        choices = data.get("choices", [])
        lines = _header("multichoice", title, slug, prompt, feedback)
        lines += [f"    <single>{'true' if qtype == 'single' else 'false'}</single>",
                  f"    <shuffleanswers>{'true' if data.get('shuffle', True) else 'false'}</shuffleanswers>",
                  "    <answernumbering>abc</answernumbering>", "    <showstandardinstruction>0</showstandardinstruction>",
                  *_combined_feedback(shownumcorrect=qtype == "multiple")]
        if qtype == "single":
            lines += [_answer("100" if c.get("correct") else "0", c["html"]) for c in choices]
        else:
            right = sum(1 for c in choices if c.get("correct"))
            weight = MULTI_WEIGHTS.get(right, f"{100 / max(right, 1):.5f}")
            lines += [_answer(weight if c.get("correct") else "-100", c["html"]) for c in choices]
            notes.append(ExportNote(slug, f"multiple: Moodle gives partial credit (each right choice {weight}%, a "
                                          "wrong one -100%) where quizapp is all-or-nothing"))
        return ["\n".join(lines + _tags(item) + ["  </question>"])]
    if qtype == "truefalse":
        right = bool(data.get("answer"))
        lines = _header("truefalse", title, slug, prompt, feedback, penalty="1")
        lines += [_answer("100" if right else "0", "true", "moodle_auto_format"),
                  _answer("0" if right else "100", "false", "moodle_auto_format")]
        return ["\n".join(lines + _tags(item) + ["  </question>"])]
    if qtype in ("short", "sim"):
        answers, text, general = data.get("answers", []), prompt, feedback
        if qtype == "sim":
            variant = sim_variant(data)
            if variant is None:
                notes.append(ExportNote(slug, "sim question without variants; left out"))
                return []
            answers, text, general = variant.accepted, sim_prompt_html(variant), sim_feedback_html(item, variant)
            notes.append(ExportNote(slug, f"sim: variant 1 of {len(data.get('variants', []))} exported as a short "
                                          "answer; the trace is in the general feedback"))
        lines = _header("shortanswer", title, slug, text, general)
        lines.append(f"    <usecase>{1 if data.get('case_sensitive') else 0}</usecase>")
        lines += [_answer("100", a.replace("*", "\\*"), "moodle_auto_format") for a in answers]
        return ["\n".join(lines + _tags(item) + ["  </question>"])]
    if qtype == "matching" or (qtype == "ordering" and ordering == "matching"):
        if qtype == "ordering":
            pairs = [(i["html"], str(n)) for n, i in enumerate(data.get("items", []), 1)]
            prompt += "<p><em>Match each step to its position (1 is first).</em></p>"
            notes.append(ExportNote(slug, "ordering exported as matching item -> position"))
        else:
            pairs = [(p["left_html"], p["right"]) for p in data.get("pairs", [])]
        lines = _header("matching", title, slug, prompt, feedback)
        lines += ["    <shuffleanswers>true</shuffleanswers>", *_combined_feedback(shownumcorrect=True)]
        lines += [f'    <subquestion format="html">\n      <text>{cdata(left)}</text>\n'
                  f"      <answer>\n        <text>{esc(right)}</text>\n      </answer>\n    </subquestion>"
                  for left, right in pairs]
        return ["\n".join(lines + _tags(item) + ["  </question>"])]
    if qtype == "ordering":
        lines = _header("ordering", title, slug, prompt, feedback)
        lines += ["    <layouttype>VERTICAL</layouttype>", "    <selecttype>ALL</selecttype>",
                  "    <selectcount>0</selectcount>", "    <gradingtype>ALL_OR_NOTHING</gradingtype>",
                  "    <showgrading>SHOW</showgrading>", "    <numberingstyle>none</numberingstyle>",
                  *_combined_feedback(shownumcorrect=True)]
        lines += [_answer(f"{n}", i["html"]) for n, i in enumerate(data.get("items", []), 1)]
        lines += _hints(ORDERING_HINTS)
        notes.append(ExportNote(slug, "ordering: needs the ordering question type (qtype_ordering) on the Moodle "
                                      "site; export with ordering='matching' otherwise"))
        return ["\n".join(lines + _tags(item) + ["  </question>"])]
    if qtype == "flashcard":
        back = data.get("back_html", "")
        sides = [(title, slug, prompt, back)]
        if data.get("reversible"):
            sides.append((f"{title} (reversed)", f"{slug}-reversed", back, prompt))
        notes.append(ExportNote(slug, "flashcard: exported as an essay (manually graded in Moodle); the back is "
                                      "the grader information and the general feedback"))
        blocks = []
        for name, ident, front, answer in sides:
            general = f'<div class="quizapp-back">{answer}</div>' + feedback
            lines = _header("essay", name, ident, front, general, penalty="0")
            lines += ["    <responseformat>editor</responseformat>", "    <responserequired>1</responserequired>",
                      "    <responsefieldlines>5</responsefieldlines>", "    <attachments>0</attachments>",
                      "    <attachmentsrequired>0</attachmentsrequired>", html_text("graderinfo", answer),
                      html_text("responsetemplate", "")]
            blocks.append("\n".join(lines + _tags(item) + ["  </question>"]))
        return blocks
    if qtype == "cloze":
        return cloze_xml(item, notes, feedback)
    notes.append(ExportNote(slug, f"unknown question type {qtype!r}; left out"))
    return []


def multianswer_escape(text: str) -> str:
    """An answer inside `{1:SHORTANSWER:...}` as `qtype_multianswer_extract_question` reads it back: it decodes
    HTML entities, then unescapes only `\\}` and `\\#`; an answer ends at `~ # }` unless `\\`, `&` or `&amp;`
    precede it. So `&` is written `&#38;` (no `&` before a delimiter), `< >` as entities, `~` as `&#126;`,
    `}` and `#` with a backslash; `/ " \\` stay as they are (measured in Moodle 5.1: escaping them costs the
    mark). A literal `*` is `\\*`, as in a short-answer question (`*` alone is Moodle's wildcard)."""
    text = text.replace("}", "\\}").replace("#", "\\#").replace("*", "\\*")
    return text.replace("&", "&#38;").replace("<", "&lt;").replace(">", "&gt;").replace("~", "&#126;")


def multianswer_problem(answer: str) -> str | None:
    """Why Moodle cannot store `answer` exactly in a cloze, or None."""
    if not answer.strip():
        return "an empty answer"
    if answer != answer.strip():
        return f"answer {answer!r} starts or ends with a space (Moodle trims it)"
    if answer.endswith("\\") or "\\}" in answer or "\\#" in answer or "\\*" in answer:
        return f"answer {answer!r}: a backslash before `}}`, `#`, `*` or at the end reads differently in Moodle"
    return None


def cloze_xml(item: Item, notes: list[ExportNote], feedback: str) -> list[str]:
    data, blocks = item.data, []
    kind = "SHORTANSWER_C" if data.get("case_sensitive") else "SHORTANSWER"
    groups = data.get("groups", [])
    for group in groups:
        blanks, parts = cloze_card_blanks(data, group), cloze_card_parts(data, group)
        if len(parts) != len(blanks) + 1:
            notes.append(ExportNote(item.slug, f"cloze {group}: its blanks could not be located; left out"))
            continue
        text = parts[0]
        for blank, part in zip(blanks, parts[1:]):
            for answer in blank.answers:
                problem = multianswer_problem(answer)
                if problem:
                    notes.append(ExportNote(item.slug, f"cloze {group}: {problem}"))
            hint = f"({esc(blank.hint)}) " if blank.hint else ""
            answers = "~".join("=" + multianswer_escape(a) for a in blank.answers)
            text += f"{hint}{{1:{kind}:{answers}}}{part}"
        name = item.q.title if len(groups) == 1 else f"{item.q.title} ({group})"
        ident = item.slug if len(groups) == 1 else f"{item.slug}-{group}"
        lines = _header("cloze", name, ident, text, feedback)
        blocks.append("\n".join(lines + _tags(item) + ["  </question>"]))
    if len(groups) > 1:
        notes.append(ExportNote(item.slug, f"cloze: one embedded-answers question per deletion number "
                                           f"({', '.join(groups)})"))
    return blocks
