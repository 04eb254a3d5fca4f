"""Accounts: sign up, log in, log out, the account page (study settings, API tokens)."""
from quizapp.auth.routes import bp

__all__ = ["bp"]
