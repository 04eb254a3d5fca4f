"""The web application's factory: `create_app` builds the Flask app (imported lazily by `quizapp`, so that
`quizapp.sim` and `quizapp.content` load neither Flask nor SQLAlchemy)."""
from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from quizapp.config import config_from_env
from quizapp.extensions import csrf, db, limiter, login_manager, migrate
from quizapp.instance import instance_path


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. No side effects: no files written, no migrations, no content builds."""
    app = Flask("quizapp", instance_path=instance_path(), instance_relative_config=True)
    app.config.update(config_from_env(app.instance_path))
    app.config.update(
        SQLALCHEMY_ENGINE_OPTIONS={},  # no pool_pre_ping: quizapp/transactions.py checks connections without a round trip
        WTF_CSRF_TIME_LIMIT=None,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # Failed logins allowed before a 429 (see quizapp/auth/routes.py); a school's learners may share one
        # address behind NAT, hence the generous per-address figure.
        # LOGIN_LIMIT_PER_ACCOUNT counts per (account, address); LOGIN_SLOWDOWN_PER_ACCOUNT per account from
        # browsers that never logged in to it (quizapp/auth/throttle.py): no lock-out of the owner.
        LOGIN_LIMIT_PER_ACCOUNT="10 per 15 minutes",
        LOGIN_SLOWDOWN_PER_ACCOUNT="20 per 15 minutes",
        LOGIN_LIMIT_PER_ADDRESS="50 per 5 minutes",
        SIGNUP_LIMIT_PER_ADDRESS="30 per hour",  # sign-ups per address (each sends an e-mail)
        SIGNUP_LIMIT_PER_EMAIL="5 per hour",  # sign-ups naming one e-mail address: nobody's mailbox is flooded
        RESEND_LIMIT_PER_ADDRESS="10 per hour",  # "send the confirmation link again"
        RESEND_LIMIT_PER_EMAIL="3 per hour",
        INVITE_LIMIT_PER_USER="30 per hour",  # pack-owner invitations an instructor sends (each is an e-mail)
        IMPORT_LIMIT_PER_USER="20 per hour",  # progress imports checked (each replays up to 20,000 answers)
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,  # Redis down: log and let the request through, never a 500
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
    )
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set and the instance folder has no secret_key file: "
            "set SECRET_KEY or start through `quizapp` / wsgi.py, which create it."
        )

    from quizapp.inputs import init_inputs

    init_inputs(app)  # before the blueprints: bounded <int:...> converters, input checks on every request
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    init_web(app)
    return app


def init_web(app: Flask) -> None:
    """Production hardening: security headers and cookies, versioned static files, error pages."""
    from quizapp.assets import init_assets
    from quizapp.errors import register_error_handlers
    from quizapp.security import init_security

    from quizapp.i18n import init_i18n

    init_security(app)
    init_i18n(app)
    init_assets(app)
    from quizapp.site_links import init_site_links

    init_site_links(app)
    register_error_handlers(app)


def register_extensions(app: Flask) -> None:
    from quizapp import models  # noqa: F401  (models must be known to Alembic and the ORM)

    from quizapp.transactions import init_transactions

    db.init_app(app)
    init_transactions(app, db)  # before any other request hook
    migrate.init_app(app, db, render_as_batch=True, directory=_migrations_dir())
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Flask-Login flashes it when a page needs a log-in: in the request's language (it is English otherwise)
    login_manager.login_message = _l("Log in to study on your own schedule.")
    login_manager.localize_callback = str
    login_manager.login_message_category = "info"
    login_manager.user_loader(_load_user)
    limiter.init_app(app)
    skip_idle_limit_hook(app)


def skip_idle_limit_hook(app: Flask) -> None:
    """Flask-Limiter checks every request in a before_request hook, for limits that apply app-wide, by default or
    per blueprint. quizapp has none: each limit is a decorator on its view, which checks it when called. The hook
    then finds nothing on every request (~0.09 ms, 2-3 % of a study page's CPU), so it is dropped while none of
    those limits exists; a limiter that keeps them where this code does not look keeps its hook."""
    missing = object()
    found = [limiter.limit_manager.application_limits, limiter.limit_manager.default_limits,
             getattr(limiter.limit_manager, "_blueprint_limits", missing),
             getattr(limiter, "_in_memory_fallback", missing), getattr(limiter, "_meta_limits", missing)]
    if any(kind is missing or kind for kind in found):
        return
    hooks = app.before_request_funcs.get(None, [])
    if limiter._check_request_limit in hooks:
        hooks.remove(limiter._check_request_limit)


def _load_user(token: str):
    from quizapp.auth import sessions

    return sessions.load(db.session, token)


def register_blueprints(app: Flask) -> None:
    from quizapp.api import bp as api_bp
    from quizapp.auth import bp as auth_bp
    from quizapp.classes import bp as classes_bp
    from quizapp.export import bp as export_bp
    from quizapp.health import bp as health_bp
    from quizapp.lab.routes import bp as lab_bp
    from quizapp.packs import bp as packs_bp
    from quizapp.stats import bp as stats_bp
    from quizapp.study import bp as study_bp
    from quizapp.study.scheduler import zone

    app.register_blueprint(study_bp)
    from quizapp.browse import bp as browse_bp

    app.register_blueprint(browse_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(export_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(packs_bp)
    app.register_blueprint(classes_bp)
    app.register_blueprint(lab_bp)
    csrf.exempt(api_bp)  # token auth, no cookies: nothing for a cross-site form to ride on

    @app.template_filter("localtime")
    def localtime(moment, user) -> str:
        """A UTC time in the learner's zone and language, e.g. `Tue, Nov 24 14:05`."""
        from flask_babel import get_locale

        local = moment.astimezone(zone(getattr(user, "timezone", "UTC")))
        return f"{month_day(local.date(), str(get_locale() or 'en'))} {local:%H:%M}"


@lru_cache(maxsize=4096)
def month_day(day: date, locale: str) -> str:
    """`Tue, Nov 24` / `11月24日周二`: the day's part of `localtime`, formatted once per day and language (Babel's
    skeleton formatting costs ~0.5 ms a call; a class page shows a thousand of these)."""
    from babel.dates import format_skeleton

    return format_skeleton("MMMEd", day, locale=locale)


def register_commands(app: Flask) -> None:
    from quizapp.auth.cli import user_cli
    from quizapp.commands.sim import sim_cli
    from quizapp.content.cli import content_cli
    from quizapp.exchange.cli import pack_cli
    from quizapp.serve import serve_command

    app.cli.add_command(content_cli)
    app.cli.add_command(sim_cli)
    app.cli.add_command(pack_cli)
    app.cli.add_command(serve_command)
    app.cli.add_command(user_cli)


def _migrations_dir() -> str:
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")
