"""Translations of a pack's questions, keyed by the same ids as their source.

A translation file has the front matter of a topic file plus `translation_of: <source language>` and its own
`language:`; its file name is the topic id it translates (e.g. `content/zh-CN/pod-ip.md` translates topic `pod-ip`).
Each question repeats the source's `{#id}` and type and records the source version it was written against
(`translated_from:` the first 12 or more hex digits of the hash of the source's text: its title, prompt and
sections as the author wrote them, so neither a new difficulty nor a change in what the simulator computes makes a
translation stale). A translation carries display
text only -- the key is the source's: the compiler refuses a translation whose structure differs (another number of
choices, another correct set, other cloze deletions, other ordering items or pairs), and for `sim` and `lab`
questions only the prompt and the explanation are translated, so the simulator's key is the same in every language.
Short answers and cloze blanks may add accepted answers in the translation's language.

Missing translations are not errors: the learner sees the source language for those questions, and
`quizapp content check` lists them as warnings, with stale ones (the source changed after `translated_from`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from quizapp.words import Said, render, say
from quizapp.content.markdown import render_tokens
from quizapp.content.pack_titles import PackTitleTranslation, compile_pack_title, pack_title_warnings
from quizapp.content.parser import RawFile, RawQuestion
from quizapp.content.problems import Problem, ProblemList
from quizapp.content.qtypes import QUESTION_TYPES, CompileContext

# Types whose key comes from a scenario: only the words around it are translated.
SHARED_KEY_TYPES = frozenset({"sim", "lab"})
TRANSLATION_SETTINGS = frozenset({"type", "translated_from", "source"})
HASH_PREFIX = re.compile(r"^[0-9a-f]{12,64}$")
PARAMETER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
URL = re.compile(r"^https?://\S+$")


@dataclass
class QuestionTranslation:
    slug: str
    language: str
    title: str
    overlay: dict[str, Any]
    translated_from: str
    source_path: str
    source_line: int


@dataclass
class TopicTranslation:
    slug: str
    language: str
    title: str
    intro_html: str
    source_path: str


@dataclass(frozen=True)
class TranslationWarning:
    path: str
    line: int
    message: str
    said: Said | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, path: str, line: int, message: Said) -> "TranslationWarning":
        return cls(path, line, str(message), message)

    def render(self, language: str | None = None) -> str:
        text = render(self.said, language, "compiler") if self.said is not None else self.message
        line = say("warning: {text}", text=text)  # outside the f-string, where pybabel's extraction finds it
        return f"{self.path}:{self.line}: {render(line, language, 'compiler')}"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: warning: {self.message}"


@dataclass
class PackTranslations:
    """language -> topic slug -> topic translation, language -> question slug -> question translation, and
    language -> the pack's title (content/pack_titles.py)."""

    titles: dict[str, PackTitleTranslation] = field(default_factory=dict)
    topics: dict[str, dict[str, TopicTranslation]] = field(default_factory=dict)
    questions: dict[str, dict[str, QuestionTranslation]] = field(default_factory=dict)
    # Stale translations whose source has since changed its key: not used (learners see the source), warned.
    dropped: list[TranslationWarning] = field(default_factory=list)


def compile_translation_file(raw_file: RawFile, meta: dict[str, Any], pack: Any, problems: ProblemList,
                             read_resource: Callable[[str, str], bytes | None] | None = None) -> None:
    """Check one translation file against the compiled source pack and add it to `pack.translations`."""
    path, language, topic_slug = raw_file.path, meta["language"], meta["topic"]
    line_of = raw_file.front_matter_lines
    if language == pack.language:
        problems.add(path, line_of.get("language", 2),
                     say("a translation's `language:` must differ from the pack's ({language}); give the language this file is written in, e.g. `language: zh-CN`", language=pack.language))
        return
    if meta["translation_of"] != pack.language:
        problems.add(path, line_of.get("translation_of", 2),
                     say("`translation_of: {given}` but pack '{slug}' is written in {language}; write `translation_of: {language}`", given=meta['translation_of'], slug=pack.slug, language=pack.language))
        return
    compile_pack_title(raw_file, meta, pack, problems)
    if topic_slug not in {topic.slug for topic in pack.topics}:
        problems.add(path, 1, say("translates topic '{topic_slug}', which pack '{slug}' does not have: name the file after the topic file it translates (e.g. `zh-CN/pod-ip.md` for `pod-ip.md`)", topic_slug=topic_slug, slug=pack.slug))
        return
    translations: PackTranslations = pack.translations
    topics = translations.topics.setdefault(language, {})
    if topic_slug in topics:
        problems.add(path, 1, say("topic '{topic_slug}' is translated to {language} twice (also by {source_path}); keep one file", topic_slug=topic_slug, language=language, source_path=topics[topic_slug].source_path))
        return
    topics[topic_slug] = TopicTranslation(topic_slug, language, meta["title"],
                                          render_tokens(raw_file.intro_tokens), path)
    sources = {question.slug: question for question in pack.questions}
    done = translations.questions.setdefault(language, {})
    for raw in raw_file.questions:
        source = sources.get(raw.slug)
        if source is None:
            problems.add(path, raw.line, say("question '{raw_slug}' is not in pack '{pack_slug}': a translation uses the source question's id (`{{#id}}`)", raw_slug=raw.slug, pack_slug=pack.slug))
            continue
        if source.topic != topic_slug:
            problems.add(path, raw.line, say("question '{slug}' belongs to topic '{topic}' ({source_path}); translate it in that topic's file", slug=raw.slug, topic=source.topic, source_path=source.source_path))
            continue
        if raw.slug in done:
            problems.add(path, raw.line, say("question '{slug}' is translated twice (also at {source_path}:{source_line})", slug=raw.slug, source_path=done[raw.slug].source_path, source_line=done[raw.slug].source_line))
            continue
        translated = _compile_question(raw_file, raw, source, problems, read_resource, translations.dropped)
        if translated is not None:
            done[raw.slug] = QuestionTranslation(raw.slug, language, raw.title, translated[0], translated[1],
                                                 path, raw.line)


def _compile_question(raw_file: RawFile, raw: RawQuestion, source: Any, problems: ProblemList,
                      read_resource: Callable[[str, str], bytes | None] | None,
                      dropped: list[TranslationWarning]) -> tuple[dict[str, Any], str] | None:
    ctx = CompileContext(raw_file, raw, problems, {}, read_resource)
    settings = {key: value for key, value in raw.settings.items()}
    for key, (_value, line) in settings.items():
        if key not in TRANSLATION_SETTINGS:
            ctx.error(line, say("setting '{key}' cannot be translated: a translation takes `type`, `translated_from` and optionally `source` (a page in its language); everything else is the source's", key=key))
    type_name, type_line = settings.get("type", ("", raw.line))
    if type_name.strip().lower() != source.qtype:
        ctx.error(type_line, say('type must be `{qtype}` as in the source ({source_path}:{source_line}), not {given!r}', qtype=source.qtype, source_path=source.source_path, source_line=source.source_line, given=type_name.strip() or 'missing'))
        return None
    stamp, stamp_line = settings.get("translated_from", ("", raw.line))
    stamp = stamp.strip().lower()
    if not HASH_PREFIX.match(stamp):
        ctx.error(stamp_line, say("needs `translated_from: {stamp}` (the source version it translates: the first 12 hex digits of its text's hash, as `quizapp content check` prints them)", stamp=source.text_hash[:12]))
        return None
    overlay: dict[str, Any] = {}
    if "source" in settings:
        url, url_line = settings["source"]
        if not URL.match(url.strip()):
            ctx.error(url_line, say('`source:` must be an http(s) URL, not {text!r}', text=url.strip()))
        overlay["source"] = url.strip()
    explanation = raw.sections.get("explanation")
    if explanation is None or not explanation.tokens:
        ctx.error(raw.line, say("has no `### Explanation` (or it is empty): translate the source's explanation"))
        return None
    if not raw.prompt_tokens and QUESTION_TYPES[source.qtype].needs_prompt:
        ctx.error(raw.line, say("has no prompt: translate the source's question text"))
        return None
    overlay["prompt_html"] = render_tokens(raw.prompt_tokens)
    overlay["explanation_html"] = render_tokens(explanation.tokens)
    if source.qtype in SHARED_KEY_TYPES:
        extra = set(raw.sections) - {"explanation"}
        for name in sorted(extra):
            ctx.error(raw.sections[name].line, say("a {qtype} question's translation holds only its prompt and explanation: the scenario and trace are the source's; remove `### {title}`", qtype=source.qtype, title=name.title()))
        known = set(source.data.get("parameters", []))
        used = set(PARAMETER.findall(raw.prompt_source))
        for name in sorted(used - known):
            ctx.error(raw.prompt_line or raw.line, say('`${{{name}}}` is not a parameter of the source question (it has: {known})', name=name, known=', '.join(sorted(known)) or 'none'))
        return (overlay, stamp) if not extra and used <= known else None
    qtype = QUESTION_TYPES[source.qtype]
    for name in qtype.sections:
        if name not in raw.sections:
            ctx.error(raw.line, say("has no `### {title}` section; translate the source's", title=name.title()))
            return None
    ctx.settings.update({key: source.data[key] for key in ("shuffle", "case_sensitive", "reversible")
                         if key in source.data})
    before = len(problems)
    compiled = qtype.compile(ctx)
    if len(problems) > before:
        return None
    structural = _same_structure(source.qtype, source.data, compiled)
    if structural and not source.text_hash.startswith(stamp):
        # Written against an older source whose key has changed since: expected drift, not an authoring error.
        dropped.append(TranslationWarning.of(raw_file.path, raw.line, say(
            "question '{slug}': the {language} translation is stale and {structural} now ({source_path}:{source_line}): "
            "it is not used until it is updated (then set `translated_from: {stamp}`)", slug=raw.slug,
            language=raw_file.front_matter.get("language"), structural=structural, source_path=source.source_path,
            source_line=source.source_line, stamp=source.text_hash[:12])))
        return None
    if structural:
        ctx.error(raw.line, say('{structural} than the source ({source_path}:{source_line}); a translation changes words, never the key', structural=structural, source_path=source.source_path, source_line=source.source_line))
        return None
    overlay.update(_display_fields(source.qtype, compiled))
    return overlay, stamp


def _same_structure(qtype: str, source: dict[str, Any], translated: dict[str, Any]) -> Said | None:
    """None when the translation has the source's key; else what differs, phrased to end with 'than the source'."""
    if qtype in ("single", "multiple"):
        mine, theirs = [c["correct"] for c in translated["choices"]], [c["correct"] for c in source["choices"]]
        if len(mine) != len(theirs):
            return say("has {mine} choices, {theirs} in the source: other choices", mine=len(mine), theirs=len(theirs))
        if mine != theirs:
            return say("marks other choices [x]: another correct set")
    elif qtype == "truefalse" and translated["answer"] != source["answer"]:
        return say("answers {answer}: another answer", answer=str(translated['answer']).lower())
    elif qtype == "ordering" and len(translated["items"]) != len(source["items"]):
        return say("has {count} items to order: other items", count=len(translated['items']))
    elif qtype == "matching":
        if len(translated["pairs"]) != len(source["pairs"]):
            return say("has {count} pairs: other pairs", count=len(translated['pairs']))
        if _pairing(translated) != _pairing(source):
            return say("groups the right-hand values differently: another pairing")
    elif qtype == "cloze":
        mine = {key: len(card["blanks"]) for key, card in translated["cards"].items()}
        theirs = {key: len(card["blanks"]) for key, card in source["cards"].items()}
        if mine != theirs:
            return say("has other cloze deletions ({mine} against {theirs}): other blanks", mine=_cloze_shape(mine), theirs=_cloze_shape(theirs))
    return None


def _pairing(data: dict[str, Any]) -> list[int]:
    rights = [pair["right"] for pair in data["pairs"]]
    return [rights.index(right) for right in rights]


def _cloze_shape(shape: dict[str, int]) -> str:
    return ", ".join(f"{key} x{count}" for key, count in sorted(shape.items())) or "none"


def _display_fields(qtype: str, compiled: dict[str, Any]) -> dict[str, Any]:
    if qtype in ("single", "multiple"):
        return {"choices": [{"html": c["html"], "text": c["text"]} for c in compiled["choices"]]}
    if qtype == "short":
        return {"answers": compiled["answers"]}
    if qtype == "ordering":
        return {"items": compiled["items"]}
    if qtype == "matching":
        return {key: compiled[key] for key in ("left_label", "right_label", "pairs", "right_options")}
    if qtype == "flashcard":
        return {"back_html": compiled["back_html"]}
    if qtype == "cloze":
        return {"cards": compiled["cards"]}
    return {}


def apply_translation(qtype: str, data: dict[str, Any], overlay: dict[str, Any] | None) -> dict[str, Any]:
    """The question data a learner of the translation's language sees and is graded on.

    Display text comes from the translation; correctness from the source. Short answers and cloze blanks accept
    the answers of both languages, the translation's first (the key shown)."""
    if not overlay:
        return data
    merged = dict(data)
    for key in ("prompt_html", "explanation_html", "source", "back_html", "items", "left_label", "right_label",
                "pairs", "right_options"):
        if key in overlay:
            merged[key] = overlay[key]
    if "choices" in overlay:
        merged["choices"] = [{**choice, "html": text["html"], "text": text["text"]}
                             for choice, text in zip(data["choices"], overlay["choices"])]
    if "answers" in overlay:
        merged["answers"] = _union(overlay["answers"], data["answers"])
    if "cards" in overlay:
        merged["cards"] = {key: _merge_cloze(card, overlay["cards"].get(key)) for key, card in data["cards"].items()}
    return merged


def _merge_cloze(card: dict[str, Any], translated: dict[str, Any] | None) -> dict[str, Any]:
    if not translated:
        return card
    blanks = [{"answers": _union(mine["answers"], theirs["answers"]), "hint": mine.get("hint", "")}
              for mine, theirs in zip(translated["blanks"], card["blanks"])]
    return {**card, "prompt_html": translated["prompt_html"], "answer_html": translated["answer_html"],
            "blanks": blanks}


def _union(first: list[str], second: list[str]) -> list[str]:
    return list(dict.fromkeys([*first, *second]))


def translation_warnings(bank: Any, languages: list[str] | None = None) -> list[TranslationWarning]:
    """Questions without a translation in a language the pack is translated to, and stale translations."""
    warnings: list[TranslationWarning] = []
    for pack in bank.packs.values():
        translations: PackTranslations = pack.translations
        warnings.extend(translations.dropped)
        translated_to = sorted(languages or set(translations.questions) | set(translations.topics)
                               | set(translations.titles))
        warnings.extend(TranslationWarning.of(path, line, message)
                        for path, line, message in pack_title_warnings(pack, translated_to))
        for language in sorted(languages or translations.questions):
            done = translations.questions.get(language, {})
            for question in pack.questions:
                entry = done.get(question.slug)
                if entry is None:
                    warnings.append(TranslationWarning.of(question.source_path, question.source_line, say(
                        "question '{slug}' has no {language} translation: {language} learners see it in {pack_language} "
                        "(a translation starts `translated_from: {stamp}`)", slug=question.slug, language=language,
                        pack_language=pack.language, stamp=question.text_hash[:12])))
                elif not question.text_hash.startswith(entry.translated_from):
                    warnings.append(TranslationWarning.of(entry.source_path, entry.source_line, say(
                        "question '{slug}': the {language} translation is stale: the source ({source_path}:"
                        "{source_line}) changed after `translated_from: {old}`; update the translation, then set "
                        "`translated_from: {stamp}`", slug=question.slug, language=language,
                        source_path=question.source_path, source_line=question.source_line, old=entry.translated_from,
                        stamp=question.text_hash[:12])))
    return sorted(warnings, key=lambda w: (w.path, w.line))


def coverage(bank: Any) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(pack, language) -> (questions, translated, stale)."""
    result = {}
    for pack in bank.packs.values():
        for language, done in sorted(pack.translations.questions.items()):
            stale = sum(1 for q in pack.questions
                        if q.slug in done and not q.text_hash.startswith(done[q.slug].translated_from))
            result[(pack.slug, language)] = (len(pack.questions), sum(q.slug in done for q in pack.questions), stale)
    return result


__all__ = ["PackTitleTranslation", "PackTranslations", "Problem", "QuestionTranslation", "TopicTranslation", "TranslationWarning",
           "apply_translation", "compile_translation_file", "coverage", "translation_warnings"]
