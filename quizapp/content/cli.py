"""`quizapp content check|build|stats`."""
from __future__ import annotations

from collections import Counter

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from quizapp.content.compiler import CompileResult, compile_paths
from quizapp.extensions import db

content_cli = AppGroup("content", help="Check and build question packs from Markdown.")


def _compile_or_exit(paths: tuple[str, ...]) -> CompileResult:
    result = compile_paths(paths)
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if result.problems:
        click.echo(f"{len(result.problems)} problem(s) in {result.files} file(s); nothing was built.", err=True)
        raise SystemExit(1)
    return result


def _describe(result: CompileResult) -> str:
    assert result.bank is not None
    questions = result.bank.questions
    by_type = Counter(q.qtype for q in questions)
    cards = sum(len(q.card_keys) for q in questions)
    kinds = ", ".join(f"{name} {count}" for name, count in sorted(by_type.items()))
    return (f"{len(questions)} questions ({cards} cards) in {result.files} file(s), "
            f"{len(result.bank.packs)} pack(s): {kinds}")


@content_cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check_command(paths: tuple[str, ...]) -> None:
    """Validate Markdown files or folders; print every problem as path:line: message."""
    from quizapp.content.similarity import near_duplicates

    result = _compile_or_exit(paths)
    assert result.bank is not None
    duplicates = near_duplicates(result.bank.questions)
    for duplicate in duplicates:
        click.echo(duplicate.message(), err=True)
    click.echo(f"OK: {_describe(result)}")
    if duplicates:
        click.echo(f"{len(duplicates)} near-duplicate warning(s)", err=True)


@content_cli.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def build_command(paths: tuple[str, ...]) -> None:
    """Compile and write the bank in one transaction (nothing is written if any problem exists)."""
    from quizapp.content.store import write_bank
    from quizapp.packs.publishing import record_build_versions, site_build_problems

    result = _compile_or_exit(paths)
    assert result.bank is not None
    owned = site_build_problems(db.session, result.bank)
    for problem in owned:
        click.echo(problem, err=True)
    if owned:
        click.echo(f"{len(owned)} problem(s); nothing was built.", err=True)
        raise SystemExit(1)
    try:
        report = write_bank(db.session, result.bank)
        # Each changed site pack gets a version snapshot: answers given under the previous build are still
        # graded against what the learner was shown.
        record_build_versions(db.session, result.bank, report)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Built: {_describe(result)}")
    click.echo(f"Changes: {report.summary()}")


@content_cli.command("stats")
def stats_command() -> None:
    """Show what the database holds, per pack."""
    from quizapp.models import Card, Pack, Question

    packs = db.session.scalars(select(Pack).order_by(Pack.slug)).all()
    if not packs:
        click.echo("No packs yet: run `quizapp content build content/`.")
        return
    for pack in packs:
        rows = db.session.execute(
            select(Question.qtype, Question.retired_at.is_(None), func.count())
            .where(Question.pack_id == pack.id).group_by(Question.qtype, Question.retired_at.is_(None))
        ).all()
        live = Counter({qtype: n for qtype, active, n in rows if active})
        retired = sum(n for _qtype, active, n in rows if not active)
        cards = db.session.scalar(
            select(func.count()).select_from(Card).join(Question)
            .where(Question.pack_id == pack.id, Card.retired_at.is_(None))
        )
        click.echo(f"{pack.slug} ({pack.title}): {sum(live.values())} questions, {cards} cards, "
                   f"{retired} retired")
        for qtype, count in sorted(live.items()):
            click.echo(f"  {qtype:<10} {count}")
