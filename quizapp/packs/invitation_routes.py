"""Owner invitations: the add-owner form sends one (the same answer for every address), the link accepts it."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from quizapp.auth.forms import PostForm
from quizapp.auth.service import find_user_by_email
from quizapp.extensions import db, limiter
from quizapp.i18n import language_of, speaking
from quizapp.mail import send_mail
from quizapp.packs import invitations
from quizapp.packs.forms import OwnerForm
from quizapp.packs.routes import _own_pack, bp, instructor_required, me
from quizapp.i18n.pack_titles import pack_title


def _inviter_key() -> str:
    return f"user:{current_user.get_id() and me().id}"


@bp.post("/packs/<slug>/owners")
@instructor_required
@limiter.limit(lambda: current_app.config["INVITE_LIMIT_PER_USER"], key_func=_inviter_key, scope="owner-invite")
def add_owner(slug: str):
    row = _own_pack(slug)
    form = OwnerForm()
    if not form.validate_on_submit():
        for error in form.email.errors:
            flash(_("Owner not added: %(error)s", error=error), "error")
        return redirect(url_for("packs.pack", slug=slug))
    email = form.email.data.strip()
    token = invitations.invitation_token(current_app.secret_key, row, email, me())
    link = url_for("packs.invitation", token=token, _external=True)
    # The same words for every address, in the language its account saved (else the inviter's).
    with speaking(language_of(find_user_by_email(db.session, email))):
        subject, body = invitations.invitation_mail(row, me(), link)
    send_mail(current_app.config, email, subject, body)
    # The same words for every address: whether it has an account, and which role, is not the sender's business.
    flash(_("We sent an invitation to %(email)s. Whoever opens it, logged in to an instructor account using that "
            "address, becomes an owner of %(title)s (the link is valid for 7 days).", email=email, title=row.title),
          "info")
    return redirect(url_for("packs.pack", slug=slug))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@login_required
def invitation(token: str):
    found, problem = invitations.read(db.session, current_app.secret_key, token)
    refusal = problem or invitations.refusal(found, me())
    if refusal:
        return render_template("packs/invitation.html", invitation=found, problem=refusal, form=None), 403
    form = PostForm()
    if form.validate_on_submit():
        invitations.accept(db.session, found, me())
        db.session.commit()
        flash(_("You now own %(title)s too.", title=pack_title(found.pack)), "info")
        return redirect(url_for("packs.pack", slug=found.pack.slug))
    if form.is_submitted():
        abort(400)
    return render_template("packs/invitation.html", invitation=found, problem=None, form=form)
