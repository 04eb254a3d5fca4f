"""A pack's title in another language, given by the front matter of the pack's translation files.

A translation file may carry `pack_title:` (the pack's title in the file's `language:`) with `pack_title_from:`,
the first 12 (or more) hex digits of the hash of the source pack's title when it was translated -- the same
mechanism as a question's `translated_from:`. Several translation files of one pack and language may repeat the
title (as the source files repeat theirs), but they must agree. A title whose source title changed since is
stale: still used, and `quizapp content check` warns. A pack translated into a language without a title there is
warned about too (learners of that language see the source title).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from quizapp.words import say
from quizapp.content.parser import RawFile
from quizapp.content.problems import ProblemList

HASH_PREFIX = re.compile(r"^[0-9a-f]{12,64}$")


@dataclass
class PackTitleTranslation:
    language: str
    title: str
    translated_from: str
    source_path: str
    source_line: int


def title_hash(title: str) -> str:
    """The version of a pack title a translation records (`pack_title_from:`)."""
    return hashlib.sha256(title.strip().encode()).hexdigest()


def compile_pack_title(raw_file: RawFile, meta: dict[str, Any], pack: Any, problems: ProblemList) -> None:
    """Check a translation file's `pack_title:` / `pack_title_from:` and add it to `pack.translations.titles`."""
    path, language, line_of = raw_file.path, meta["language"], raw_file.front_matter_lines
    title, stamp = meta.get("pack_title"), meta.get("pack_title_from")
    stamp_line = line_of.get("pack_title_from", line_of.get("pack_title", 2))
    if title is None:
        if stamp is not None:
            problems.add(path, stamp_line, say("`pack_title_from:` without `pack_title:`: give the pack's title in {language} too, or remove it", language=language))
        return
    expected = title_hash(pack.title)[:12]
    stamp = str(stamp).strip().lower() if stamp is not None else ""
    if not HASH_PREFIX.match(stamp):
        problems.add(path, stamp_line, say("`pack_title:` needs `pack_title_from: {stamp}` (the source title it translates, {title!r}: the first 12 hex digits of its hash, as `quizapp content check` prints them)", stamp=expected, title=pack.title))
        return
    titles = pack.translations.titles
    first = titles.get(language)
    if first is not None:
        if first.title != title:
            problems.add(path, line_of.get("pack_title", 2), say("pack_title {given!r} differs from {title!r} given at {first_path}:{first_line}; a pack has one title in {language}", given=title, title=first.title, first_path=first.source_path, first_line=first.source_line, language=language))
        elif first.translated_from != stamp:
            problems.add(path, stamp_line, say("pack_title_from {given!r} differs from {stamp!r} given at {first_path}:{first_line}; use one value", given=stamp, stamp=first.translated_from, first_path=first.source_path, first_line=first.source_line))
        return
    titles[language] = PackTitleTranslation(language, title, stamp, path, line_of.get("pack_title", 2))


def pack_title_warnings(pack: Any, languages: list[str]) -> list[tuple[str, int, Any]]:
    """(path, line, message) for each stale pack title and each language the pack is translated to without one."""
    warnings = []
    current = title_hash(pack.title)
    for language in languages:
        entry = pack.translations.titles.get(language)
        if entry is None:
            topic = next(iter(pack.translations.topics.get(language, {}).values()), None)
            where = (topic.source_path, 2) if topic is not None else (pack.topics[0].source_path if pack.topics else "", 2)
            warnings.append((*where, say("pack '{slug}' has no {language} title: {language} learners see {title!r} (add `pack_title:` and `pack_title_from: {stamp}` to a translation file's front matter)", slug=pack.slug, language=language, title=pack.title, stamp=current[:12])))
        elif not current.startswith(entry.translated_from):
            warnings.append((entry.source_path, entry.source_line, say("pack '{slug}': the {language} title is stale: the source title is now {title!r} (`pack_title_from: {old}`); update the title, then set `pack_title_from: {stamp}`", slug=pack.slug, language=language, title=pack.title, old=entry.translated_from, stamp=current[:12])))
    return warnings


def title_status(pack: Any, language: str) -> str:
    """For `quizapp content check`'s coverage line: `translated`, `stale` or `missing`."""
    entry = pack.translations.titles.get(language)
    if entry is None:
        return "missing"
    return "translated" if title_hash(pack.title).startswith(entry.translated_from) else "stale"
