"""Card browser pages: the list (search + filters), one card (history and actions), the reset confirmation."""
from __future__ import annotations

from flask_babel import gettext as _
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from quizapp.browse import service
from quizapp.extensions import db
from quizapp.i18n import current_language
from quizapp.study.localized import localize

bp = Blueprint("browse", __name__)


def learner():
    return current_user._get_current_object()


@bp.get("/browse")
@login_required
def index():
    filters = service.Filters.from_args(request.args)
    language = current_language()
    rows, total = service.browse(db.session, learner(), filters, language=language)
    db.session.commit()  # the search index refresh, if a pack changed
    return render_template("browse/index.html", rows=rows, total=total, filters=filters, page_size=service.PAGE,
                           choices=service.choices(db.session, learner(), language), states=service.STATES,
                           dues=service.DUE)


@bp.get("/browse/cards/<int:card_id>")
@login_required
def card(card_id: int):
    found = service.card_detail(db.session, learner(), card_id) or abort(404)
    card, state, mark, history = found
    from quizapp.models import utcnow
    return render_template("browse/card.html", card=card, question=localize(db.session, card.question,
                                                                          current_language()),
                           state=state, mark=mark, history=history, now=utcnow())


def _owned_card(card_id: int) -> None:
    service.card_detail(db.session, learner(), card_id) or abort(404)


@bp.post("/browse/cards/<int:card_id>/flag")
@login_required
def flag(card_id: int):
    _owned_card(card_id)
    flagged = service.toggle_flag(db.session, learner(), card_id)
    db.session.commit()
    flash(_("Card flagged.") if flagged else _("Flag removed."), "info")
    return redirect(url_for("browse.card", card_id=card_id))


@bp.post("/browse/cards/<int:card_id>/suspend")
@login_required
def suspend(card_id: int):
    _owned_card(card_id)
    suspended = request.form.get("suspended") == "1"
    service.set_suspended(db.session, learner(), card_id, suspended)
    db.session.commit()
    flash(_("Card suspended: it is not shown until you unsuspend it.") if suspended else _("Card unsuspended."), "info")
    return redirect(url_for("browse.card", card_id=card_id))


@bp.post("/browse/cards/<int:card_id>/bury")
@login_required
def bury(card_id: int):
    _owned_card(card_id)
    if request.form.get("buried") == "0":
        service.unbury(db.session, learner(), card_id)
        flash(_("Card unburied."), "info")
    else:
        service.bury(db.session, learner(), card_id)
        flash(_("Card buried until your next study day."), "info")
    db.session.commit()
    return redirect(url_for("browse.card", card_id=card_id))


@bp.get("/browse/cards/<int:card_id>/reset")
@login_required
def confirm_reset(card_id: int):
    found = service.card_detail(db.session, learner(), card_id) or abort(404)
    return render_template("browse/reset.html", card=found[0], state=found[1], answers=len(found[3]),
                           question=localize(db.session, found[0].question, current_language()))
