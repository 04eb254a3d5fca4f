"""Stats: the numbers behind the charts, the SVG charts themselves, and mastery per concept."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from quizapp.checking import check_answer
from quizapp.concepts import CONCEPTS, GROUPS
from quizapp.models import Card, Question
from quizapp.stats import charts, service
from quizapp.study import reviews
from quizapp.study import scheduler as sched
from tests.conftest import response_for

NOW = datetime(2025, 5, 10, 12, 0, tzinfo=timezone.utc)


def answer(db, user, slug, right, at, key="main"):
    card = db.session.scalar(select(Card).join(Question).where(Question.slug == slug, Card.card_key == key))
    response = response_for(card, right)
    result = check_answer(card.question.qtype, card.question.data, card.card_key, response)
    reviews.record_answer(db.session, user, card, response, result, 15000, 1,
                          sched.make_scheduler(fuzz=False), now=at)
    db.session.commit()


def test_reviews_per_day_and_retention_per_topic(db, bank, make_user):
    user = make_user(timezone="UTC", rollover_hour=4)
    answer(db, user, "default-service-type", True, NOW - timedelta(days=2))
    answer(db, user, "nodeport-also-gets", False, NOW - timedelta(days=2))
    answer(db, user, "default-service-type", True, NOW - timedelta(hours=1))
    answer(db, user, "what-is-pod-ip", True, NOW - timedelta(hours=1), key="front")
    answer(db, user, "nodeport-also-gets", True, NOW.replace(hour=3))  # before the 04:00 rollover: yesterday
    days = service.reviews_per_day(db.session, user, 30, NOW)
    assert len(days) == 30 and days[-1].day == NOW.date()
    assert (days[-1].right, days[-1].wrong) == (2, 0)
    assert (days[-2].right, days[-2].wrong) == (1, 0)
    assert (days[-3].right, days[-3].wrong) == (1, 1)
    topics = {t.topic: (t.right, t.total) for t in service.retention_by_topic(db.session, user)}
    assert topics == {"Ports": (3, 4), "Pods": (1, 1)}


def test_due_forecast_and_retrievability(db, bank, make_user):
    user = make_user(timezone="UTC", rollover_hour=0)
    answer(db, user, "default-service-type", True, NOW)
    answer(db, user, "nodeport-also-gets", False, NOW)
    forecast = service.due_forecast(db.session, user, 30, NOW)
    assert len(forecast) == 30 and sum(n for _, n in forecast) == 2
    assert forecast[0][1] == 2  # learning steps: both due again today
    histogram = service.retrievability_distribution(db.session, user, 10, NOW + timedelta(minutes=1))
    assert sum(histogram) == 2 and histogram[-1] >= 1


def test_concept_mastery_uses_the_vocabulary(db, bank, make_user):
    user = make_user()
    answer(db, user, "default-service-type", True, NOW)
    mastery = service.concept_mastery(db.session, user, NOW + timedelta(seconds=30))
    assert list(mastery) == list(GROUPS)
    flat = {m.concept.slug: m for group in mastery.values() for m in group}
    assert set(flat) == set(CONCEPTS)
    assert flat["cluster-ip"].cards == 1 and flat["cluster-ip"].seen == 1 and flat["cluster-ip"].mastery > 0.9
    assert flat["nodeport"].cards == 2 and flat["nodeport"].mastery == 0
    assert flat["overlay"].cards == 0


def test_stats_page_draws_four_titled_charts(client, db, bank, make_user, login):
    user = make_user()
    answer(db, user, "default-service-type", True, datetime.now(timezone.utc))
    login()
    page = client.get("/stats").get_data(as_text=True)
    assert page.count('<svg class="chart"') == 4
    for title in ("Reviews per day (last 30 days)", "Retention per topic (right / total)",
                  "Due forecast (next 30 days)", "Retrievability of your cards now"):
        assert "<title id=" in page and title in page
    assert "Study day" in page and "Cards due" in page and "Probability of recall" in page
    dashboard = client.get("/").get_data(as_text=True)
    assert "Mastery per concept" in dashboard and "Cluster IP" in dashboard and "<meter" in dashboard


def test_bar_chart_axes_and_scale():
    svg = str(charts.bar_chart("T", ["a", "b"], [charts.Series("x", [3, 7], "s-due")], "X axis", "Y axis"))
    assert "X axis" in svg and "Y axis" in svg and ">12<" in svg and ">9<" in svg  # 7 -> 10 -> 4 whole steps
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 10 and charts.nice_max(120) == 200
