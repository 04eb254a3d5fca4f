"""Answer checkers: one small class per question type, kept in a registry, each returning a `CheckResult`.

Responses are plain JSON-like dicts (the same from a form and from the API):
  flashcard {"knew": bool}; cloze {"blanks": [str, ...]}; single {"choice": int}; multiple {"choices": [int]};
  truefalse {"value": bool}; short {"text": str}; ordering {"order": [int, ...]} (item indices as authored);
  matching {"matches": [int, ...]} (for each left item, the index of the chosen right option);
  sim {"text": str} (ask endpoint, name, source_ip), {"value": bool} (delivered), {"outcome": str} (outcome);
  lab {"scenario": str} (the learner's edited scenario YAML).
Indices always refer to the authored order, whatever order the learner saw. `variant` is the seed that picked
a sim question's variant; other types ignore it.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True)
class CheckResult:
    correct: bool
    score: float  # fraction of the parts that were right, 0..1
    expected: Any  # the answer key, in the response's own shape
    parts: list[bool] = field(default_factory=list)  # per blank, choice, item or pair
    trace: dict[str, Any] | None = None  # sim questions: the simulator's trace of the variant asked


class InvalidResponse(ValueError):
    """A response of the wrong shape; `path` is a JSON path into the response (e.g. `$.choices[1]`)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


_SPACE = re.compile(r"\s+")
_SPACE_AROUND_PUNCTUATION = re.compile(r"\s*([:/.,\-=()\[\]])\s*")


# Chinese punctuation that NFKC keeps: the ideographic full stop and comma, corner brackets, curly quotes.
_CJK_PUNCTUATION = str.maketrans({"。": ".", "、": ",", "「": '"', "」": '"', "『": '"', "』": '"',
                                  "“": '"', "”": '"', "‘": "'", "’": "'"})


def normalize_answer(text: str, case_sensitive: bool = False) -> str:
    """Compare answers as a person would: `10.0.0.1 : 80` is `10.0.0.1:80`, and so are the full-width
    `10.0.0.1：80` and `“10.0.0.1:80”。` of a Chinese keyboard; case is ignored unless asked."""
    text = unicodedata.normalize("NFKC", text).translate(_CJK_PUNCTUATION).strip().strip("`'\"").strip()
    text = _SPACE.sub(" ", text)
    text = _SPACE_AROUND_PUNCTUATION.sub(r"\1", text)
    text = text.rstrip(".") if not text.endswith("..") else text
    text = text.strip("`'\"").strip()  # quotes inside a sentence's final stop: “10.0.0.1:80”。
    return text if case_sensitive else text.casefold()


def _require(response: Any, key: str, kind: type | tuple[type, ...], label: str) -> Any:
    if not isinstance(response, dict) or key not in response:
        raise InvalidResponse(f"$.{key}", f"missing; send {label}")
    value = response[key]
    if isinstance(value, bool) and kind is int:
        raise InvalidResponse(f"$.{key}", f"must be {label}")
    if not isinstance(value, kind):
        raise InvalidResponse(f"$.{key}", f"must be {label}")
    return value


def _index_list(response: Any, key: str, size: int, label: str) -> list[int]:
    values = _require(response, key, list, label)
    for position, value in enumerate(values):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < size:
            raise InvalidResponse(f"$.{key}[{position}]", f"must be a number from 0 to {size - 1}")
    return values


class Checker:
    qtype: ClassVar[str]

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        raise NotImplementedError


CHECKERS: dict[str, Checker] = {}


def register(checker: type[Checker]) -> type[Checker]:
    CHECKERS[checker.qtype] = checker()
    return checker


def check_answer(qtype: str, data: dict[str, Any], card_key: str, response: Any,
                 variant: int | None = None) -> CheckResult:
    try:
        checker = CHECKERS[qtype]
    except KeyError:
        raise InvalidResponse("$", f"no checker for question type {qtype!r}") from None
    return checker.check(data, card_key, response, variant or 0)


@register
class FlashcardChecker(Checker):
    """Flashcards are self-assessed: the learner says whether they knew the other side."""

    qtype = "flashcard"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        knew = _require(response, "knew", bool, "true or false")
        return CheckResult(knew, 1.0 if knew else 0.0, {"knew": True}, [knew])


@register
class ClozeChecker(Checker):
    qtype = "cloze"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        card = data["cards"][card_key]
        blanks = _require(response, "blanks", list, "a list with one text per blank")
        if len(blanks) != len(card["blanks"]):
            raise InvalidResponse("$.blanks", f"must hold {len(card['blanks'])} answer(s), one per blank")
        case = data.get("case_sensitive", False)
        parts = []
        for position, (given, blank) in enumerate(zip(blanks, card["blanks"])):
            if not isinstance(given, str):
                raise InvalidResponse(f"$.blanks[{position}]", "must be text")
            accepted = {normalize_answer(answer, case) for answer in blank["answers"]}
            parts.append(normalize_answer(given, case) in accepted)
        return CheckResult(all(parts), sum(parts) / len(parts),
                           {"blanks": [blank["answers"][0] for blank in card["blanks"]]}, parts)


@register
class SingleChoiceChecker(Checker):
    qtype = "single"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        choices = data["choices"]
        choice = _require(response, "choice", int, "the index of one choice")
        if not 0 <= choice < len(choices):
            raise InvalidResponse("$.choice", f"must be a number from 0 to {len(choices) - 1}")
        right = next(index for index, c in enumerate(choices) if c["correct"])
        return CheckResult(choice == right, float(choice == right), {"choice": right}, [choice == right])


@register
class MultipleChoiceChecker(Checker):
    qtype = "multiple"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        choices = data["choices"]
        picked = set(_index_list(response, "choices", len(choices), "a list of choice indices"))
        parts = [(index in picked) == choice["correct"] for index, choice in enumerate(choices)]
        right = [index for index, choice in enumerate(choices) if choice["correct"]]
        return CheckResult(all(parts), sum(parts) / len(parts), {"choices": right}, parts)


@register
class TrueFalseChecker(Checker):
    qtype = "truefalse"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        value = _require(response, "value", bool, "true or false")
        correct = value == data["answer"]
        return CheckResult(correct, float(correct), {"value": data["answer"]}, [correct])


@register
class ShortAnswerChecker(Checker):
    qtype = "short"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        text = _require(response, "text", str, "the answer as text")
        case = data.get("case_sensitive", False)
        correct = normalize_answer(text, case) in {normalize_answer(a, case) for a in data["answers"]}
        return CheckResult(correct, float(correct), {"text": data["answers"][0]}, [correct])


@register
class OrderingChecker(Checker):
    qtype = "ordering"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        size = len(data["items"])
        order = _index_list(response, "order", size, "the item indices in the chosen order")
        if sorted(order) != list(range(size)):
            raise InvalidResponse("$.order", f"must list each of the {size} items exactly once")
        parts = [given == expected for expected, given in enumerate(order)]
        return CheckResult(all(parts), sum(parts) / size, {"order": list(range(size))}, parts)


@register
class MatchingChecker(Checker):
    qtype = "matching"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        pairs, options = data["pairs"], data["right_options"]
        matches = _index_list(response, "matches", len(options), "one right-option index per left item")
        if len(matches) != len(pairs):
            raise InvalidResponse("$.matches", f"must hold {len(pairs)} indices, one per left item")
        option_texts = [option["text"] for option in options]
        expected = [option_texts.index(pair["right"]) for pair in pairs]
        parts = [given == want for given, want in zip(matches, expected)]
        return CheckResult(all(parts), sum(parts) / len(parts), {"matches": expected}, parts)


@register
class SimChecker(Checker):
    """Checks against the key the simulator computed for the variant the learner was shown."""

    qtype = "sim"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        chosen = data["variants"][variant % len(data["variants"])]
        ask, accepted = data["ask"], chosen["accepted"]
        if ask == "delivered":
            given: Any = _require(response, "value", bool, "true or false")
            correct = given == accepted
            expected: Any = {"value": accepted}
        elif ask == "outcome":
            given = _require(response, "outcome", str, "one of delivered, refused, timeout, unreachable, nxdomain")
            correct = given.strip().lower() == accepted
            expected = {"outcome": accepted}
        elif ask == "command":  # Docker's verdict on a command line; the feedback shows Docker's words
            given = _require(response, "verdict", str, "accepted or refused")
            correct = given.strip().lower() == accepted
            expected = {"verdict": accepted, "docker": chosen.get("docker", "")}
        else:
            given = normalize_answer(_require(response, "text", str, "the answer as text"))
            keys = accepted if isinstance(accepted, list) else [accepted]
            correct = given in {normalize_answer(str(key)) for key in keys}
            expected = {"text": chosen["key"]}
        return CheckResult(correct, float(correct), expected, [correct], trace=chosen["trace"])


LAB_MAX_BYTES = 64 * 1024


@register
class LabChecker(Checker):
    """A "make it work" lab: the learner's scenario is graded by the simulator in the sandbox (it is web input):
    right when every goal trace holds and nothing outside the allowed paths changed."""

    qtype = "lab"

    def check(self, data: dict[str, Any], card_key: str, response: Any, variant: int = 0) -> CheckResult:
        from flask_babel import lazy_gettext as _l  # here: `quizapp content check` and the simulator load no Flask

        from quizapp.lab.grading import grade
        from quizapp.sandbox import SandboxLimitExceeded, run_sandboxed

        text = _require(response, "scenario", str, "the edited scenario as YAML text").replace("\r\n", "\n")
        if len(text.encode("utf-8")) > LAB_MAX_BYTES:
            raise InvalidResponse("$.scenario", _l("at most %(bytes)s bytes; send only the scenario",
                                                   bytes=f"{LAB_MAX_BYTES:,}"))
        try:
            verdict = run_sandboxed(grade, data["scenario_text"], data["goals"], data["allow"], text)
        except SandboxLimitExceeded as error:
            from quizapp.lab.service import limit_text  # a page shows it in its language, the API in English

            raise InvalidResponse("$.scenario", limit_text(error)) from None
        goals = verdict["goals"]
        parts = [goal["met"] for goal in goals] + [not verdict["outside"]]
        if verdict["problems"]:
            parts = [False] * len(parts)
        shown = next((g for g in goals if not g["met"] and g["trace"]), goals[0] if goals else None)
        expected = {"goals": [{key: g[key] for key in ("label", "met", "got", "got_words", "text") if key in g}
                              for g in goals],
                    "outside": verdict["outside"], "problems": verdict["problems"],
                    "problem_words": verdict.get("problem_words", []),
                    "solution": data.get("solution_text", "")}
        return CheckResult(verdict["correct"], sum(parts) / len(parts), expected, parts,
                           trace=shown["trace"] if shown else None)
