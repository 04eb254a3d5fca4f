"""`quizapp pack export|import`: exchange formats on the command line."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from quizapp.content.compiler import compile_sources
from quizapp.content.parser import SLUG
from quizapp.exchange import EXPORTERS, IMPORTERS, export_pack, import_quiz, read_import_file
from quizapp.extensions import db
from quizapp.models import Pack, Question

pack_cli = AppGroup("pack", help="Export packs to Anki, Moodle and Canvas; import GIFT, text2qti, Moodle XML "
                                    "and Anki packages.")


def live_questions(session: Session, pack: Pack) -> list[Question]:
    """The questions an export holds: live (not retired), in the pack's order, topics loaded in one query."""
    return list(session.scalars(
        select(Question).where(Question.pack_id == pack.id, Question.retired_at.is_(None))
        .order_by(Question.position, Question.id).options(selectinload(Question.topic))
    ))


@pack_cli.command("export")
@click.option("--format", "fmt", type=click.Choice(list(EXPORTERS)), required=True,
              help="apkg (Anki), gift or moodle-xml (Moodle), qti (Canvas QTI 1.2 zip).")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File to write (default: PACK.<ext>).")
@click.option("--language", help="Export the questions translated to this language (e.g. zh-CN) where they are; "
                                 "default: the pack's own language.")
@click.argument("pack_id")
def export_command(fmt: str, output: str | None, pack_id: str, language: str | None = None) -> None:
    """Export the live questions of pack PACK_ID, in their order."""
    pack = db.session.scalar(select(Pack).where(Pack.slug == pack_id))
    if pack is None:
        known = db.session.scalars(select(Pack.slug).order_by(Pack.slug)).all()
        hint = f"known packs: {', '.join(known)}" if known else "the database has no packs; run `quizapp content build`"
        raise click.ClickException(f"no pack {pack_id!r}; {hint}")
    from quizapp.study.localized import localized_pack, localized_questions, pack_languages

    if language and language != pack.language and language not in pack_languages(db.session, pack.id):
        raise click.ClickException(f"pack {pack_id!r} has no {language} translation; translated to: "
                                   f"{', '.join(pack_languages(db.session, pack.id)) or 'none'}")
    result = export_pack(localized_pack(db.session, pack, language),
                         localized_questions(db.session, live_questions(db.session, pack), language), fmt)
    target = Path(output or result.filename)
    result.write(str(target))
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"Wrote {result.count} {'notes' if fmt == 'apkg' else 'questions'} of pack {pack_id!r} to {target} "
               f"({fmt}); {len(result.notes)} note(s) on what the format cannot carry.")


@pack_cli.command("import")
@click.option("--format", "fmt", type=click.Choice(list(IMPORTERS)), required=True,
              help="gift, text2qti, moodle-xml (Moodle XML) or apkg (an Anki .apkg/.colpkg).")
@click.option("--pack-id", required=True, help="Id of the pack to write (lowercase letters, digits, dashes).")
@click.option("--pack-title", help="Title of the pack (default: from the file, when it has one).")
@click.option("--output", "-o", type=click.Path(file_okay=False), help="Folder for the Markdown (default: PACK-ID).")
@click.option("--force", is_flag=True, help="Overwrite Markdown files that already exist in the folder.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(fmt: str, pack_id: str, pack_title: str | None, output: str | None, force: bool,
                   file: str) -> None:
    """Convert a quiz FILE (GIFT, text2qti, Moodle XML, Anki) to quizapp Markdown; report what could not be
    carried over."""
    if not SLUG.match(pack_id):
        raise click.BadParameter("use lowercase letters, digits and single dashes, e.g. `ports-quiz`",
                                 param_hint="--pack-id")
    try:
        data = read_import_file(Path(file).read_bytes(), fmt, file)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    result = import_quiz(data, fmt, pack_id, pack_title)
    if not result.files:
        for note in result.notes:
            click.echo(f"{file}:{note.line}: {note.message}" if note.line else f"{file}: {note.message}", err=True)
        raise click.ClickException(f"no question of {file} could be imported; nothing was written")
    folder = Path(output or pack_id)
    clashes = [name for name in result.files if (folder / name).exists()]
    if clashes and not force:
        raise click.ClickException(f"{', '.join(str(folder / n) for n in clashes)} already exist(s); "
                                   "use --force to overwrite or --output for another folder")
    compiled = compile_sources([(str(folder / name), body.encode()) for name, body in result.files.items()])
    written = result.write(folder)
    for note in result.notes:
        click.echo(f"{file}:{note.line}: {note.message}" if note.line else f"{file}: {note.message}", err=True)
    for problem in compiled.problems:  # should not happen: the importer writes valid Markdown
        click.echo(f"{problem}", err=True)
    click.echo(f"Wrote {result.questions} question(s) to {', '.join(str(p) for p in written)}; "
               f"{len(result.notes)} thing(s) not carried over (listed above). "
               f"Check with `quizapp content check {folder}`.")
    if compiled.problems:
        raise SystemExit(1)


@pack_cli.command("publish")
@click.option("--owner", required=True, help="Email of the instructor who owns (or will own) the pack.")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def publish_command(owner: str, paths: tuple[str, ...]) -> None:
    """Compile DIR (Markdown and scenario files) and publish it as the pack's next version, in one transaction;
    every problem is printed as path:line: message and nothing is published."""
    from quizapp.auth.service import find_user_by_email
    from quizapp.content.compiler import compile_paths
    from quizapp.i18n import speaking
    from quizapp.packs.publishing import PublishError, publish_spec, validate

    user = find_user_by_email(db.session, owner)
    if user is None or user.role not in ("instructor", "admin"):
        raise click.ClickException(f"{owner} is not an instructor's account; an admin runs "
                                   f"`quizapp user promote {owner} --role instructor`")
    result = compile_paths(paths)
    # Ownership refusals in the pack's language, as the compiler's problems are in their file's (docs/i18n.md).
    language = next((spec.language for spec in result.bank.packs.values()), None) if result.bank else None
    with speaking(language):
        validation = validate(db.session, user, result)
    for problem in validation.problems:
        click.echo(problem, err=True)
    if not validation.ok or validation.pack is None:
        click.echo(f"{len(validation.problems)} problem(s) in {result.files} file(s); nothing was published.",
                   err=True)
        raise SystemExit(1)
    try:
        with speaking(language):
            version = publish_spec(db.session, user, validation.pack, source="cli")
        db.session.commit()
    except PublishError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(problem, err=True)
        raise SystemExit(1) from None
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Published {version.title} ({validation.pack.slug}) version {version.number}: "
               f"{len(version.added)} added, {len(version.edited)} edited, {len(version.retired)} retired, "
               f"{len(version.restored)} restored.")
