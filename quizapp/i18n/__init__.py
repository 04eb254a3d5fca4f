"""The interface and content language: Flask-Babel for the interface, question translations for content.

A learner's language is their account setting, else (and for visitors) the one chosen with the header's switcher
in this browser session, else the best match of the browser's Accept-Language, else English. Content languages
are BCP 47 tags as authors write them (`zh-CN`); Babel's locale for each is in LANGUAGES.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, Flask, g, has_app_context, has_request_context, request, session
from flask_babel import Babel, force_locale, get_translations, lazy_gettext as _l
from flask_login import current_user

from quizapp.concepts import group_label
from quizapp.words import render

bp = Blueprint("i18n", __name__)
babel = Babel()

DEFAULT_LANGUAGE = "en"
# tag -> (Babel locale, the language's own name for the switcher)
LANGUAGES: dict[str, tuple[str, str]] = {"en": ("en", "English"), "zh-CN": ("zh_Hans_CN", "简体中文")}
# Accept-Language tags that mean one of ours (browsers send zh, zh-CN, zh-Hans, zh-SG ...).
ACCEPT_ALIASES = {"zh": "zh-CN", "zh-cn": "zh-CN", "zh-hans": "zh-CN", "zh-hans-cn": "zh-CN", "zh-sg": "zh-CN",
                  "en": "en", "en-us": "en", "en-gb": "en"}


# The question types as learners read them (the compiler's own labels stay English: it is Flask-free).
QTYPE_LABELS = {
    "single": _l("Single choice"), "multiple": _l("Multiple select"), "truefalse": _l("True or false"),
    "short": _l("Short answer"), "ordering": _l("Ordering"), "matching": _l("Matching"),
    "flashcard": _l("Flashcard"), "cloze": _l("Cloze"), "sim": _l("Sim-checked"), "lab": _l("Lab"),
}


# FSRS ratings (keys 1-4) and the simulator's outcomes (the values forms send stay English).
RATING_LABELS = {1: _l("Again"), 2: _l("Hard"), 3: _l("Good"), 4: _l("Easy")}
OUTCOME_LABELS = {
    "delivered": _l("delivered"), "refused": _l("refused"), "timeout": _l("timeout"),
    "unreachable": _l("unreachable"), "nxdomain": _l("nxdomain (the name does not resolve)"),
}


def qtype_label(qtype: str) -> str:
    return str(QTYPE_LABELS.get(qtype, qtype))


def rating_label(rating: int) -> str:
    return str(RATING_LABELS.get(rating, rating))


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome))


def sim_text(text: str, words: Any = None) -> str:
    """A simulator message in this request's language: `words` is its stored message (``Said.to_dict()``), `text`
    the English text shown when there is none (a verdict stored before the simulator said its errors)."""
    return render(words, current_language(), "sim") if words else text


def normalize_language(tag: str | None) -> str | None:
    """One of LANGUAGES' tags for a tag a browser or a form sent, or None."""
    if not tag:
        return None
    if tag in LANGUAGES:
        return tag
    return ACCEPT_ALIASES.get(tag.strip().lower().replace("_", "-"))


def current_language() -> str:
    """The language of this request (cached in the request's environ: `g` may outlive a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    cached = request.environ.get("quizapp.language")
    if cached:
        return cached
    language = request.environ["quizapp.language"] = _choose_language()
    return language


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Flask-Babel's words in `language` (a tag as users and authors write it: `zh-CN`) inside the block: for words
    made outside a request (the CLI speaks a pack's `language:`) or for someone other than the one asking (an
    e-mail in its recipient's language). None, or a language we do not speak: unchanged."""
    tag = normalize_language(language)
    if tag is None:
        yield
        return
    with force_locale(LANGUAGES[tag][0]):
        yield


def language_of(user: object | None) -> str | None:
    """The language `user` saved on their account (None: none saved, or no such user)."""
    return normalize_language(getattr(user, "language", None)) if user is not None else None


def _choose_language() -> str:
    if current_user and getattr(current_user, "is_authenticated", False):
        chosen = normalize_language(getattr(current_user, "language", None))
        if chosen:
            return chosen
    chosen = normalize_language(session.get("language")) if session else None
    if chosen:
        return chosen
    for tag, _quality in request.accept_languages:
        match = normalize_language(tag) or normalize_language(tag.split("-")[0])
        if match:
            return match
    return DEFAULT_LANGUAGE


def _locale_selector() -> str:
    return LANGUAGES[current_language()][0]


def page_translations() -> Any:
    """The translations templates speak, found once per locale per request. Flask-Babel finds them again for
    every string (the domain, the locale, the cache: a dozen context-local lookups each, ~10 % of the study
    page's CPU); this keeps them on Flask-Babel's own per-request namespace beside the locale they are for, so
    `force_locale` (it resets that locale) is obeyed at once."""
    if not has_app_context():
        return get_translations()
    context = g.get("_flask_babel")
    locale = getattr(context, "babel_locale", None)
    kept = getattr(context, "page_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()  # also sets the namespace and its locale
    context = g.get("_flask_babel")
    if context is not None and getattr(context, "babel_locale", None) is not None:
        context.page_translations = (context.babel_locale, translations)
    return translations


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=_locale_selector, default_translation_directories="translations")
    # `{% trans %}` blocks are written across lines; their whitespace is layout, not part of the message.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.install_gettext_callables(  # Flask-Babel's own, with the translations found once (above)
        gettext=lambda s: page_translations().ugettext(s),
        ngettext=lambda s, p, n: page_translations().ungettext(s, p, n),
        pgettext=lambda c, s: page_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: page_translations().unpgettext(c, s, p, n),
        newstyle=True)
    app.register_blueprint(bp)

    @app.context_processor
    def language_context() -> dict[str, object]:
        from quizapp.study.lab_words import goal_text, observed_text  # it reads quizapp.lab: imported when used
        from quizapp.i18n.pack_titles import pack_title  # it reads the models: imported when used

        return {"current_language": current_language, "languages": LANGUAGES, "qtype_label": qtype_label,
                "rating_label": rating_label, "outcome_label": outcome_label, "sim_text": sim_text,
                "group_label": group_label, "goal_text": goal_text, "observed_text": observed_text,
                "pack_title": pack_title}


from quizapp.i18n import routes  # noqa: E402,F401  (registers the switcher's route on bp)
