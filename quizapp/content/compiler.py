"""The content compiler: Markdown files in, a validated question bank (or every problem found) out.

Pure: it reads the files it is given and nothing else, and writes nothing.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from quizapp.words import say
from quizapp.content.markdown import render_tokens
from quizapp.content.parser import SLUG, RawFile, RawQuestion, parse_file, section_source
from quizapp.content.problems import Problem, ProblemList
from quizapp.content.qtypes import QUESTION_TYPES, CompileContext
from quizapp.content.translation import PackTranslations, compile_translation_file

ResourceReader = Callable[[str, str], "bytes | None"]

FRONT_MATTER_KEYS = {"pack", "pack_title", "pack_title_from", "title", "language", "tags", "sources",
                     "translation_of", "learning_order"}
COMMON_SETTINGS = {"type", "tags", "difficulty", "source", "misconception"}
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass
class QuestionSpec:
    slug: str
    qtype: str
    title: str
    data: dict[str, Any]
    tags: list[str]
    difficulty: int | None
    card_keys: list[str]
    source_path: str
    source_line: int
    topic: str
    content_hash: str = ""
    # What the author wrote (title, prompt, sections; not the settings, not what the simulator computed):
    # a translation records the version it translates by this hash (`translated_from:`).
    text_hash: str = ""

    def __post_init__(self) -> None:
        if not self.content_hash:
            self.content_hash = content_hash(self)


@dataclass
class TopicSpec:
    slug: str
    title: str
    intro_html: str
    tags: list[str]
    source_path: str
    learning_order: int | None = None  # front matter `learning_order:`; topics are sorted by it (see below)


@dataclass
class PackSpec:
    slug: str
    title: str
    language: str
    topics: list[TopicSpec] = field(default_factory=list)
    questions: list[QuestionSpec] = field(default_factory=list)
    translations: PackTranslations = field(default_factory=PackTranslations)


@dataclass
class Bank:
    packs: dict[str, PackSpec]

    @property
    def questions(self) -> list[QuestionSpec]:
        return [q for pack in self.packs.values() for q in pack.questions]


@dataclass
class CompileResult:
    bank: Bank | None
    problems: list[Problem]
    files: int
    languages: dict[str, str] = field(default_factory=dict)  # path -> the language its front matter names

    def problem_texts(self, language: str | None = None, default: str | None = None) -> list[str]:
        """Each problem as `path:line: message`: in `language` if given; else in the language of the file the
        problem is in when it is not English (its front matter's `language:`, e.g. a pack written in zh-CN or a
        translation); else in `default` (the reader's language; None: English)."""
        return [problem.render(self.problem_language(problem.path, language, default)) for problem in self.problems]

    def problem_language(self, path: str, language: str | None = None, default: str | None = None) -> str | None:
        written = self.languages.get(path)
        return language or (written if written and written != "en" else None) or default

    @property
    def ok(self) -> bool:
        return not self.problems


def content_hash(question: QuestionSpec) -> str:
    """The version of a question: what a learner sees and is graded on; not where it sits in its file."""
    payload = {"type": question.qtype, "title": question.title, "data": question.data,
               "tags": question.tags, "difficulty": question.difficulty, "cards": question.card_keys}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def text_hash(raw_file: RawFile, raw: RawQuestion) -> str:
    parts = [raw.title, raw.prompt_source] + [f"{name}\n{section_source(raw_file, section)}"
                                               for name, section in sorted(raw.sections.items())]
    return hashlib.sha256("\n\x00".join(parts).encode()).hexdigest()


def find_markdown_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    files: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.md") if p.is_file() and not _is_readme(p)))
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem.of(str(path), 1, say("no such file or directory; give a Markdown file or a folder")))
    return files, problems


def _is_readme(path: Path) -> bool:
    return path.name.lower() in ("readme.md", "license.md", "changelog.md")


def compile_paths(paths: Iterable[str | Path]) -> CompileResult:
    files, missing = find_markdown_files(paths)
    sources = []
    problems = ProblemList()
    for problem in missing:
        problems.add(problem.path, problem.line, problem.said or problem.message)
    for path in files:
        try:
            sources.append((str(path), path.read_bytes()))
        except OSError as error:
            problems.add(str(path), 1, say('cannot read the file: {strerror}', strerror=error.strerror))
    result = compile_sources(sources, read_resource=read_sibling_file)
    return CompileResult(result.bank if not problems else None, sorted(problems.items) + result.problems,
                         result.files, result.languages)


def read_sibling_file(markdown_path: str, name: str) -> bytes | None:
    """A file named relative to a Markdown file, never outside its folder."""
    base = Path(markdown_path).resolve().parent
    target = (base / name).resolve()
    if Path(name).is_absolute() or base not in target.parents or not target.is_file():
        return None
    return target.read_bytes()


def compile_sources(sources: Iterable[tuple[str, bytes]],
                    read_resource: ResourceReader | None = None) -> CompileResult:
    """Compile (display path, file bytes) pairs into a bank; `read_resource` reads files they refer to."""
    problems = ProblemList()
    packs: dict[str, PackSpec] = {}
    pack_origin: dict[str, tuple[str, int]] = {}
    seen_ids: dict[tuple[str, str], tuple[str, int]] = {}
    seen_topics: dict[tuple[str, str], str] = {}
    translation_files = []
    languages: dict[str, str] = {}
    count = 0
    for path, data in sources:
        count += 1
        raw_file = parse_file(path, data, problems)
        if raw_file is None:
            continue
        meta = _front_matter(raw_file, problems)
        if meta is None:
            continue
        languages[path] = meta["language"]
        if meta["translation_of"]:
            translation_files.append((raw_file, meta))  # checked against their sources once those are compiled
            continue
        if meta["pack_title_from"] is not None:
            problems.add(path, raw_file.front_matter_lines.get("pack_title_from", 2),
                         say('`pack_title_from:` belongs in a translation file (with `translation_of:`), next to the pack title it translates'))
        pack_slug = meta["pack"]
        pack = packs.get(pack_slug)
        if pack is None:
            pack = packs[pack_slug] = PackSpec(pack_slug, meta["pack_title"] or _title_from_slug(pack_slug),
                                               meta["language"])
            pack_origin[pack_slug] = (path, raw_file.front_matter_lines.get("pack", 2))
        else:
            first_path, first_line = pack_origin[pack_slug]
            if meta["pack_title"] and meta["pack_title"] != pack.title:
                problems.add(path, raw_file.front_matter_lines.get("pack_title", 2),
                             say('pack_title {given!r} differs from {title!r} given at {first_path}:{first_line}; use one title for the pack', given=meta['pack_title'], title=pack.title, first_path=first_path, first_line=first_line))
            if meta["language"] != pack.language:
                problems.add(path, raw_file.front_matter_lines.get("language", 2),
                             say('language {given!r} differs from {language!r} of the pack (first file {first_path}); a pack has one language', given=meta['language'], language=pack.language, first_path=first_path))
        topic_slug = Path(path).stem
        if not SLUG.match(topic_slug):
            problems.add(path, 1, say('file name {name!r} is not a valid topic id: rename it with lowercase letters, digits and dashes, e.g. `pod-ip.md`', name=Path(path).name))
        if (pack_slug, topic_slug) in seen_topics:
            problems.add(path, 1, say("topic '{topic_slug}' of pack '{pack_slug}' is also defined by {other}; rename one of the files", topic_slug=topic_slug, pack_slug=pack_slug, other=seen_topics[(pack_slug, topic_slug)]))
        seen_topics[(pack_slug, topic_slug)] = path
        pack.topics.append(TopicSpec(topic_slug, meta["title"], render_tokens(raw_file.intro_tokens),
                                     meta["tags"], path, meta["learning_order"]))
        if not raw_file.questions:
            problems.add(path, raw_file.body_offset + 1, say('the file has no questions: start each one with `## Title {{#question-id}}`'))
        for raw in raw_file.questions:
            first = seen_ids.get((pack_slug, raw.slug))
            if first is not None:
                problems.add(path, raw.line, say("duplicate question id '{slug}' (first defined at {first_path}:{first_line}); give one of them another id", slug=raw.slug, first_path=first[0], first_line=first[1]))
            else:
                seen_ids[(pack_slug, raw.slug)] = (path, raw.line)
            spec = _compile_question(raw_file, raw, meta, topic_slug, problems, read_resource)
            if spec is not None:
                pack.questions.append(spec)
    for raw_file, meta in translation_files:
        pack = packs.get(meta["pack"])
        if pack is None:
            problems.add(raw_file.path, raw_file.front_matter_lines.get("pack", 2),
                         say("translates pack '{pack}', which no source file defines", pack=meta['pack']))
            continue
        compile_translation_file(raw_file, {**meta, "topic": Path(raw_file.path).stem}, pack, problems,
                                 read_resource)
    for pack in packs.values():
        pack.topics.sort(key=learning_order_key)
    ordered = sorted(problems.items, key=lambda p: (p.path, p.line))
    return CompileResult(None if ordered else Bank(packs), ordered, count, languages)


def learning_order_key(topic: TopicSpec) -> tuple[bool, int, str]:
    """A pack's topics in learning order: by `learning_order:` (ties by file name), then the topics without one,
    by file name. New cards are introduced in this order (interleaved, see quizapp/study/learning_order.py)."""
    return (topic.learning_order is None, topic.learning_order or 0, Path(topic.source_path).name)


def _title_from_slug(slug: str) -> str:
    return slug.replace("-", " ").capitalize()


def _string_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, (str, int, float)) for item in value):
        return [str(item).strip() for item in value if str(item).strip()]
    return None


def _front_matter(raw_file: RawFile, problems: ProblemList) -> dict[str, Any] | None:
    fm, lines, path = raw_file.front_matter, raw_file.front_matter_lines, raw_file.path
    ok = True
    for key in fm:
        if key not in FRONT_MATTER_KEYS:
            problems.add(path, lines.get(str(key), 2), say("unknown front matter key '{key}'; known keys: {choices}", key=key, choices=', '.join(sorted(FRONT_MATTER_KEYS))))
    pack = fm.get("pack")
    if not isinstance(pack, str) or not SLUG.match(pack):
        problems.add(path, lines.get("pack", 2), say('front matter needs `pack:` with the pack id (lowercase letters, digits and dashes, e.g. `pack: container-networking`)'))
        ok = False
    title = fm.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add(path, lines.get("title", 2), say("front matter needs `title:` with the topic's title"))
        ok = False
    language = fm.get("language", "en")
    if not isinstance(language, str) or not LANGUAGE.match(language):
        problems.add(path, lines.get("language", 2), say('language {language!r} is not a language code such as `en`', language=language))
        ok = False
    tags = _string_list(fm.get("tags"))
    sources = _string_list(fm.get("sources"))
    for key, value in (("tags", tags), ("sources", sources)):
        if value is None:
            problems.add(path, lines.get(key, 2), say('`{key}:` must be a list of strings', key=key))
            ok = False
    pack_title = fm.get("pack_title")
    if pack_title is not None and not isinstance(pack_title, str):
        problems.add(path, lines.get("pack_title", 2), say('`pack_title:` must be text'))
        ok = False
    pack_title_from = fm.get("pack_title_from")
    if pack_title_from is not None and isinstance(pack_title_from, (bool, float, list, dict)):
        problems.add(path, lines.get("pack_title_from", 2), say('`pack_title_from:` must be the hex digits `quizapp content check` prints'))
        ok = False
    translation_of = fm.get("translation_of")
    if translation_of is not None and (not isinstance(translation_of, str) or not LANGUAGE.match(translation_of)):
        problems.add(path, lines.get("translation_of", 2), say('`translation_of:` names the language of the source files this file translates, e.g. `translation_of: en`'))
        ok = False
    learning_order = fm.get("learning_order")
    if learning_order is not None and (isinstance(learning_order, bool) or not isinstance(learning_order, int)):
        problems.add(path, lines.get("learning_order", 2), say('`learning_order:` must be a whole number (topics of a pack are learned from the lowest), not {learning_order!r}', learning_order=learning_order))
        ok = False
    if not ok:
        return None
    return {"learning_order": learning_order, "pack": pack, "title": title.strip(), "language": language, "tags": tags, "sources": sources,
            "pack_title": pack_title.strip() if pack_title else None, "translation_of": translation_of,
            "pack_title_from": str(pack_title_from) if pack_title_from is not None else None}


def _parse_bool(ctx: CompileContext, key: str, raw: str, line: int) -> bool | None:
    lowered = raw.strip().lower()
    if lowered in ("true", "yes"):
        return True
    if lowered in ("false", "no"):
        return False
    ctx.error(line, say("setting '{key}' must be `true` or `false`, not {raw!r}", key=key, raw=raw))
    return None


def _compile_question(raw_file: RawFile, raw: RawQuestion, meta: dict[str, Any], topic: str,
                      problems: ProblemList, read_resource: ResourceReader | None) -> Any:
    ctx = CompileContext(raw_file, raw, problems, {}, read_resource)
    type_entry = raw.settings.get("type")
    if type_entry is None:
        ctx.error(raw.line, say('no settings: the first paragraph after the heading must start with `type: ...` ({choices})', choices=', '.join(QUESTION_TYPES)))
        return None
    type_name, type_line = type_entry
    qtype = QUESTION_TYPES.get(type_name.strip().lower())
    if qtype is None:
        ctx.error(type_line, say("unknown question type '{type_name}'; use one of: {choices}", type_name=type_name, choices=', '.join(QUESTION_TYPES)))
        return None
    allowed = COMMON_SETTINGS | qtype.settings
    tags = list(meta["tags"])
    difficulty: int | None = None
    source = meta["sources"][0] if meta["sources"] else None
    misconception = None
    for key, (value, line) in raw.settings.items():
        if key not in allowed:
            ctx.error(line, say("unknown setting '{key}' for a {name} question; known: {choices}", key=key, name=qtype.name, choices=', '.join(sorted(allowed))))
        elif key == "tags":
            parsed = _string_list(value.strip("[]"))
            for tag in parsed or []:
                if not SLUG.match(tag):
                    ctx.error(line, say('tag {tag!r} is not valid: use lowercase letters, digits and dashes', tag=tag))
                elif tag not in tags:
                    tags.append(tag)
        elif key == "difficulty":
            if not value.isdigit() or not 1 <= int(value) <= 5:
                ctx.error(line, say('difficulty must be a whole number from 1 (easy) to 5 (hard), not {value!r}', value=value))
            else:
                difficulty = int(value)
        elif key == "source":
            source = value or None
        elif key == "misconception":
            misconception = value or None
        elif key in ("reversible", "case_sensitive", "shuffle"):
            parsed_bool = _parse_bool(ctx, key, value, line)
            if parsed_bool is not None:
                ctx.settings[key] = parsed_bool
        elif key != "type":
            ctx.settings[key] = value
    if not source:
        ctx.error(raw.line, say('names no source: add `source: <URL>` to its settings or `sources:` to the front matter'))
    known_sections = set(qtype.sections) | {"explanation"} | set(getattr(qtype, "optional_sections", ()))
    for name, section in raw.sections.items():
        if name not in known_sections:
            ctx.error(section.line, say("unknown section '### {title}' for a {name} question; expected: {choices}", title=name.title(), name=qtype.name, choices=', '.join(s.title() for s in sorted(known_sections))))
    missing = [name for name in (*qtype.sections, "explanation") if name not in raw.sections]
    for name in missing:
        ctx.error(raw.line, say('has no `### {title}` section; add one', title=name.title()))
    if qtype.needs_prompt and not raw.prompt_tokens:
        ctx.error(raw.line, say('has no prompt: write the question between its settings and its first `###` section'))
    explanation = raw.sections.get("explanation")
    if explanation is not None and not explanation.tokens:
        ctx.error(explanation.line, say('`### Explanation` is empty: explain why the answer is right'))
    if missing:
        return None
    data = qtype.compile(ctx)
    data.update({
        "prompt_html": render_tokens(raw.prompt_tokens),
        "explanation_html": render_tokens(explanation.tokens) if explanation else "",
        "source": source,
        "misconception": misconception,
    })
    return QuestionSpec(slug=raw.slug, qtype=qtype.name, title=raw.title, data=data, tags=tags,
                        difficulty=difficulty, card_keys=qtype.card_keys(data), source_path=raw_file.path,
                        source_line=raw.line, topic=topic, text_hash=text_hash(raw_file, raw))
