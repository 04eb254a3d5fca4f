"""The `quizapp` console script: Flask's CLI on quizapp's app (run, db, content, sim, ...)."""
from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup


def create_prepared_app() -> Flask:
    """Entry points (CLI, wsgi.py) prepare the instance folder and its secret key, then build the app."""
    from quizapp import create_app
    from quizapp.instance import instance_path, prepare_instance

    prepare_instance(instance_path())
    return create_app()


cli = FlaskGroup(create_app=create_prepared_app, help="quizapp: study container networking.")


def main() -> None:
    cli.main(prog_name="quizapp")
