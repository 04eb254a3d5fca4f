"""The class page of a big class: learners searched and sorted on the server before paging (the class-wide figures
stay over every learner), and the class-wide figures of a class of several pages kept for a minute."""
from __future__ import annotations

from datetime import timedelta

import pytest

from quizapp.classes import progress, routes, service
from quizapp.classes.summary_cache import SummaryCache
from tests.instructor.test_classes import NOW, answer, classroom, review_state  # noqa: F401 (fixture)

PASSWORD = "correct horse battery"
NAMES = ("ada", "bob", "cyd", "dee", "eve", "fay", "gus")


@pytest.fixture
def big_class(db, classroom, make_user):  # noqa: F811
    """Seven learners; learner i reviewed default-type i days ago (stability 3: mastery falls with i); the card is
    due (since yesterday) for learners 0, 3 and 6."""
    users = []
    for i, name in enumerate(NAMES):
        user = make_user(f"{name}{'_x' if i == 2 else ''}@example.org", PASSWORD)
        service.join(db.session, user, classroom.join_code)
        answer(db, user, "default-type", i % 2 == 0, NOW - timedelta(days=i), {"choice": i % 3},
               state=review_state(i, 3.0, -1 if i % 3 == 0 else 5))
        users.append(user)
    db.session.commit()
    return users


def page_of(db, classroom, **kwargs):  # noqa: F811
    return progress.class_progress(db.session, classroom.id, NOW, **kwargs)


def test_search_keeps_matching_learners_and_the_class_figures_over_everyone(db, classroom, big_class):  # noqa: F811
    whole = page_of(db, classroom)
    found = page_of(db, classroom, search="  E@EX ", offset=0, limit=100)  # in the addresses, any case
    assert [r.name for r in found.learners] == ["Dee", "Eve"]
    assert found.matching == 2 and found.learner_count == 7
    assert [found.topic_mastery(t.id) for t in whole.topics] == \
        pytest.approx([whole.topic_mastery(t.id) for t in whole.topics])
    assert [r.name for r in page_of(db, classroom, search="_x", limit=100).learners] == ["Cyd_X"]  # `_` literal
    assert page_of(db, classroom, search="%", limit=100).matching == 0  # `%` is a character, not a wildcard
    assert [r.name for r in page_of(db, classroom, search="example.org", offset=2, limit=2).learners] == \
        ["Cyd_X", "Dee"]


def test_sorts_order_the_whole_class_before_paging(db, classroom, big_class):  # noqa: F811
    whole = page_of(db, classroom)
    by_mastery = [r.name for r in sorted(whole.learners, key=lambda r: (r.mastery, r.name, r.user_id))]
    by_due = [r.name for r in sorted(whole.learners, key=lambda r: (-r.due, r.name, r.user_id))]
    assert by_mastery[0] == "Gus" and by_mastery != sorted(by_mastery)  # a real reordering, not the names'
    assert by_due[:3] == ["Ada", "Dee", "Gus"]  # due yesterday; ties by name
    for sort, expected in (("name", [r.name for r in whole.learners]), ("mastery", by_mastery), ("due", by_due)):
        pages = [page_of(db, classroom, sort=sort, offset=o, limit=3) for o in (0, 3, 6)]
        assert [r.name for p in pages for r in p.learners] == expected, sort
    with pytest.raises(ValueError):
        page_of(db, classroom, sort="email")


def test_class_page_searches_sorts_and_pages_through_the_url(client, db, classroom, big_class, instructor,  # noqa: F811
                                                             log_in, monkeypatch):
    monkeypatch.setattr(routes, "LEARNERS_PER_PAGE", 2)
    log_in(instructor)
    base = f"/classes/{classroom.id}"
    page = client.get(f"{base}?q=example&sort=mastery").get_data(as_text=True)
    assert "Learners 1–2 of 7" in page and "page 1 of 4" in page
    assert f'href="{base}?page=2&amp;q=example&amp;sort=mastery" rel="next"' in page
    learners = page.split("<tfoot>")[0]  # the least recently reviewed first
    assert learners.index("Gus") < learners.index("Fay") and "Ada" not in learners
    found = client.get(f"{base}?q=EVE").get_data(as_text=True)
    assert "1 of 7 learners match “EVE”." in found and "(all 7 learners)" in found and "Fay" not in found
    assert "No learner matches this search." in client.get(f"{base}?q=nobody").get_data(as_text=True)
    assert client.get(f"{base}?q=example&page=9").headers["Location"].endswith(f"{base}?page=4&q=example")
    assert client.get(f"{base}?sort=bogus").status_code == 200  # an unknown order falls back to names
    book = client.get(f"{base}/gradebook.csv?q=eve").get_data(as_text=True)
    assert all(name.title() in book for name in NAMES if name != "cyd") and "Cyd_X" in book  # always complete


def test_a_big_classs_figures_are_kept_for_a_minute_and_recomputed_on_changes(db, classroom, big_class,  # noqa: F811
                                                                              make_user):
    clock = [1000.0]
    cache = SummaryCache(ttl_s=60, clock=lambda: clock[0])
    first = page_of(db, classroom, limit=3, summaries=cache)
    live = page_of(db, classroom, limit=3)
    assert first.summary_at == NOW and live.summary_at is None
    assert first.class_recall == pytest.approx(live.class_recall)
    assert [(q.question_id, q.answers, q.wrong) for q in first.questions] == \
        [(q.question_id, q.answers, q.wrong) for q in live.questions]

    answer(db, big_class[1], "default-type", False, NOW, {"choice": 2})  # a new wrong answer
    db.session.commit()
    clock[0] += 59
    kept = page_of(db, classroom, limit=3, summaries=cache)
    assert kept.questions is first.questions and (cache.hits, cache.misses) == (1, 1)
    clock[0] += 1
    fresh = page_of(db, classroom, limit=3, summaries=cache)
    assert sum(q.wrong for q in fresh.questions) == sum(q.wrong for q in first.questions) + 1

    newcomer = make_user("hal@example.org", PASSWORD)  # the class changes: recomputed at once
    service.join(db.session, newcomer, classroom.join_code)
    db.session.commit()
    joined = page_of(db, classroom, limit=3, summaries=cache)
    assert joined.learner_count == 8 and cache.misses == 3
    assert joined.topic_mastery(joined.topics[0].id) == pytest.approx(
        page_of(db, classroom).topic_mastery(joined.topics[0].id))
    # a class on one page is summed from its rows: never kept
    assert page_of(db, classroom, summaries=cache).summary_at is None


def test_the_summary_cache_forgets_the_least_recently_viewed_class():
    clock = [0.0]
    cache = SummaryCache(ttl_s=60, max_classes=2, clock=lambda: clock[0])
    computed = []

    def compute(name):
        def run():
            computed.append(name)
            return name
        return run
    for key in ("a", "b", "a", "c", "a", "b"):
        cache.get(key, compute(key))
    assert computed == ["a", "b", "c", "b"]  # b was the least recently viewed when c came


def test_the_class_page_says_when_a_big_classs_figures_were_computed(client, classroom, big_class,  # noqa: F811
                                                                      instructor, log_in, monkeypatch):
    log_in(instructor)
    assert "summary-at" not in client.get(f"/classes/{classroom.id}").get_data(as_text=True)  # one page: live
    monkeypatch.setattr(routes, "LEARNERS_PER_PAGE", 3)
    page = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert "summary-at" in page and "recomputed at most once a minute" in page


def test_the_pages_lines_are_the_learners_figures_formatted_once(app, db, classroom, big_class, make_user):  # noqa: F811
    from quizapp.classes import cells

    user = make_user("zoe@example.org", PASSWORD, timezone="Asia/Shanghai")
    report = page_of(db, classroom)
    with app.test_request_context():
        local = cells.local_time_formatter(user)
        filtered = app.jinja_env.filters["localtime"]
        lines = cells.learner_lines(report, "%(reviews)s|%(retention)s|%(due)s", local)
        assert local(NOW) == filtered(NOW, user) and local(NOW).endswith("20:00")  # 12:00 UTC in Shanghai
    for line, row in zip(lines, report.learners, strict=True):
        assert (line.reviews, line.due, line.mastery) == (row.reviews, row.due, pytest.approx(row.mastery))
        assert line.retention == cells.pct(row.retention) and line.mastery_text == cells.pct(row.mastery)
        assert line.last_active == (local(row.last_active) if row.last_active else None)
        for (css, mastery, hint, last), topic in zip(line.cells, report.topics, strict=True):
            cell = row.cells[topic.id]
            assert mastery == cells.pct(cell.mastery) and hint == f"{cell.reviews}|{cells.pct(cell.retention)}|{cell.due}"
            assert ("untouched" in css) == (not cell.reviews) and last == (local(cell.last_active) if cell.last_active else "")
    assert any(line.reviews for line in lines) and any(line.last_active for line in lines)
