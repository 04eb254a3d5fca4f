"""WSGI entry point: `gunicorn wsgi:app`."""
from quizapp.cli import create_prepared_app

app = create_prepared_app()
