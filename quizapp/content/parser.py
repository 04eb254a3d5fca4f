"""Splits one Markdown file into front matter, an introduction and raw questions with their sections.

Line numbers are 1-based lines of the file, so every problem can say `path:line`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
from markdown_it.token import Token

from quizapp import safeyaml
from quizapp.words import say
from quizapp.content.markdown import parser, plain_text
from quizapp.content.problems import ProblemList
from quizapp.content.scanning import heading_id

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SETTING_LINE = re.compile(r"^(?P<key>[A-Za-z_][A-Za-z0-9_-]*)\s*:\s*(?P<value>.*)$")


@dataclass
class Section:
    name: str
    line: int  # line of the `###` heading
    tokens: list[Token]
    first_line: int  # first line of the section's body (after the heading)
    last_line: int  # last line (inclusive) of the section's body


@dataclass
class RawQuestion:
    slug: str
    title: str
    line: int
    settings: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> (raw value, line)
    prompt_tokens: list[Token] = field(default_factory=list)
    prompt_source: str = ""
    prompt_line: int = 0
    sections: dict[str, Section] = field(default_factory=dict)


@dataclass
class RawFile:
    path: str
    front_matter: dict[str, Any]
    front_matter_lines: dict[str, int]
    intro_tokens: list[Token]
    questions: list[RawQuestion]
    body_lines: list[str]
    body_offset: int


def decode(path: str, data: bytes, problems: ProblemList) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problems.add(
            path, line,
            say('file is not UTF-8 text (byte 0x{byte:02x} cannot be decoded); save the file as UTF-8', byte=data[error.start]),
        )
        return None
    return text.lstrip("\ufeff")


def split_front_matter(path: str, text: str, problems: ProblemList) -> tuple[dict[str, Any], dict[str, int], str, int] | None:
    """Returns (front matter, key -> line, body, number of lines before the body)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.add(path, 1, say('file does not start with YAML front matter: add a block between `---` lines with at least `pack:` and `title:`'))
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            end = index
            break
    else:
        problems.add(path, 1, say('front matter is not closed: add a line `---` after it'))
        return None
    yaml_text = "".join(lines[1:end])
    try:
        node = safeyaml.compose(yaml_text)  # no aliases, bounded depth and size
        data = safeyaml.construct(node)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = 2 + mark.line if mark is not None else 1
        reason = getattr(error, "said", None) or getattr(error, "problem", None) or str(error)
        problems.add(path, line, say('front matter is not valid YAML: {reason}; fix the YAML syntax on this line', reason=reason))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.add(path, 2, say('front matter must be a mapping of `key: value` lines (pack, title, ...)'))
        return None
    key_lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _value in node.value:
            key_lines[str(key_node.value)] = 2 + key_node.start_mark.line
    return data, key_lines, "".join(lines[end + 1:]), end + 1


def parse_file(path: str, data: bytes, problems: ProblemList) -> RawFile | None:
    text = decode(path, data, problems)
    if text is None:
        return None
    split = split_front_matter(path, text, problems)
    if split is None:
        return None
    front_matter, key_lines, body, offset = split
    tokens = parser().parse(body)
    body_lines = body.splitlines()

    def line_of(token: Token) -> int:
        return offset + (token.map[0] if token.map else 0) + 1

    intro: list[Token] = []
    questions: list[RawQuestion] = []
    current: RawQuestion | None = None
    section: Section | None = None
    blocks: list[Token] = []  # blocks of the current prompt or section

    def close_block() -> None:
        nonlocal section, blocks
        if current is None:
            intro.extend(blocks)
        elif section is not None:
            section.tokens = blocks
            maps = [token.map for token in blocks if token.map]
            section.last_line = offset + max(m[1] for m in maps) if maps else section.line
            current.sections[section.name] = section
        else:
            finish_prompt(current, blocks)
        blocks = []
        section = None

    def finish_prompt(question: RawQuestion, prompt: list[Token]) -> None:
        # The first paragraph holds the settings when it starts with `type:`.
        if (len(prompt) >= 3 and prompt[0].type == "paragraph_open"
                and prompt[1].content.lstrip().lower().startswith("type")
                and SETTING_LINE.match(prompt[1].content.splitlines()[0])):
            first = line_of(prompt[0])
            for number, raw in enumerate(prompt[1].content.splitlines()):
                match = SETTING_LINE.match(raw.strip())
                line = first + number
                if not match:
                    problems.add(path, line, say("question '{slug}': settings line {text!r} is not `key: value`; leave a blank line between the settings and the prompt", slug=question.slug, text=raw.strip()))
                    continue
                key = match["key"].lower()
                if key in question.settings:
                    problems.add(path, line, say("question '{slug}': setting '{key}' is given twice; keep one", slug=question.slug, key=key))
                question.settings[key] = (match["value"].strip(), line)
            prompt = prompt[3:]
        question.prompt_tokens = prompt
        maps = [token.map for token in prompt if token.map]
        if maps:
            start, end = min(m[0] for m in maps), max(m[1] for m in maps)
            question.prompt_source = "\n".join(body_lines[start:end])
            question.prompt_line = offset + start + 1

    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open" and token.tag in ("h2", "h3") and token.level == 0:
            inline = tokens[index + 1]
            line = line_of(token)
            if token.tag == "h2":
                close_block()
                match = heading_id(inline.content)
                if match is None:
                    problems.add(path, line, say('question heading {content!r} has no id: end it with a stable id such as `{{#pod-ip-allocator}}`', content=inline.content))
                    current = RawQuestion(slug=f"line-{line}", title=plain_text(inline.content), line=line)
                else:
                    slug = match[1]
                    if not SLUG.match(slug):
                        problems.add(path, line, say("question id '{slug}' is not valid: use lowercase letters, digits and single dashes, e.g. `{{#pod-ip-allocator}}`", slug=slug))
                    current = RawQuestion(slug=slug, title=plain_text(match[0]), line=line)
                    if not current.title:
                        problems.add(path, line, say("question '{slug}' has an empty title: write the question's title before its id", slug=slug))
                questions.append(current)
            elif current is None:
                blocks.extend(tokens[index:index + 3])
            else:
                close_block()
                name = plain_text(inline.content).strip().lower()
                if name in current.sections:
                    problems.add(path, line, say("question '{slug}': section '### {content}' appears twice (first at line {line}); merge them", slug=current.slug, content=inline.content, line=current.sections[name].line))
                section = Section(name=name, line=line, tokens=[], first_line=line + 1, last_line=line)
            index += 3
            continue
        blocks.append(token)
        index += 1
    close_block()
    return RawFile(path, front_matter, key_lines, intro, questions, body_lines, offset)


def section_source(raw_file: RawFile, section: Section) -> str:
    """The Markdown source of a section's body."""
    maps = [token.map for token in section.tokens if token.map]
    if not maps:
        return ""
    start, end = min(m[0] for m in maps), max(m[1] for m in maps)
    return "\n".join(raw_file.body_lines[start:end])
