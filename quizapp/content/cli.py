"""`quizapp content check|build|stats`. `check` is pure (no Flask, no database: it starts at once)."""
from __future__ import annotations

from collections import Counter

import click
from quizapp.cli import with_app
from quizapp.content.compiler import CompileResult, compile_paths

content_cli = click.Group("content", help="Check and build question packs from Markdown.")


LANGUAGE_OPTION = click.option(
    "--language", default=None, metavar="TAG",
    help="Print the compiler's messages in this language (en, zh-CN); by default each file's own `language:`.")


def _compile_or_exit(paths: tuple[str, ...], language: str | None = None) -> CompileResult:
    result = compile_paths(paths)
    for text in result.problem_texts(language):
        click.echo(text, err=True)
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
@click.option("--untranslated", is_flag=True,
              help="List every question without a translation (by default only their number per language).")
@LANGUAGE_OPTION
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def check_command(paths: tuple[str, ...], untranslated: bool = False, language: str | None = None) -> None:
    """Validate Markdown files or folders; print every problem as path:line: message."""
    from quizapp.content.similarity import near_duplicates

    result = _compile_or_exit(paths, language)
    assert result.bank is not None
    duplicates = near_duplicates(result.bank.questions)
    for duplicate in duplicates:
        click.echo(duplicate.message(result.problem_language(duplicate.second.source_path, language)), err=True)
    click.echo(f"OK: {_describe(result)}")
    _report_translations(result, untranslated, language)
    if duplicates:
        click.echo(f"{len(duplicates)} near-duplicate warning(s)", err=True)


def _report_translations(result: CompileResult, untranslated: bool, language: str | None = None) -> None:
    """Stale translations always (they need work); missing ones listed only when asked (a pack grows its
    translations topic by topic), counted always."""
    from quizapp.content.pack_titles import title_status
    from quizapp.content.translation import coverage, translation_warnings

    assert result.bank is not None
    for warning in translation_warnings(result.bank):
        if untranslated or " has no " not in warning.message:
            click.echo(warning.render(result.problem_language(warning.path, language)), err=True)
    for (pack, language), (total, translated, stale) in coverage(result.bank).items():
        hint = "" if untranslated or translated == total else " (--untranslated lists the others)"
        click.echo(f"{pack} {language}: {translated} of {total} questions translated, {stale} stale{hint}; "
                   f"pack title: {title_status(result.bank.packs[pack], language)}")


@content_cli.command("build")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@with_app
def build_command(paths: tuple[str, ...]) -> None:
    """Compile and write the bank in one transaction (nothing is written if any problem exists)."""
    from quizapp.content.store import write_bank
    from quizapp.extensions import db
    from quizapp.packs.publishing import record_build_versions, site_build_problems

    result = _compile_or_exit(paths)
    assert result.bank is not None
    owned = site_build_problems(db.session, result.bank)
    for problem in owned:
        click.echo(problem.render(result.problem_language(problem.path)), err=True)
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
@with_app
def stats_command() -> None:
    """Show what the database holds, per pack."""
    from sqlalchemy import func, select

    from quizapp.extensions import db
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


@content_cli.command("calibrate")
@click.option("--pack", "pack_slug", default=None, help="Only this pack.")
@click.option("--min-learners", default=10, show_default=True, help="Ignore questions fewer learners answered.")
@click.option("--all", "show_all", is_flag=True, help="List every question, not only the mislabelled ones.")
@with_app
def calibrate_command(pack_slug: str | None, min_learners: int, show_all: bool) -> None:
    """Questions whose learners' first answers disagree with their difficulty label (rubric: docs/authoring.md)."""
    from quizapp.content.calibration import calibration_rows, mislabelled
    from quizapp.extensions import db

    rows = calibration_rows(db.session, pack_slug, min_learners)
    shown = rows if show_all else mislabelled(rows)
    if not rows:
        click.echo(f"No question has answers from {min_learners} or more learners yet.")
        return
    click.echo(f"{'pack/question':<60} {'label':>5} {'seen':>5} {'missed':>7} {'as':>3}  verdict")
    for row in shown:
        label = "-" if row.labelled is None else str(row.labelled)
        click.echo(f"{row.pack + '/' + row.slug:<60} {label:>5} {row.learners:>5} {row.miss_rate:>7.0%} "
                   f"{row.observed:>3}  {row.verdict}")
    click.echo(f"{len(mislabelled(rows))} of {len(rows)} question(s) with {min_learners}+ learners disagree "
               "with their label.")
