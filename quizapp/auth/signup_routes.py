"""Sign-up pages: the form, "check your e-mail", the confirmation link and "send the link again". Whatever the
address, a valid form gets the same answer; what happened is said in the e-mail (quizapp/auth/verification.py).
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from quizapp.auth import service, verification
from quizapp.auth.forms import ResendForm, SignupForm
from quizapp.auth.routes import bp
from quizapp.extensions import db, limiter
from quizapp.i18n import language_of, speaking
from quizapp.mail import send_mail


def _email_key() -> str:
    return "email:" + service.normalize_email(request.form.get("email", ""))[:254]


def _no_email() -> bool:
    return not request.form.get("email", "").strip()  # nothing will be mailed: no per-address count


def _send_link(user) -> None:
    link = url_for("auth.verify_email", token=verification.verify_token(current_app.secret_key, user), _external=True)
    with speaking(language_of(user)):  # a new account has none saved: the request's
        subject, body = verification.verify_mail(user, link)
    send_mail(current_app.config, user.email, subject, body)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["SIGNUP_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
               methods=["POST"], scope="signup-address")
@limiter.limit(lambda: current_app.config["SIGNUP_LIMIT_PER_EMAIL"], key_func=_email_key, methods=["POST"],
               exempt_when=_no_email, scope="signup-email")
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("study.index"))
    form = SignupForm()
    if form.validate_on_submit():
        try:
            outcome = verification.register(db.session, form.email.data, form.display_name.data or "",
                                            form.password.data, timezone=form.timezone.data or "UTC")
        except service.AccountError as error:  # only an unusable address, or two sign-ups racing for a new one
            db.session.rollback()
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            if outcome.new_link:
                _send_link(outcome.user)
            else:
                with speaking(language_of(outcome.user)):  # the address's owner, in their saved language
                    subject, body = verification.taken_mail(outcome.user, url_for("auth.login", _external=True),
                                                            url_for("auth.forgot_password", _external=True))
                send_mail(current_app.config, outcome.user.email, subject, body)
            return redirect(url_for("auth.signup_sent"))
    return render_template("auth/signup.html", form=form), 400 if form.errors else 200


@bp.get("/signup/sent")
def signup_sent():
    """The one answer to every accepted sign-up (and to "send the link again")."""
    return render_template("auth/signup_sent.html")


@bp.get("/signup/confirm/<token>")
def verify_email(token: str):
    user, problem = verification.confirm(db.session, current_app.secret_key, token)
    if user is None:
        return render_template("auth/confirm_failed.html", problem=problem), 400
    db.session.commit()
    flash(_("Your e-mail address is confirmed. Log in with the password you chose."), "info")
    return redirect(url_for("auth.login"))


@bp.post("/signup/resend")
@limiter.limit(lambda: current_app.config["RESEND_LIMIT_PER_ADDRESS"], key_func=get_remote_address,
               scope="resend-address")
@limiter.limit(lambda: current_app.config["RESEND_LIMIT_PER_EMAIL"], key_func=_email_key,
               exempt_when=_no_email, scope="resend-email")
def resend_verification():
    form = ResendForm()
    if form.validate_on_submit():
        user = service.find_user_by_email(db.session, form.email.data)
        if user is not None and user.email_verified_at is None:
            _send_link(user)
    # The same answer for every address: this form does not tell who has an account either.
    flash(_("If an unconfirmed account uses that address, we sent it a new confirmation link."), "info")
    return redirect(url_for("auth.signup_sent"))
