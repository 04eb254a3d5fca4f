"""The stats page."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from quizapp.extensions import db
from quizapp.stats import charts, service

bp = Blueprint("stats", __name__)


@bp.get("/stats")
@login_required
def index():
    user = current_user._get_current_object()
    days = service.reviews_per_day(db.session, user, 30)
    per_day = charts.bar_chart(
        "Reviews per day (last 30 days)", [d.day.strftime("%d %b") for d in days],
        [charts.Series("right", [d.right for d in days], "s-right"),
         charts.Series("wrong", [d.wrong for d in days], "s-wrong")],
        x_label="Study day", y_label="Answers", label_every=7)
    topics = service.retention_by_topic(db.session, user)
    retention = charts.hbar_chart(
        "Retention per topic (right / total)", [t.topic for t in topics], [t.retention for t in topics],
        [f"{t.right}/{t.total}" for t in topics], x_label="Answers right") if topics else None
    forecast_days = service.due_forecast(db.session, user, 30)
    forecast = charts.bar_chart(
        "Due forecast (next 30 days)", ["today" if i == 0 else d.strftime("%d %b") for i, (d, _) in
                                        enumerate(forecast_days)],
        [charts.Series("due", [n for _, n in forecast_days], "s-due")],
        x_label="Study day", y_label="Cards due", label_every=7)
    histogram = service.retrievability_distribution(db.session, user, 10)
    recall = charts.bar_chart(
        "Retrievability of your cards now", [f"{i * 10}–{i * 10 + 10}%" for i in range(10)],
        [charts.Series("cards", histogram, "s-recall")],
        x_label="Probability of recall (FSRS)", y_label="Cards", label_every=2)
    return render_template("stats/index.html", summary=service.summary(db.session, user), per_day=per_day,
                           retention=retention, forecast=forecast, recall=recall)
