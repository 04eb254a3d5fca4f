"""Account pages: change the password, reset it by e-mail, log out everywhere, delete the account."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, logout_user

from quizapp.auth import account, service, sessions
from quizapp.auth.account_forms import ChangePasswordForm, DeleteAccountForm, ForgotPasswordForm, ResetPasswordForm
from quizapp.auth.forms import PostForm
from quizapp.auth.routes import bp
from quizapp.extensions import db
from quizapp.i18n import language_of, speaking
from quizapp.mail import send_mail


def _user():
    return current_user._get_current_object()


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    form.email_for_check = _user().email
    if form.validate_on_submit():
        if account.change_password(db.session, _user(), form.current.data, form.password.data):
            db.session.commit()
            flash(_("Password changed. Your other sign-ins were logged out."), "info")
            return redirect(url_for("auth.account"))
        form.current.errors.append(_("that is not your current password"))
    return render_template("auth/password.html", form=form), 400 if form.errors else 200


@bp.post("/account/logout-everywhere")
@login_required
def logout_everywhere():
    if not PostForm().validate_on_submit():
        abort(400)
    ended = sessions.end_all(db.session, _user())
    db.session.commit()
    logout_user()
    flash(ngettext("Logged out everywhere (%(num)d sign-in ended). Log in again here.",
                   "Logged out everywhere (%(num)d sign-ins ended). Log in again here.", ended), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_user_by_email(db.session, form.email.data)
        if user is not None:
            link = url_for("auth.reset_password", token=account.reset_token(current_app.secret_key, user),
                           _external=True)
            # In the language the account saved, else the one of the request that asked for it.
            with speaking(language_of(user)):
                send_mail(current_app.config, user.email, _("Reset your quizapp password"),
                          _("Hello %(name)s,\n\nto choose a new password, open this link within an hour:\n\n"
                            "%(link)s\n\nIf you did not ask for it, ignore this message: your password stays as "
                            "it is.\n", name=user.display_name, link=link))
        # The same answer whether or not the address has an account: the form does not reveal who signed up.
        flash(_("If an account uses that address, we sent it a link to choose a new password (valid for an hour)."),
              "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    user, problem = account.user_for_reset(db.session, current_app.secret_key, token)
    if user is None:
        return render_template("auth/reset.html", form=None, problem=problem), 400
    form = ResetPasswordForm()
    form.email_for_check = user.email
    if form.validate_on_submit():
        account.reset_password(db.session, user, form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Password changed and every sign-in ended. Log in with the new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, problem=None), 400 if form.errors else 200


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if account.delete_account(db.session, _user(), form.password.data):
            db.session.commit()
            logout_user()
            flash(_("Your account and all your answers are deleted."), "info")
            return redirect(url_for("study.index"))
        form.password.errors.append(_("that is not your password"))
    return render_template("auth/delete.html", form=form), 400 if form.errors else 200
