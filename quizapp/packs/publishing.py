"""Drafts, publishing and rollback: plain functions over a session (they flush, the caller commits).

Upload -> draft: the files are compiled with the real compiler (sim questions included; scenario files are read
from the upload) and kept server-side with the report, so preview and publish use the same bytes.
Publish: the draft is compiled again from its stored files and, only if nothing is wrong, written in ONE
transaction: the bank (questions edited in place by their stable ids, missing ones retired), pack version N+1
with what changed, and a snapshot of every live question of that version. Rollback republishes an earlier
snapshot as a new version: history is append-only.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from quizapp.access import can_edit_pack
from quizapp.content.compiler import Bank, CompileResult, PackSpec, QuestionSpec, TopicSpec, compile_sources
from quizapp.content.problems import Problem, owned_pack
from quizapp.content.store import BuildReport, write_bank
from quizapp.models import (
    Pack,
    PackDraft,
    PackOwner,
    PackVersion,
    PackVersionQuestion,
    Question,
    User,
    utcnow,
)
from quizapp.packs.uploads import UploadedFiles, archive_bytes, files_from_archive
from quizapp.sandbox import Limits, SandboxLimitExceeded, run_sandboxed


class PublishError(Exception):
    """Nothing was published; `problems` lists every reason as the instructor should read it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class Validation:
    """A compile of an upload plus the checks only the server can make (one pack, who owns its id)."""

    result: CompileResult
    problems: list[str] = field(default_factory=list)  # every problem, `path:line: message` first

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def pack(self) -> PackSpec | None:
        bank = self.result.bank
        return next(iter(bank.packs.values())) if bank is not None and len(bank.packs) == 1 else None


def summary_line(validation: Validation) -> str:
    """The line `quizapp content check` prints after the problems (the same counts)."""
    return (f"{len(validation.problems)} problem(s) in {validation.result.files} file(s); "
            "nothing was published.")


# An upload is compiled (sim questions traced) in a child process with these bounds, so no upload can hold a
# web worker past gunicorn's 30 s timeout or grow it: the real content packs compile in well under a second.
COMPILE_LIMITS = Limits(cpu_seconds=15, memory_mb=512, wall_seconds=20)


def _compile(uploaded: UploadedFiles) -> CompileResult:
    return compile_sources(uploaded.markdown, read_resource=uploaded.read_resource)


def compile_upload(uploaded: UploadedFiles, limits: Limits | None = None) -> CompileResult:
    """Compile in the sandbox; past its CPU, memory or time bound the upload gets one problem saying so."""
    limits = limits or COMPILE_LIMITS
    try:
        return run_sandboxed(_compile, uploaded, limits=limits)
    except SandboxLimitExceeded as error:
        what = (_("more than %(mb)s MB of memory", mb=limits.memory_mb) if error.kind == "memory" else
                _("more than %(seconds)s s of computing", seconds=limits.cpu_seconds))
        where = uploaded.markdown[0][0] if uploaded.markdown else "upload"
        return CompileResult(None, [Problem(where, 1, _("compiling this upload took %(what)s, the limit for one "
                                                        "upload: make it smaller (fewer sim questions or variants, "
                                                        "smaller scenarios) or split it into several packs",
                                                        what=what))],
                             len(uploaded.markdown))


def validate(session: Session, user: User | None, result: CompileResult, language: str | None = None) -> Validation:
    """The compiler's problems (as `quizapp content check` prints them: in the language of the files when they
    are written in one we translate, else in `language`, the instructor's), then ownership problems."""
    problems = result.problem_texts(default=language)
    bank = result.bank
    if bank is not None:
        if len(bank.packs) > 1:
            problems.append(_packs_problem(bank))
        elif len(bank.packs) == 1:
            spec = next(iter(bank.packs.values()))
            problem = ownership_problem(session, user, spec)
            if problem:
                problems.append(problem)
    return Validation(result, problems)


def _packs_problem(bank: Bank) -> str:
    origins = ", ".join(f"'{slug}' ({spec.topics[0].source_path if spec.topics else '?'})"
                        for slug, spec in bank.packs.items())
    where = next(iter(bank.packs.values())).topics[0].source_path
    return _("%(where)s:1: an upload publishes one pack, but the files name %(count)s: %(origins)s; give every file "
             "the same `pack:` id or upload them apart", where=where, count=len(bank.packs), origins=origins)


def ownership_problem(session: Session, user: User | None, spec: PackSpec) -> str | None:
    """Why `user` may not publish pack id `spec.slug` (None: they may). `user` None: the site (CLI build)."""
    pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
    where = f"{spec.topics[0].source_path}:1" if spec.topics else "upload:1"
    if pack is None:
        if user is not None and user.role not in ("instructor", "admin"):
            return _("%(where)s: only instructors publish packs", where=where)
        return None
    if user is None or can_edit_pack(session, user, pack):
        return None
    if not pack.owners:
        return _("%(where)s: pack id '%(slug)s' already belongs to the site (the shipped content); choose another id "
                 "in the front matter (`pack: %(slug)s-2`, say)", where=where, slug=spec.slug)
    return _("%(where)s: pack id '%(slug)s' already belongs to another instructor; choose another id in the front "
             "matter (`pack: %(slug)s-2`, say)", where=where, slug=spec.slug)


# --- drafts --------------------------------------------------------------------------------------------------

def bank_json(spec: PackSpec) -> dict[str, Any]:
    return {"slug": spec.slug, "title": spec.title, "language": spec.language,
            "topics": [asdict(topic) for topic in spec.topics],
            "questions": [asdict(question) for question in spec.questions]}


def spec_from_json(data: dict[str, Any]) -> PackSpec:
    return PackSpec(data["slug"], data["title"], data["language"],
                    [TopicSpec(**topic) for topic in data["topics"]],
                    [QuestionSpec(**question) for question in data["questions"]])


def create_draft(session: Session, user: User, uploaded: UploadedFiles,
                 language: str | None = None) -> tuple[PackDraft, Validation]:
    """Compile an upload and keep it (valid or not) with its report (compiler messages in `language` unless the
    files are written in another language we translate)."""
    validation = validate(session, user, compile_upload(uploaded), language)
    archive = archive_bytes(uploaded.files)
    spec = validation.pack
    draft = PackDraft(owner_id=user.id, pack_slug=spec.slug if spec else None,
                      status="valid" if validation.ok else "invalid", files=archive,
                      files_sha256=hashlib.sha256(archive).hexdigest(), file_names=sorted(uploaded.files),
                      problems=validation.problems, notes=list(uploaded.notes),
                      bank=bank_json(spec) if spec is not None and validation.result.ok else None)
    session.add(draft)
    session.flush()
    return draft, validation


def own_draft(session: Session, user: User, draft_id: int) -> PackDraft | None:
    return session.scalar(select(PackDraft).where(PackDraft.id == draft_id, PackDraft.owner_id == user.id))


def draft_files(draft: PackDraft) -> UploadedFiles:
    return UploadedFiles(files_from_archive(draft.files))


def publish_draft(session: Session, user: User, draft: PackDraft, now: datetime | None = None) -> PackVersion:
    """Compile the draft's stored files again and publish them; PublishError (nothing written) otherwise."""
    if draft.status == "published":
        raise PublishError([_("this upload was already published as version %(number)s; upload the files again to "
                              "publish another version", number=draft.published_version)])
    validation = validate(session, user, compile_upload(draft_files(draft)))
    if not validation.ok or validation.pack is None:
        raise PublishError(validation.problems or [_("the upload holds no pack")])
    version = publish_spec(session, user, validation.pack, source="upload", files_sha256=draft.files_sha256,
                           now=now)
    draft.status = "published"
    draft.published_version = version.number
    session.flush()
    return version


# --- publishing ----------------------------------------------------------------------------------------------

def _fingerprint(title: str, language: str, topics: list[dict[str, Any]],
                 questions: list[tuple[str, str, str]]) -> str:
    import json

    payload = {"title": title, "language": language, "topics": topics, "questions": questions}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _spec_fingerprint(spec: PackSpec) -> str:
    return _fingerprint(spec.title, spec.language, [asdict(t) for t in spec.topics],
                        [(q.slug, q.topic, q.content_hash) for q in spec.questions])


def version_fingerprint(session: Session, version: PackVersion) -> str:
    rows = session.execute(select(PackVersionQuestion.slug, PackVersionQuestion.topic_slug,
                                  PackVersionQuestion.content_hash)
                           .where(PackVersionQuestion.version_id == version.id)
                           .order_by(PackVersionQuestion.position)).all()
    return _fingerprint(version.title, version.language, version.topics, [tuple(row) for row in rows])


def publish_spec(session: Session, user: User | None, spec: PackSpec, source: str, files_sha256: str = "",
                 rolled_back_to: int | None = None, now: datetime | None = None) -> PackVersion:
    """Write one pack as its next version, inside the caller's transaction (which must roll back on error)."""
    now = now or utcnow()
    # Lock the pack row (PostgreSQL): two publishes of one pack queue up instead of racing for number N+1.
    pack = session.scalar(select(Pack).where(Pack.slug == spec.slug).with_for_update())
    problem = ownership_problem(session, user, spec)
    if problem:
        raise PublishError([problem])
    if pack is not None and pack.current_version:
        latest = session.scalar(select(PackVersion).where(PackVersion.pack_id == pack.id,
                                                          PackVersion.number == pack.current_version))
        if latest is not None and version_fingerprint(session, latest) == _spec_fingerprint(spec):
            raise PublishError([_("nothing changed since version %(number)s; nothing was published", number=latest.number)])
    is_new = pack is None
    report = write_bank(session, Bank({spec.slug: spec}), now)
    if pack is None:
        pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
        assert pack is not None
        pack.visibility = "private"  # a new instructor pack starts private; its owner shares it
    if is_new and user is not None:
        session.add(PackOwner(pack_id=pack.id, user_id=user.id, added_at=now))
    return _record_version(session, pack, spec, report, user, source, files_sha256, rolled_back_to, now)


def _record_version(session: Session, pack: Pack, spec: PackSpec, report: BuildReport, user: User | None,
                    source: str, files_sha256: str, rolled_back_to: int | None, now: datetime) -> PackVersion:
    number = pack.current_version + 1
    version = PackVersion(pack_id=pack.id, number=number, title=spec.title, language=spec.language, created_at=now,
                          created_by_id=user.id if user is not None else None, source=source,
                          rolled_back_to=rolled_back_to, added=list(report.added), edited=list(report.updated),
                          retired=list(report.retired), restored=list(report.restored),
                          topics=[asdict(topic) for topic in spec.topics], files_sha256=files_sha256)
    session.add(version)
    pack.current_version = number
    pack.updated_at = now
    try:
        session.flush()
    except IntegrityError as error:
        raise PublishError([_("another version of this pack was published at the same moment; reload the pack "
                              "page and publish again")]) from error
    ids = dict(session.execute(select(Question.slug, Question.id).where(Question.pack_id == pack.id)).all())
    session.add_all(PackVersionQuestion(
        version_id=version.id, question_id=ids[q.slug], slug=q.slug, topic_slug=q.topic, qtype=q.qtype,
        title=q.title, data=q.data, tags=q.tags, difficulty=q.difficulty, card_keys=q.card_keys,
        content_hash=q.content_hash, source_path=q.source_path, source_line=q.source_line, position=position)
        for position, q in enumerate(spec.questions))
    session.flush()
    return version


def record_build_versions(session: Session, bank: Bank, report: BuildReport | None = None,
                          now: datetime | None = None) -> list[PackVersion]:
    """After `quizapp content build`: a version for each site pack whose content changed (so answers given
    under an earlier build can still be graded against what was shown)."""
    now = now or utcnow()
    versions = []
    for spec in bank.packs.values():
        pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
        if pack is None:
            continue
        if pack.current_version:
            latest = session.scalar(select(PackVersion).where(PackVersion.pack_id == pack.id,
                                                              PackVersion.number == pack.current_version))
            if latest is not None and version_fingerprint(session, latest) == _spec_fingerprint(spec):
                continue
        versions.append(_record_version(session, pack, spec, _pack_report(session, pack, spec, report), None,
                                        "build", "", None, now))
    return versions


def _pack_report(session: Session, pack: Pack, spec: PackSpec, report: BuildReport | None) -> BuildReport:
    """The part of a whole-bank build report that concerns one pack."""
    if report is None:
        return BuildReport()
    slugs = set(session.scalars(select(Question.slug).where(Question.pack_id == pack.id)))
    return BuildReport([s for s in report.added if s in slugs], [s for s in report.updated if s in slugs],
                       [s for s in report.retired if s in slugs], [s for s in report.restored if s in slugs])


# --- versions and rollback -----------------------------------------------------------------------------------

def versions_of(session: Session, pack: Pack) -> list[PackVersion]:
    return list(session.scalars(select(PackVersion).where(PackVersion.pack_id == pack.id)
                                .order_by(PackVersion.number.desc())))


def version_questions(session: Session, version: PackVersion) -> list[PackVersionQuestion]:
    return list(session.scalars(select(PackVersionQuestion).where(PackVersionQuestion.version_id == version.id)
                                .order_by(PackVersionQuestion.position)))


def spec_of_version(session: Session, pack: Pack, version: PackVersion) -> PackSpec:
    topics = [TopicSpec(**topic) for topic in version.topics]
    questions = [QuestionSpec(slug=row.slug, qtype=row.qtype, title=row.title, data=row.data, tags=list(row.tags),
                              difficulty=row.difficulty, card_keys=list(row.card_keys),
                              source_path=row.source_path, source_line=row.source_line, topic=row.topic_slug,
                              content_hash=row.content_hash)
                 for row in version_questions(session, version)]
    return PackSpec(pack.slug, version.title, version.language, topics, questions)


def rollback(session: Session, user: User | None, pack: Pack, number: int, now: datetime | None = None) -> PackVersion:
    """Publish version `number`'s snapshot again, as a new version."""
    version = session.scalar(select(PackVersion).where(PackVersion.pack_id == pack.id, PackVersion.number == number))
    if version is None:
        raise PublishError([_("pack '%(slug)s' has no version %(number)s", slug=pack.slug, number=number)])
    if number == pack.current_version:
        raise PublishError([_("version %(number)s is already the current version", number=number)])
    return publish_spec(session, user, spec_of_version(session, pack, version), source="rollback",
                        files_sha256=version.files_sha256, rolled_back_to=number, now=now)


def problems_as_text(problems: list[Problem]) -> list[str]:
    return [str(problem) for problem in problems]


def site_build_problems(session: Session, bank: Bank) -> list[Problem]:
    """`quizapp content build` writes site packs only: a pack id an instructor owns is refused (a compiler
    problem: printed in the language of its file, like the others)."""
    problems = []
    for spec in bank.packs.values():
        pack = session.scalar(select(Pack).where(Pack.slug == spec.slug))
        if pack is not None and pack.owners:
            where = spec.topics[0].source_path if spec.topics else spec.slug
            problems.append(owned_pack(where, spec.slug, [o.email for o in pack.owners]))
    return problems
