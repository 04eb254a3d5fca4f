"""Question types: each turns a raw question's sections into the data the study page and checkers use.

A type is a small class registered in `QUESTION_TYPES` by name; the simulator's `sim` type registers the same way.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

from markdown_it.token import Token

from quizapp.words import say
from quizapp.content.markdown import render, render_inline, render_tokens, plain_text
from quizapp.content.parser import RawFile, RawQuestion, Section, section_source
from quizapp.content.problems import ProblemList
from quizapp.content.scanning import CLOZE, ClozeMatch

MAX_CLOZE_CARDS = 50
CHOICE_MARK = re.compile(r"^\[(?P<mark>[ xX])\]\s+(?P<text>.*)$", re.DOTALL)


@dataclass
class CompileContext:
    raw_file: RawFile
    question: RawQuestion
    problems: ProblemList
    settings: dict[str, Any]
    # Reads a file next to the Markdown (e.g. a scenario): (markdown path, relative name) -> bytes or None.
    read_resource: Callable[[str, str], bytes | None] | None = None

    @property
    def path(self) -> str:
        return self.raw_file.path

    def error(self, line: int, message: str) -> None:
        self.problems.add(self.path, line, say("question '{slug}': {message}", slug=self.question.slug, message=message))

    def section(self, name: str) -> Section | None:
        return self.question.sections.get(name)

    def line_of(self, token: Token) -> int:
        return self.raw_file.body_offset + (token.map[0] if token.map else 0) + 1


class QuestionType:
    name: ClassVar[str]
    label: ClassVar[str]
    sections: ClassVar[tuple[str, ...]] = ()  # required besides `explanation`
    settings: ClassVar[frozenset[str]] = frozenset()  # type-specific settings
    needs_prompt: ClassVar[bool] = True

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        raise NotImplementedError

    def card_keys(self, data: dict[str, Any]) -> list[str]:
        return ["main"]


class _Registry(dict):  # type: ignore[type-arg]
    """Question types by name. A type may be registered by the name of its module only (`register_lazy`): the
    module is imported, and registers the type itself, when a question of that type is first compiled. The `sim`
    and `lab` types are, so that the simulator loads only for files that have such questions (`quizapp content
    check` starts within 0.3 s of a bare interpreter: issue 17 item 5)."""

    def __getitem__(self, name: str) -> QuestionType:
        value = super().__getitem__(name)
        if isinstance(value, str):
            importlib.import_module(value)  # its @register replaces the entry (the key keeps its place)
            value = super().__getitem__(name)
            if isinstance(value, str):
                raise RuntimeError(f"{value} did not register the question type {name!r}")
        return value

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default

    def values(self) -> Any:  # type: ignore[override]
        return [self[name] for name in self]

    def items(self) -> Any:  # type: ignore[override]
        return [(name, self[name]) for name in self]


QUESTION_TYPES: dict[str, QuestionType] = _Registry()


def register(question_type: type[QuestionType]) -> type[QuestionType]:
    QUESTION_TYPES[question_type.name] = question_type()
    return question_type


def register_lazy(name: str, module: str) -> None:
    """Register the type `name`, defined (with @register) in `module`, which is imported at its first use."""
    if name not in QUESTION_TYPES:
        QUESTION_TYPES[name] = module  # type: ignore[assignment]


def list_items(ctx: CompileContext, section: Section, ordered: bool) -> list[tuple[str, int]]:
    """The top-level items of the one list in a section, as (inline Markdown source, line)."""
    kind = "ordered_list_open" if ordered else "bullet_list_open"
    other = "bullet_list_open" if ordered else "ordered_list_open"
    lists = [t for t in section.tokens if t.type in (kind, other) and t.level == 0]
    want = say("a numbered list (`1. ...`)") if ordered else say("a bulleted list (`- ...`)")
    if len(lists) != 1 or lists[0].type != kind:
        ctx.error(section.line, say("section '### {title}' must hold exactly one {want}", title=section.name.title(), want=want))
        return []
    items: list[tuple[str, int]] = []
    tokens = section.tokens
    for index, token in enumerate(tokens):
        if token.type == "list_item_open" and token.level == 1:
            inline = next((t for t in tokens[index:] if t.type == "inline"), None)
            items.append((inline.content if inline is not None else "", ctx.line_of(token)))
    return items


class ChoiceType(QuestionType):
    sections = ("choices",)
    settings = frozenset({"shuffle"})

    def parse_choices(self, ctx: CompileContext) -> list[dict[str, Any]]:
        section = ctx.section("choices")
        assert section is not None
        choices = []
        for text, line in list_items(ctx, section, ordered=False):
            match = CHOICE_MARK.match(text)
            if not match:
                ctx.error(line, say('each choice starts with `[x] ` (right) or `[ ] ` (wrong)'))
                continue
            choices.append({"html": render_inline(match["text"]), "text": plain_text(match["text"]),
                            "correct": match["mark"] != " "})
        if section.tokens and len(choices) < 2:
            ctx.error(section.line, say('a choice question needs at least two choices'))
        return choices


@register
class SingleChoice(ChoiceType):
    name = "single"
    label = "Single choice"

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        choices = self.parse_choices(ctx)
        correct = sum(choice["correct"] for choice in choices)
        if choices and correct != 1:
            ctx.error(ctx.section("choices").line,  # type: ignore[union-attr]
                      say("single-choice question needs exactly one choice marked [x], found {correct}; "
                          "mark the right choice `- [x]` or use `type: multiple`", correct=correct) if correct > 1 else
                      say("single-choice question needs exactly one choice marked [x], found {correct}; "
                          "mark the right choice `- [x]`", correct=correct))
        return {"choices": choices, "shuffle": ctx.settings.get("shuffle", True)}


@register
class MultipleChoice(ChoiceType):
    name = "multiple"
    label = "Multiple select"

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        choices = self.parse_choices(ctx)
        if choices and not any(choice["correct"] for choice in choices):
            ctx.error(ctx.section("choices").line,  # type: ignore[union-attr]
                      say('multiple-select question has no choice marked [x]; mark every right choice `- [x]`'))
        return {"choices": choices, "shuffle": ctx.settings.get("shuffle", True)}


@register
class TrueFalse(QuestionType):
    name = "truefalse"
    label = "True or false"
    sections = ("answer",)

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        section = ctx.section("answer")
        assert section is not None
        text = plain_text(section_source(ctx.raw_file, section)).lower().rstrip(".")
        if text not in ("true", "false"):
            ctx.error(section.line, say('the answer of a true/false question is `true` or `false`, not {text!r}', text=text))
        return {"answer": text == "true"}


@register
class ShortAnswer(QuestionType):
    name = "short"
    label = "Short answer"
    sections = ("answer",)
    settings = frozenset({"case_sensitive"})

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        section = ctx.section("answer")
        assert section is not None
        if any(t.type == "bullet_list_open" for t in section.tokens):
            answers = [plain_text(text) for text, _line in list_items(ctx, section, ordered=False)]
        else:
            answers = [plain_text(section_source(ctx.raw_file, section))]
        answers = [answer for answer in answers if answer]
        if not answers:
            ctx.error(section.line, say('a short-answer question needs at least one accepted answer under `### Answer`'))
        return {"answers": answers, "case_sensitive": ctx.settings.get("case_sensitive", False)}


@register
class Ordering(QuestionType):
    name = "ordering"
    label = "Ordering"
    sections = ("order",)

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        section = ctx.section("order")
        assert section is not None
        items = [{"html": render_inline(text), "text": plain_text(text)}
                 for text, _line in list_items(ctx, section, ordered=True)]
        if section.tokens and len(items) < 2:
            ctx.error(section.line, say('an ordering question needs at least two items in `### Order`'))
        return {"items": items}


@register
class Matching(QuestionType):
    name = "matching"
    label = "Matching"
    sections = ("pairs",)

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        section = ctx.section("pairs")
        assert section is not None
        tokens = section.tokens
        if not any(t.type == "table_open" for t in tokens):
            ctx.error(section.line, say('`### Pairs` must hold a two-column table: a header row, then one row a pair'))
            return {"left_label": "", "right_label": "", "pairs": [], "right_options": []}
        rows: list[tuple[list[str], int]] = []
        for index, token in enumerate(tokens):
            if token.type == "tr_open":
                cells = []
                for inner in tokens[index + 1:]:
                    if inner.type == "tr_close":
                        break
                    if inner.type == "inline":
                        cells.append(inner.content)
                rows.append((cells, ctx.line_of(token)))
        header, pairs = rows[0], rows[1:]
        if len(header[0]) != 2:
            ctx.error(header[1], say('the pairs table needs exactly two columns, found {count}', count=len(header[0])))
        seen: dict[str, int] = {}
        compiled = []
        for cells, line in pairs:
            if len(cells) != 2 or not all(c.strip() for c in cells):
                ctx.error(line, say('each pair row needs a left and a right value'))
                continue
            left = plain_text(cells[0])
            if left in seen:
                ctx.error(line, say('left-hand value {left!r} appears twice (also line {other_line}); each left value must be unique', left=left, other_line=seen[left]))
            seen[left] = line
            compiled.append({"left_html": render_inline(cells[0]), "left": left,
                             "right_html": render_inline(cells[1]), "right": plain_text(cells[1])})
        if len(compiled) < 2:
            ctx.error(section.line, say('a matching question needs at least two pairs'))
        options: list[dict[str, str]] = []
        for pair in compiled:
            if pair["right"] not in [o["text"] for o in options]:
                options.append({"text": pair["right"], "html": pair["right_html"]})
        return {"left_label": plain_text(header[0][0]) if header[0] else "",
                "right_label": plain_text(header[0][1]) if len(header[0]) > 1 else "",
                "pairs": compiled, "right_options": options}


@register
class Flashcard(QuestionType):
    name = "flashcard"
    label = "Flashcard"
    sections = ("back",)
    settings = frozenset({"reversible"})

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        section = ctx.section("back")
        assert section is not None
        if not section.tokens:
            ctx.error(section.line, say('`### Back` is empty: write the answer side of the card'))
        return {"back_html": render_tokens(section.tokens), "reversible": ctx.settings.get("reversible", False)}

    def card_keys(self, data: dict[str, Any]) -> list[str]:
        return ["front", "back"] if data.get("reversible") else ["front"]


@register
class Cloze(QuestionType):
    name = "cloze"
    label = "Cloze"
    settings = frozenset({"case_sensitive"})

    def compile(self, ctx: CompileContext) -> dict[str, Any]:
        source = ctx.question.prompt_source
        deletions = list(CLOZE.finditer(source))
        if not deletions:
            ctx.error(ctx.question.prompt_line or ctx.question.line,
                      say('cloze text has no deletion: wrap each hidden part in `{{c1::...}}` (c2, c3 for more cards)'))
            return {"cards": {}, "groups": []}
        groups = sorted({int(match["group"]) for match in deletions})
        if len(groups) > MAX_CLOZE_CARDS:  # each group is a card, rendered on its own
            ctx.error(ctx.question.prompt_line or ctx.question.line,
                      say('{count} cloze groups (c1, c2, ...); at most {most} cards per question', count=len(groups), most=MAX_CLOZE_CARDS))
            return {"cards": {}, "groups": []}
        cards: dict[str, Any] = {}
        for group in groups:
            blanks = []

            def hide(match: ClozeMatch, group: int = group) -> str:
                answer = match["answer"].strip()
                if int(match["group"]) != group:
                    return answer.split("|")[0].strip()
                blanks.append({"answers": [a.strip() for a in answer.split("|") if a.strip()],
                               "hint": (match["hint"] or "").strip()})
                return f"QUIZAPPBLANK{len(blanks) - 1}X"

            hidden = CLOZE.sub(hide, source)
            html = render(hidden)
            for number, blank in enumerate(blanks):
                label = blank["hint"] or "…"
                html = html.replace(f"QUIZAPPBLANK{number}X",
                                    f'<span class="cloze-blank">[{render_inline(label)}]</span>')
            revealed = render(CLOZE.sub(lambda m: m["answer"].split("|")[0].strip(), source))
            cards[f"c{group}"] = {"prompt_html": html, "blanks": blanks, "answer_html": revealed}
        for key, card in cards.items():
            if any(not blank["answers"] for blank in card["blanks"]):
                ctx.error(ctx.question.prompt_line, say('cloze deletion {key} is empty: put the hidden text after `::`', key=key))
        return {"cards": cards, "groups": [f"c{g}" for g in groups],
                "case_sensitive": ctx.settings.get("case_sensitive", False)}

    def card_keys(self, data: dict[str, Any]) -> list[str]:
        return list(data.get("groups", []))


# The simulator's types: their modules load the simulator, imported only when a file has such a question.
register_lazy("sim", "quizapp.content.sim_type")
register_lazy("lab", "quizapp.content.lab_type")
