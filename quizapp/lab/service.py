"""Where the lab's scenarios come from, who may open them, and tracing them (plain functions, no request).

A scenario id is `q<question id>` (the scenario of a sim question, with its first variant's parameters, from
any pack the user may study: shipped packs and instructors' packs alike) or `ex-<name>` (an example file of
the simulator). Shared scenarios are trusted (they passed `content check`) and are traced in-process with
their load cached; a learner's edited text always goes through the sandbox.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from quizapp.access import pack_visible_to
from quizapp.content.sim_type import substitute
from quizapp.lab import tracing
from quizapp.models import Pack, Question, QuestionTranslation, Topic, TopicTranslation
from quizapp.sandbox import Limits, SandboxLimitExceeded, run_sandboxed
from quizapp.study.localized import pack_titles, topic_titles

SCENARIO_ID = re.compile(r"^(?:q(?P<question>\d{1,12})|ex-(?P<example>[a-z0-9][a-z0-9-]{0,80}))$")
EXAMPLES_TOPIC = _l("Simulator examples")


@dataclass
class LabScenario:
    id: str
    title: str
    story: str
    topic: str
    text: str
    pack: str = ""
    default_from: str = ""
    default_to: str = ""
    questions: list[str] = field(default_factory=list)


def examples_dir() -> Path:
    configured = current_app.config.get("LAB_EXAMPLES_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "tests" / "sim" / "scenarios"


def _story_of(text: str) -> str:
    comments = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        comments.append(line.lstrip("# ").strip())
    return " ".join(comments)


def _example(path: Path) -> LabScenario:
    text = path.read_text(encoding="utf-8")
    story = _story_of(text) or _("The simulator's example %(name)s.", name=path.name)
    return LabScenario(id=f"ex-{path.stem}", title=path.stem.replace("-", " "), story=story,
                       topic=str(EXAMPLES_TOPIC), text=text)


def _examples() -> list[LabScenario]:
    folder = examples_dir()
    return [_example(path) for path in sorted(folder.glob("*.yaml"))] if folder.is_dir() else []


def _from_question(question: Question) -> LabScenario | None:
    data = question.data or {}
    text = data.get("scenario_text")
    variants = data.get("variants") or []
    if not text or not variants:
        return None  # compiled before the lab existed: rebuilt content carries its scenario
    first = variants[0]
    return LabScenario(id=f"q{question.id}", title=question.title, story=question.title,
                       topic=question.topic.title, pack=question.pack.title, text=substitute(text, first["params"]),
                       default_from=first.get("from", ""), default_to=first.get("to", ""))


def _visible_sim_questions(session: Session, user: Any):
    return (select(Question).join(Question.pack).join(Question.topic)
            .where(Question.qtype == "sim", Question.retired_at.is_(None), Topic.retired_at.is_(None),
                   pack_visible_to(user))
            .options(joinedload(Question.topic), joinedload(Question.pack))
            .order_by(Pack.title, Topic.position, Question.position))


def _translated(session: Session, questions: list[Question],
                language: str | None) -> tuple[dict[int, str], dict[int, str]]:
    """Question and topic titles in `language` (only those translated, of packs written in another language)."""
    wanted = [q for q in questions if language and q.pack.language != language]
    if not wanted:
        return {}, {}
    rows = session.execute(select(QuestionTranslation.question_id, QuestionTranslation.title)
                           .where(QuestionTranslation.question_id.in_([q.id for q in wanted]),
                                  QuestionTranslation.language == language)).all()
    return dict(rows), topic_titles(session, sorted({q.topic_id for q in wanted}), language or "")


def gallery(session: Session, user: Any, language: str | None = None) -> list[tuple[str, list[LabScenario]]]:
    """(topic, scenarios) for every scenario `user` may open; one entry per distinct scenario text in a topic,
    listing the questions that use it. Titles in `language` where translated."""
    groups: dict[str, dict[str, LabScenario]] = {}
    questions = list(session.scalars(_visible_sim_questions(session, user)).unique())
    titles, topics = _translated(session, questions, language)
    packs = pack_titles(session, language)
    for question in questions:
        scenario = _from_question(question)
        if scenario is None:
            continue
        title = titles.get(question.id, question.title)
        scenario = replace(scenario, title=title, story=title, topic=topics.get(question.topic_id, scenario.topic),
                           pack=packs.get(question.pack.slug, scenario.pack))
        topic = f"{scenario.pack}: {scenario.topic}"
        digest = hashlib.sha256(scenario.text.encode()).hexdigest()
        seen = groups.setdefault(topic, {})
        if digest in seen:
            seen[digest].questions.append(title)
        else:
            scenario.questions.append(title)
            seen[digest] = scenario
    result = [(topic, list(items.values())) for topic, items in groups.items()]
    examples = _examples()
    if examples:
        result.append((str(EXAMPLES_TOPIC), examples))
    return result


def find_scenario(session: Session, scenario_id: str, user: Any, language: str | None = None) -> LabScenario | None:
    """The scenario `scenario_id` if `user` may open it, else None; titled in `language` where translated.
    Visibility is checked on every call; the question's (large) data is read once per version and process."""
    match = SCENARIO_ID.match(scenario_id or "")
    if match is None:
        return None
    if match["example"]:
        path = examples_dir() / f"{match['example']}.yaml"
        return _example(path) if path.is_file() else None
    question_id = int(match["question"])
    version = session.scalar(_visible_sim_questions(session, user).with_only_columns(Question.content_hash)
                             .where(Question.id == question_id))
    scenario = _question_scenario(question_id, version) if version is not None else None
    if scenario is None or not language:
        return scenario
    pack = session.execute(select(Pack.slug, Pack.language).join(Question, Question.pack_id == Pack.id)
                           .where(Question.id == question_id)).one()
    if pack.language != language:
        scenario = replace(scenario, pack=pack_titles(session, language).get(pack.slug, scenario.pack))
    row = session.execute(
        select(QuestionTranslation.title, TopicTranslation.title)
        .join(Question, Question.id == QuestionTranslation.question_id)
        .join(Pack, Pack.id == Question.pack_id)
        .outerjoin(TopicTranslation, (TopicTranslation.topic_id == Question.topic_id)
                   & (TopicTranslation.language == language))
        .where(QuestionTranslation.question_id == question_id, QuestionTranslation.language == language,
               Pack.language != language)).first()
    if row is None:
        return scenario
    return replace(scenario, title=row[0], story=row[0], topic=row[1] or scenario.topic)  # the cached one unchanged


@lru_cache(maxsize=512)
def _question_scenario(question_id: int, version: str) -> LabScenario | None:
    from quizapp.extensions import db  # the request's session; the cache key carries the version

    question = db.session.get(Question, question_id)
    return _from_question(question) if question is not None else None


@lru_cache(maxsize=128)
def _loaded_shared(text: str) -> Any:
    """A shared scenario, loaded once per process (shared scenarios change only with a content build)."""
    try:
        return tracing.load_checked(text)
    except tracing.LabInputError as error:
        return error


@lru_cache(maxsize=128)
def describe_shared(text: str) -> dict[str, Any] | tracing.LabInputError:
    """A shared scenario's inventory, or why it does not load."""
    scenario = _loaded_shared(text)
    if isinstance(scenario, tracing.LabInputError):
        return scenario
    inv = tracing.inventory(scenario)
    inv["sources"], inv["destinations"] = tracing.endpoints_offered(inv)
    return inv


def trace_shared(text: str, src: str, dst: str, seed: int = 0) -> dict[str, Any]:
    """Trace a shared (trusted, already checked) scenario in-process; LabInputError for a bad request."""
    scenario = _loaded_shared(text)
    if isinstance(scenario, tracing.LabInputError):
        raise scenario
    return tracing.trace_loaded(scenario, src, dst, seed)


def max_text_bytes() -> int:
    return int(current_app.config.get("LAB_MAX_BYTES", 64 * 1024))


def lab_limits() -> Limits:
    config = current_app.config
    return Limits(cpu_seconds=int(config.get("LAB_CPU_SECONDS", 2)),
                  memory_mb=int(config.get("LAB_MEMORY_MB", 256)),
                  wall_seconds=float(config.get("LAB_WALL_SECONDS", 5)))


def trace_untrusted(text: str, src: str, dst: str, seed: int = 0, with_inventory: bool = False) -> dict[str, Any]:
    """Trace a text from the web in the sandbox: LabInputError, SandboxLimitExceeded."""
    return run_sandboxed(tracing.run_trace, text, src, dst, seed, "scenario.yaml", with_inventory,
                         limits=lab_limits())


def describe_untrusted(text: str) -> dict[str, Any]:
    return run_sandboxed(tracing.describe, text, limits=lab_limits())


def limit_text(error: SandboxLimitExceeded) -> Any:
    """What the sandbox's limit means for the learner: a lazy string, in the language of the page that shows it
    (the JSON API words it in English; ``str(error)`` is English)."""
    limits = error.limits
    if error.kind == "memory":
        return _l("This needs more than %(mb)s MB of memory, more than the lab allows. Make it smaller (fewer nodes, "
                  "Pods, replicas or containers) and try again.", mb=limits.memory_mb)
    return _l("This takes longer than the lab allows (%(cpu)s s of computing, %(wall)s s in all). Make it smaller "
              "(fewer nodes, Pods, replicas or containers) and try again.", cpu=limits.cpu_seconds,
              wall=f"{limits.wall_seconds:g}")
