"""Words of the pure layers (the simulator's hop texts, the compiler's messages) in the reader's language.

The simulator and the compiler load neither Flask nor Babel's Flask glue, so they cannot ask for "the current
language". Instead they say what they mean as a message id with parameters: :func:`say` (``say("receives {proto}
{src} -> {dst}", proto=..., src=..., dst=...)``). The id is the English template; ``str()`` of a :class:`Said`
is the English text, so the CLI, logs and the JSON API read exactly as before. The edge that knows the reader
(a web page, ``content check`` with a pack in Chinese) renders it with :func:`render` in a language, from a
gettext catalogue of its own domain (``quizapp/translations/<locale>/LC_MESSAGES/<domain>.mo``) read with the
standard library's :mod:`gettext`. Parameters (addresses, chain names, paths) are inserted verbatim; a parameter
may itself be a :class:`Said` (rendered in the same language; a message the domain does not hold is looked up in
the other domains, so a compiler message can carry a simulator error). A message with no translation, or whose
translation does not fit its parameters, falls back to English.

Domains: ``sim`` (hop texts and errors, quizapp/sim), ``compiler`` (content problems, quizapp/content), ``exchange``
(what the foreign importers of quizapp/exchange could not carry over, and why they refuse a file), ``yaml`` (the
limits quizapp/safeyaml.py refuses a text with). Extraction:
``pybabel extract --no-default-keywords -k say -o quizapp/translations/<domain>.pot quizapp/<package>``.
"""
from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
# Language tag (as learners and authors write it) -> the catalogue's locale directory.
LOCALES = {"zh-CN": "zh_Hans_CN"}
ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN", "zh-sg": "zh-CN",
           "zh_hans_cn": "zh-CN"}
DOMAINS = ("sim", "compiler", "exchange", "yaml")


class Said:
    """A message id (the English template, ``str.format`` syntax) and its parameters."""

    __slots__ = ("msgid", "args")

    def __init__(self, msgid: str, args: Mapping[str, Any]):
        self.msgid = msgid
        # parameters are kept as JSON can store them (a trace is stored with its words): numbers stay numbers
        # (for format specs such as {probability:.5f}), anything else (an IPv4Network, a list) becomes its text
        self.args = {k: v if isinstance(v, (Said, str, int, float, bool)) or v is None else str(v)
                     for k, v in args.items()}

    def __str__(self) -> str:
        return _format(self.msgid, self.args, None, "")

    def __repr__(self) -> str:
        return f"say({self.msgid!r}, **{self.args!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Said) and (self.msgid, self.args) == (other.msgid, other.args)

    def __hash__(self) -> int:
        return hash(self.msgid)

    def to_dict(self) -> dict[str, Any]:
        """JSON form: ``{"id": template, "args": {name: value or nested {"id", "args"}}}``."""
        return {"id": self.msgid, "args": {k: v.to_dict() if isinstance(v, Said) else v for k, v in self.args.items()}}


def say(msgid: str, /, **args: Any) -> Said:
    """Mark a message for the catalogue of the calling package (the extraction keyword is ``say``)."""
    return Said(msgid, args)


def from_dict(data: Any) -> Said | None:
    """The :class:`Said` stored by :meth:`Said.to_dict`, or None for anything else."""
    if isinstance(data, Mapping) and isinstance(data.get("id"), str) and isinstance(data.get("args", {}), Mapping):
        return Said(data["id"], {k: from_dict(v) or v for k, v in data.get("args", {}).items()})
    return None


def language_tag(language: str | None) -> str | None:
    """One of LOCALES' tags for `language` (``zh-CN``, ``zh``, ``zh_Hans_CN`` ...), or None (English)."""
    if not language:
        return None
    if language in LOCALES:
        return language
    return ALIASES.get(language.strip().lower().replace("_", "-")) or ALIASES.get(language.strip().lower())


@lru_cache(maxsize=None)
def catalogue(domain: str, language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `domain` in `language` (a tag); an empty one if there is none."""
    tag = language_tag(language)
    if tag is None:
        return gettext.NullTranslations()
    path = TRANSLATIONS / LOCALES[tag] / "LC_MESSAGES" / f"{domain}.mo"
    if not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def _lookup(msgid: str, language: str, domain: str) -> str:
    """`msgid` in `language` from `domain`, else from the other domains: a compiler message may carry one of the
    simulator's (a scenario refused), and it is rendered in the same language."""
    for name in (domain, *(d for d in DOMAINS if d != domain)):
        translated = catalogue(name, language).gettext(msgid)
        if translated != msgid:
            return translated
    return msgid


def _format(msgid: str, args: Mapping[str, Any], language: str | None, domain: str) -> str:
    values = {k: _format(v.msgid, v.args, language, domain) if isinstance(v, Said) else v for k, v in args.items()}
    if language_tag(language) is not None and domain:
        translated = _lookup(msgid, language, domain)  # type: ignore[arg-type]
        if translated != msgid:
            try:
                return translated.format(**values)
            except (KeyError, IndexError, ValueError):
                pass  # a translation that does not fit its parameters: English rather than nothing
    try:
        return msgid.format(**values) if values or "{" in msgid else msgid
    except (KeyError, IndexError, ValueError):
        return msgid


def render(text: Said | Mapping[str, Any] | str, language: str | None, domain: str) -> str:
    """`text` in `language` (English when None or untranslated). A plain string is returned as it is."""
    said = text if isinstance(text, Said) else from_dict(text)
    if said is None:
        return str(text)
    return _format(said.msgid, said.args, language, domain)


def is_translated(msgid: str, language: str, domain: str) -> bool:
    return catalogue(domain, language).gettext(msgid) != msgid
