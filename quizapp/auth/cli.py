"""`quizapp user promote EMAIL --role instructor`: make instructors (sign-up only ever creates learners)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from quizapp.auth.service import find_user_by_email
from quizapp.extensions import db
from quizapp.models import ROLES

user_cli = AppGroup("user", help="Manage accounts: roles.")


@user_cli.command("promote")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="instructor", show_default=True,
              help="The account's new role (learner demotes).")
def promote_command(email: str, role: str) -> None:
    """Give the account with EMAIL a role: instructor (creates packs and classes), admin, or learner."""
    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"no account with the email {email!r}; the person signs up first")
    before = user.role
    user.role = role
    db.session.commit()
    click.echo(f"{user.email}: {before} -> {role}" if before != role else f"{user.email} is already {role}")
