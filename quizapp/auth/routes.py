"""Log in, log out and the account page (sign-up: signup_routes.py)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from quizapp.auth import service, sessions, throttle
from quizapp.auth.forms import LoginForm, PostForm, ResendForm, SettingsForm, TokenForm
from quizapp.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site (no scheme, no host, no `//evil`)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("study.index")


UNCONFIRMED = 403  # the right password for an account whose e-mail is not confirmed yet


def _login_failed(response: Response) -> bool:
    """Only failed attempts count against the limits: a successful login redirects, and the right password of
    an unconfirmed account (403) is not a guess."""
    return response.status_code not in (302, UNCONFIRMED)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
               methods=["POST"], deduct_when=_login_failed, scope="login-address")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=throttle.account_address_key,
               methods=["POST"], deduct_when=_login_failed, scope="login-account-address")
@limiter.limit(lambda: current_app.config["LOGIN_SLOWDOWN_PER_ACCOUNT"], key_func=throttle.account_key,
               methods=["POST"], deduct_when=_login_failed, exempt_when=throttle.known_device,
               scope="login-account")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("study.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("wrong email or password"))
        elif user.email_verified_at is None:  # only said to someone who knows the password
            return render_template("auth/login.html", form=form,
                                   resend_form=ResendForm(email=user.email, formdata=None)), UNCONFIRMED
        else:
            session.pop("csrf_token", None)  # a new CSRF token for the new session (Flask-WTF makes one)
            sessions.start(db.session, user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            response = redirect(_safe_next(request.args.get("next")))
            throttle.remember_device(response, user.email)
            return response
    return render_template("auth/login.html", form=form), 400 if form.errors else 200


@bp.post("/logout")
def logout():
    form = PostForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:  # the session ends on the server: a copy of the cookie stops working too
        sessions.end(db.session, current_user.login_token)
        db.session.commit()
    logout_user()
    session.pop("csrf_token", None)  # the next visitor of this browser gets a new CSRF token
    flash(_("You are logged out."), "info")
    return redirect(url_for("study.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    user = current_user._get_current_object()
    settings = SettingsForm(obj=user)
    if settings.validate_on_submit():
        settings.populate_obj(user)
        db.session.commit()
        flash(_("Settings saved."), "info")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", settings=settings, token_form=TokenForm(formdata=None),
                           post_form=PostForm(), tokens=service.list_tokens(db.session, user), new_token=None)


@bp.post("/account/tokens")
@login_required
def create_token():
    user = current_user._get_current_object()
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        _row, new_token = service.create_token(db.session, user, form.name.data)
        db.session.commit()
    return render_template("auth/account.html", settings=SettingsForm(obj=user, formdata=None), token_form=form,
                           post_form=PostForm(), tokens=service.list_tokens(db.session, user),
                           new_token=new_token), 200 if new_token else 400


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    if not PostForm().validate_on_submit():
        abort(400)
    if not service.revoke_token(db.session, current_user._get_current_object(), token_id):
        abort(404)
    db.session.commit()
    flash(_("Token revoked."), "info")
    return redirect(url_for("auth.account"))
