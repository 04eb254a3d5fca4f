"""The `quizapp` console script: Flask's CLI on quizapp's app (run, db, content, sim, ...), started lazily.

Starting must be instant: the group knows every command's name and one-line help without importing it, so
`quizapp --help` builds no app; `sim` and `content check` need neither Flask nor the database and never import
them. Every other command is looked up in Flask's own CLI group (`FlaskGroup`) on the app, built on first use.
"""
from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any, Callable

import click

if TYPE_CHECKING:
    from flask import Flask

# Every command with its one-line help, listed by `quizapp --help` without importing Flask
# (tests/test_cli.py checks the list against the app's real commands).
COMMANDS: dict[str, str] = {
    "content": "Check and build question packs from Markdown.",
    "db": "Perform database migrations.",
    "limiter": "Flask-Limiter maintenance & utility commands.",
    "pack": "Export packs to Anki, Moodle and Canvas; import GIFT and text2qti quizzes.",
    "routes": "Show the routes for the app.",
    "run": "Run a development server.",
    "serve": "Serve quizapp with gunicorn (the production server).",
    "shell": "Run a shell in the app context.",
    "sim": "Trace traffic through Docker and Kubernetes scenarios (the simulator that computes answer keys).",
    "user": "Manage accounts: roles.",
}
# Commands that are plain click groups importable without Flask (their app-bound subcommands use `with_app`).
LIGHT_COMMANDS: dict[str, tuple[str, str]] = {
    "sim": ("quizapp.commands.sim", "sim_cli"),
    "content": ("quizapp.content.cli", "content_cli"),
}


def create_prepared_app() -> Flask:
    """Entry points (CLI, wsgi.py) prepare the instance folder and its secret key, then build the app."""
    from quizapp import create_app
    from quizapp.instance import instance_path, prepare_instance

    prepare_instance(instance_path())
    return create_app()


def _script_info(ctx: click.Context) -> Any:
    """Flask's ScriptInfo for this invocation: the one a caller supplied (tests), else one for our app."""
    from flask.cli import ScriptInfo

    info = ctx.find_object(ScriptInfo)
    if info is None:
        info = ScriptInfo(create_app=create_prepared_app, set_debug_flag=False)
        ctx.find_root().obj = info
    return info


def with_app(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run a command of a light group inside the app's context (Flask's `with_appcontext`, built lazily)."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from flask import has_app_context

        if has_app_context():
            return command(*args, **kwargs)
        app = _script_info(click.get_current_context()).load_app()
        with app.app_context():
            return command(*args, **kwargs)

    return wrapper


def _set_debug(ctx: click.Context, _param: click.Parameter, value: bool | None) -> None:
    if value is not None:  # read by Flask when the app is built, as FlaskGroup's own --debug does
        os.environ["FLASK_DEBUG"] = "1" if value else "0"


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        from flask.cli import get_version

        get_version(ctx, _param, value)


class QuizappGroup(click.Group):
    """Lists commands from `COMMANDS`; imports a light command's module, or Flask's CLI, only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LIGHT_COMMANDS:
            module_name, attribute = LIGHT_COMMANDS[name]
            module = __import__(module_name, fromlist=[attribute])
            return getattr(module, attribute)
        from flask.cli import FlaskGroup

        os.environ["FLASK_RUN_FROM_CLI"] = "true"  # as FlaskGroup.make_context sets it
        _script_info(ctx)
        return FlaskGroup(create_app=create_prepared_app, set_debug_flag=False).get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, click.Command(name, help=text).get_short_help_str(limit)) for name, text in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))


cli = QuizappGroup(
    help="quizapp: study container networking.",
    params=[
        click.Option(["--debug/--no-debug"], default=None, expose_value=False, is_eager=True, callback=_set_debug,
                     help="Set debug mode."),
        click.Option(["--version"], is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
                     help="Show the Flask version."),
    ],
)


def main() -> None:
    cli.main(prog_name="quizapp")
