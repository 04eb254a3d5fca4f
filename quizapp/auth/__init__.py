"""Accounts: sign up (confirmed by e-mail), log in, log out, the account page (study settings, API tokens), password change and
reset, log out everywhere, account deletion."""
from quizapp.auth import account_routes  # noqa: F401 - registers the account pages on the blueprint
from quizapp.auth import signup_routes  # noqa: F401 - registers sign-up and e-mail confirmation
from quizapp.auth.routes import bp

__all__ = ["bp"]
