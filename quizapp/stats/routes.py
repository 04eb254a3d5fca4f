"""The stats page."""
from __future__ import annotations

from babel.dates import format_skeleton
from flask import Blueprint, render_template
from flask_babel import get_locale, gettext as _
from flask_login import current_user, login_required

from quizapp.extensions import db
from quizapp.i18n import current_language
from quizapp.stats import charts, service

bp = Blueprint("stats", __name__)


@bp.get("/stats")
@login_required
def index():
    user = current_user._get_current_object()
    locale = get_locale() or "en"

    def day(moment) -> str:
        return format_skeleton("MMMd", moment, locale=locale)  # 24 Nov / 11月24日

    days = service.reviews_per_day(db.session, user, 30)
    per_day = charts.bar_chart(
        _("Reviews per day (last 30 days)"), [day(d.day) for d in days],
        [charts.Series(_("right"), [d.right for d in days], "s-right"),
         charts.Series(_("wrong"), [d.wrong for d in days], "s-wrong")],
        x_label=_("Study day"), y_label=_("Answers"), label_every=7)
    topics = service.retention_by_topic(db.session, user, current_language())
    retention = charts.hbar_chart(
        _("Retention per topic (right / total)"), [t.topic for t in topics], [t.retention for t in topics],
        [f"{t.right}/{t.total}" for t in topics], x_label=_("Answers right")) if topics else None
    forecast_days = service.due_forecast(db.session, user, 30)
    forecast = charts.bar_chart(
        _("Due forecast (next 30 days)"), [_("today") if i == 0 else day(d) for i, (d, _count) in
                                           enumerate(forecast_days)],
        [charts.Series(_("due"), [n for _day, n in forecast_days], "s-due")],
        x_label=_("Study day"), y_label=_("Cards due"), label_every=7)
    histogram = service.retrievability_distribution(db.session, user, 10)
    recall = charts.bar_chart(
        _("Retrievability of your cards now"), [f"{i * 10}–{i * 10 + 10}%" for i in range(10)],
        [charts.Series(_("cards"), histogram, "s-recall")],
        x_label=_("Probability of recall (FSRS)"), y_label=_("Cards"), label_every=2)
    return render_template("stats/index.html", summary=service.summary(db.session, user), per_day=per_day,
                           retention=retention, forecast=forecast, recall=recall)
