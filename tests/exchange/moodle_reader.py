"""A reader of Moodle XML that does, element by element, what Moodle's own import code does.

It is written from Moodle's source, not from our exporter: `question/format/xml/format.php` (`import_headers`,
`import_answer`, `import_combined_feedback`, `import_hints`, `import_question_tags`, `import_multichoice`,
`import_truefalse`, `import_shortanswer`, `import_match`, `import_essay`, `import_multianswer`),
`question/type/multianswer/questiontype.php` (`qtype_multianswer_extract_question` and its regular expressions),
`question/type/ordering/questiontype.php` (`import_from_xml`) and `question/type/questionbase.php`
(`compare_string_with_wildcard`, how a short answer is graded). Where Moodle 5.1 fails on a file, as measured in
`../shared/research/moodle-import-findings.md`, the reader raises `MoodleImportError` with Moodle's message.
"""
from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any


class MoodleImportError(Exception):
    pass


# --- qtype_multianswer: the regular expressions of questiontype.php, translated from PCRE ------------------

FRACTION = r"=|%(-?[0-9]+(?:[.,][0-9]*)?)%"
ANSWER = r".+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$)"
FEEDBACK = r".*?(?<!\\)(?=[~}]|$)"
ALTERNATIVE = f"({FRACTION})?({ANSWER})(#({FEEDBACK}))?"
TYPES = ("(NUMERICAL|NM)|(MULTICHOICE|MC)|(MULTICHOICE_V|MCV)|(MULTICHOICE_H|MCH)|"
         "(SHORTANSWER|SA|MW)|(SHORTANSWER_C|SAC|MWC)|"
         "(MULTICHOICE_S|MCS)|(MULTICHOICE_VS|MCVS)|(MULTICHOICE_HS|MCHS)|"
         "(MULTIRESPONSE|MR)|(MULTIRESPONSE_H|MRH)|(MULTIRESPONSE_S|MRS)|(MULTIRESPONSE_HS|MRHS)")
ANSWER_REGEX = re.compile(r"\{([0-9]*):(" + TYPES + "):(" + ALTERNATIVE + "(~" + ALTERNATIVE + r")*)\}", re.S)
ALTERNATIVE_REGEX = re.compile("~?" + ALTERNATIVE, re.S)
NORM, SHORTANSWER, SHORTANSWER_C, ALTERNATIVES = 1, 7, 8, 16


@dataclass
class SubQuestion:
    qtype: str
    usecase: int
    answers: list[str]
    fractions: list[float]


def extract_multianswer(text: str) -> tuple[str, list[SubQuestion]]:
    """`qtype_multianswer_extract_question`: the text with `{#n}` markers and the embedded subquestions."""
    subquestions = []
    position = 1
    while True:
        match = ANSWER_REGEX.search(text)
        if not match:
            break
        if match[SHORTANSWER]:
            sub = SubQuestion("shortanswer", 0, [], [])
        elif match[SHORTANSWER_C]:
            sub = SubQuestion("shortanswer", 1, [], [])
        else:
            sub = SubQuestion(match[2].lower(), 0, [], [])
        remaining = match[ALTERNATIVES]
        while True:
            alt = ALTERNATIVE_REGEX.search(remaining)
            if not alt:
                break
            if alt[1] == "=":
                fraction = 1.0
            elif alt[2]:
                fraction = 0.01 * float(alt[2].replace(",", "."))
            else:
                fraction = 0.0
            answer = html.unescape(alt[3]).replace("\\}", "}").replace("\\#", "#")
            sub.answers.append(answer)
            sub.fractions.append(fraction)
            remaining = remaining.split(alt[0], 1)[1]
        subquestions.append(sub)
        text = text.replace(match[0], "{#%d}" % position, 1)
        position += 1
    return text, subquestions


def validate_multianswer(subquestions: list[SubQuestion]) -> None:
    """`qtype_multianswer_validate_question`, for the subquestion types we write."""
    if not subquestions:
        raise MoodleImportError("invalidmultianswerquestion: questionsmissing")
    for number, sub in enumerate(subquestions, 1):
        answers = [a for a in sub.answers if a.strip()]
        if not answers:
            raise MoodleImportError(f"invalidmultianswerquestion: sub_{number}: notenoughanswers")
        if not any(f == 1 for a, f in zip(sub.answers, sub.fractions) if a.strip()):
            raise MoodleImportError(f"invalidmultianswerquestion: sub_{number}: fractionsnomax")


def compare_string_with_wildcard(string: str, pattern: str, ignorecase: bool) -> bool:
    """`question_utils`/`qtype_shortanswer_question::compare_string_with_wildcard`: how Moodle grades a short
    answer: runs of unescaped `*` match anything, `\\*` is a literal star, the response is trimmed."""
    pattern = unicodedata.normalize("NFC", pattern)
    string = unicodedata.normalize("NFC", string)
    bits = re.split(r"(?<!\\)\*+", pattern)
    regexp = "^" + ".*".join(re.escape(bit.replace("\\*", "*")) for bit in bits) + "$"
    return re.match(regexp, string.strip(), re.IGNORECASE if ignorecase else 0) is not None


def grade_shortanswer(response: str, answers: list[str], fractions: list[float], usecase: int) -> float:
    """The fraction of the first stored answer the response matches, as `get_matching_answer` does."""
    for answer, fraction in zip(answers, fractions):
        if compare_string_with_wildcard(response, answer, not usecase):
            return fraction
    return 0.0


# --- qformat_xml ---------------------------------------------------------------------------------------------


@dataclass
class Imported:
    qtype: str
    name: str
    questiontext: str
    generalfeedback: str
    idnumber: str | None
    tags: list[str]
    category: str
    options: dict[str, Any] = field(default_factory=dict)


def _text(element: ET.Element | None, path: str, default: str = "") -> str:
    """`getpath(..., $istext=true)`: the element's text, trimmed."""
    if element is None:
        return default
    found = element.find(path)
    if found is None:
        return default
    return (found.text or "").strip()


def _text_with_format(element: ET.Element | None, default_format: str = "html") -> tuple[str, str]:
    if element is None:
        return "", default_format
    return _text(element, "text"), element.get("format", default_format)


def clean_question_name(name: str) -> str:
    name = re.sub(r"<[^>]*>", "", name).strip()
    return name[:255]


def _headers(question: ET.Element, category: str) -> Imported:
    name = _text(question, "name/text")
    if not name:
        raise MoodleImportError("xmlimportnoname")
    text, _fmt = _text_with_format(question.find("questiontext"))
    feedback, _ = _text_with_format(question.find("generalfeedback"))
    idnumber = question.findtext("idnumber")
    tags = [(t.text or "").strip() for t in question.findall("tags/tag/text")]
    return Imported("", clean_question_name(name), text, feedback, idnumber, tags, category)


def _answers(question: ET.Element) -> list[dict[str, Any]]:
    """`import_answer`: text (trimmed), fraction attribute / 100, feedback."""
    return [{"text": _text(a, "text"), "format": a.get("format", "html"), "fraction": float(a.get("fraction", 0)) / 100,
             "feedback": _text(a, "feedback/text")} for a in question.findall("answer")]


def _hints(question: ET.Element) -> list[dict[str, Any]]:
    return [{"text": _text(h, "text"), "format": h.get("format", "html"),
             "shownumcorrect": h.find("shownumcorrect") is not None, "clearwrong": h.find("clearwrong") is not None}
            for h in question.findall("hint")]


def _combined(question: ET.Element, shownumcorrect: bool) -> dict[str, Any]:
    out = {f: _text(question, f"{f}/text") for f in ("correctfeedback", "partiallycorrectfeedback",
                                                     "incorrectfeedback")}
    if shownumcorrect:
        out["shownumcorrect"] = question.find("shownumcorrect") is not None
    return out


def trans_single(value: str) -> int:
    return 1 if value.strip().lower() in ("true", "1") else 0


def import_question(question: ET.Element, category: str) -> Imported:
    kind = question.get("type")
    if kind == "multichoice":
        q = _headers(question, category)
        q.qtype = "multichoice"
        q.options = {"single": trans_single(question.findtext("single") or "true"), "answers": _answers(question),
                     "hints": _hints(question), **_combined(question, True)}
    elif kind == "truefalse":
        q = _headers(question, category)
        q.qtype = "truefalse"
        correct = None
        for first, answer in enumerate(question.findall("answer")):
            text = _text(answer, "text")
            if text not in ("true", "false"):
                text = "true" if first == 0 else "false"
            fraction = float(answer.get("fraction", 0))
            correct = (fraction == 100) if text == "true" else (fraction != 100)
        q.options = {"correctanswer": correct}
    elif kind == "shortanswer":
        q = _headers(question, category)
        q.qtype = "shortanswer"
        usecase = question.findtext("usecase")
        q.options = {"usecase": int(usecase) if usecase not in (None, "") else 0,
                     "answers": [{**a, "format": "plain"} for a in _answers(question)]}
    elif kind == "matching":
        q = _headers(question, category)
        q.qtype = "match"
        q.options = {"subquestions": [(_text(s, "text"), _text(s, "answer/text")) for s in question.findall("subquestion")],
                     **_combined(question, True)}
    elif kind == "essay":
        q = _headers(question, category)
        q.qtype = "essay"
        q.options = {"graderinfo": _text(question, "graderinfo/text"),
                     "responseformat": question.findtext("responseformat") or "editor"}
    elif kind == "cloze":
        text, _fmt = _text_with_format(question.find("questiontext"))
        marked, subquestions = extract_multianswer(text)
        validate_multianswer(subquestions)
        name = _text(question, "name/text")
        feedback, _ = _text_with_format(question.find("generalfeedback"))
        q = Imported("multianswer", clean_question_name(name), marked, feedback, question.findtext("idnumber"),
                     [(t.text or "").strip() for t in question.findall("tags/tag/text")], category,
                     {"subquestions": subquestions, "hints": _hints(question)})
    elif kind == "ordering":
        q = _headers(question, category)
        q.qtype = "ordering"
        if question.find("shownumcorrect") is None and not question.findall("hint"):
            # Measured in Moodle 5.1 (findings): the importer then saves two hints whose hintformat is NULL.
            raise MoodleImportError('dmlwriteexception: null value in column "hintformat" of relation '
                                    '"mdl_question_hints"')
        hints = _hints(question)
        if any(not h["format"] for h in hints):
            raise MoodleImportError("hint without a format")
        q.options = {"layouttype": question.findtext("layouttype") or "VERTICAL",
                     "selecttype": question.findtext("selecttype") or "RANDOM",
                     "selectcount": int(question.findtext("selectcount") or 6),
                     "gradingtype": question.findtext("gradingtype") or "RELATIVE",
                     "answers": [a["text"] for a in _answers(question)], "hints": hints,
                     **_combined(question, True)}
    else:
        raise MoodleImportError(f"xmlimportunknowntype: {kind}")
    return q


def read_quiz(content: bytes) -> list[Imported]:
    """Every question of a Moodle XML file as Moodle would save it; categories as their paths."""
    root = ET.fromstring(content)
    if root.tag != "quiz":
        raise MoodleImportError("invalidxml: the root element is not <quiz>")
    questions: list[Imported] = []
    category = "$course$/top/Default"
    seen: dict[tuple[str, str], str] = {}
    for element in root.findall("question"):
        if element.get("type") == "category":
            category = _text(element, "category/text")
            continue
        question = import_question(element, category)
        if question.idnumber:
            if len(question.idnumber) > 100:
                raise MoodleImportError(f"idnumber {question.idnumber!r} is longer than 100 characters")
            key = (category, question.idnumber)
            if key in seen:
                raise MoodleImportError(f"idnumber {question.idnumber!r} is used twice in {category}")
            seen[key] = question.name
        questions.append(question)
    return questions
