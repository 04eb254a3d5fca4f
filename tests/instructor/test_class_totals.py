"""Classes at scale: the running answer totals (database triggers) always equal a recount of the answers; the
SQL mastery equals the Python FSRS computation; the learner pages together are the whole class."""
from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import cast, delete, select, Text

from quizapp.answer_totals import AnswerTotal, WrongAnswerTotal
from quizapp.classes import progress, question_stats, service
from quizapp.models import Card, CardState, ReviewLog, User
from quizapp.study import scheduler as sched
from tests.instructor.test_classes import NOW, answer, card, classroom, review_state  # noqa: F401 (fixture)

SLUGS = ("default-type", "dns-address", "sim-nodeport")


def recount(db) -> tuple[dict, Counter]:
    """The totals as a full recount of review_logs would give them."""
    totals: dict[tuple[int, int], list] = {}
    wrong: Counter = Counter()
    for user_id, card_id, correct, at, text in db.session.execute(
            select(ReviewLog.user_id, ReviewLog.card_id, ReviewLog.correct, ReviewLog.reviewed_at,
                   cast(ReviewLog.answer, Text))):
        entry = totals.setdefault((user_id, card_id), [0, 0, at])
        entry[0] += 1
        entry[1] += bool(correct)
        entry[2] = max(entry[2], at)
        if not correct:
            wrong[(user_id, card_id, text)] += 1
    return {key: tuple(value) for key, value in totals.items()}, wrong


def stored(db) -> tuple[dict, Counter]:
    totals = {(t.user_id, t.card_id): (t.answers, t.right_answers, t.last_reviewed_at)
              for t in db.session.scalars(select(AnswerTotal))}
    wrong = Counter({(w.user_id, w.card_id, w.answer_text): w.answers
                     for w in db.session.scalars(select(WrongAnswerTotal))})
    return totals, wrong


def test_totals_follow_inserts_deletes_updates_and_deleted_accounts(db, classroom, learner, make_user):
    bea = make_user("bea@example.org", "correct horse battery")
    for i in range(6):
        answer(db, learner, SLUGS[i % 3], i % 2 == 0, NOW - timedelta(hours=i), {"choice": i % 2})
        answer(db, bea, SLUGS[i % 3], False, NOW - timedelta(days=i), {"text": f"wrong {i % 2}"})
    db.session.commit()
    assert stored(db) == recount(db) and len(stored(db)[0]) == 6

    newest = db.session.scalar(select(ReviewLog).where(ReviewLog.user_id == learner.id)
                               .order_by(ReviewLog.reviewed_at.desc()))
    db.session.delete(newest)  # as undo does
    db.session.commit()
    assert stored(db) == recount(db)

    log = db.session.scalar(select(ReviewLog).where(ReviewLog.user_id == bea.id))
    log.correct = True
    db.session.commit()
    assert stored(db) == recount(db)

    db.session.execute(delete(ReviewLog).where(ReviewLog.user_id == learner.id))
    db.session.commit()
    assert stored(db) == recount(db)
    assert not any(user_id == learner.id for user_id, _card in stored(db)[0])

    db.session.delete(db.session.get(User, bea.id))
    db.session.commit()
    assert stored(db) == ({}, Counter())


def test_sql_mastery_and_counts_equal_the_python_computation(db, classroom, make_user):
    rng = random.Random(17)
    users = [make_user(f"l{i}@example.org", "correct horse battery") for i in range(6)]
    cards = {slug: card(db, slug) for slug in SLUGS}
    for user in users:
        service.join(db.session, user, classroom.join_code)
        for slug in SLUGS:
            for _ in range(rng.randint(0, 4)):
                answer(db, user, slug, rng.random() < 0.5, NOW - timedelta(hours=rng.randint(1, 500)),
                       {"choice": rng.randint(0, 2)})
            if rng.random() < 0.8:  # whole days ago (boundaries), fractions, the future, never reviewed
                days = rng.choice([0, 1, 3, 10, 0.5, 2.25, 29.999, -0.5, None])
                state = review_state(days if days is not None else 0, rng.choice([0.4, 2.0, 10.0, 55.5]), 1,
                                     suspended=rng.random() < 0.2)
                if days is None:
                    state["last_review"] = None
                answer(db, user, slug, True, NOW - timedelta(days=40), {"choice": 0}, state=state)
    db.session.commit()

    report = progress.class_progress(db.session, classroom.id, NOW)
    scheduler = sched.make_scheduler(fuzz=False)
    topic_of = {c.id: c.question.topic_id for c in cards.values()}
    live = {c.id for c in cards.values()}
    expected_recall: Counter = Counter()
    for state in db.session.scalars(select(CardState).where(CardState.card_id.in_(live))):
        r = sched.retrievability(scheduler, sched.state_from_columns(state), state.card_id, NOW)
        expected_recall[(state.user_id, topic_of[state.card_id])] += r
    logs = db.session.execute(select(ReviewLog.user_id, ReviewLog.card_id, ReviewLog.correct)).all()
    for row in report.learners:
        for topic_id, cell in row.cells.items():
            assert cell.recall == pytest.approx(expected_recall[(row.user_id, topic_id)], rel=1e-12, abs=1e-12)
            mine = [correct for user_id, card_id, correct in logs if user_id == row.user_id
                    and topic_of.get(card_id) == topic_id]
            assert (cell.reviews, cell.right) == (len(mine), sum(mine))
    for topic in report.topics:
        everyone = sum(expected_recall[(u.id, topic.id)] for u in users)
        assert report.topic_mastery(topic.id) == pytest.approx(everyone / topic.cards / len(users))


def test_learner_pages_together_are_the_whole_class(client, db, classroom, instructor, log_in, make_user,
                                                    monkeypatch):
    for i in range(7):
        user = make_user(f"p{i}@example.org", "correct horse battery")
        service.join(db.session, user, classroom.join_code)
        answer(db, user, "default-type", i % 2 == 0, NOW - timedelta(hours=i), {"choice": i % 3},
               state=review_state(i, 3.0, 1))
    db.session.commit()
    whole = progress.class_progress(db.session, classroom.id, NOW)
    pages = [progress.class_progress(db.session, classroom.id, NOW, offset=o, limit=3) for o in (0, 3, 6)]
    assert [r.user_id for p in pages for r in p.learners] == [r.user_id for r in whole.learners]
    assert [r.mastery for p in pages for r in p.learners] == pytest.approx([r.mastery for r in whole.learners])
    assert all(p.learner_count == 7 for p in pages)
    assert [pages[0].topic_mastery(t.id) for t in whole.topics] == \
        pytest.approx([whole.topic_mastery(t.id) for t in whole.topics])

    from quizapp.classes import routes
    monkeypatch.setattr(routes, "LEARNERS_PER_PAGE", 3)
    log_in(instructor)
    first = client.get(f"/classes/{classroom.id}").get_data(as_text=True)
    assert "Learners 1–3 of 7" in first and "page 1 of 3" in first and "P0" in first
    last = client.get(f"/classes/{classroom.id}?page=3").get_data(as_text=True)
    assert "Learners 7–7 of 7" in last and "P6" in last and "P0" not in last
    assert client.get(f"/classes/{classroom.id}?page=9").status_code == 302


def test_per_question_figures_equal_a_recount_of_the_answers(db, classroom, make_user):
    """Answers, wrong answers, learners and learners wrong per question, and the most common wrong answers of the
    questions the page lists, equal a recount of review_logs -- a question with two cards included (its learners
    are counted once across its cards)."""
    rng = random.Random(23)
    two = card(db, "dns-address")
    second = Card(question_id=two.question_id, card_key="second")
    db.session.add(second)
    db.session.flush()
    users = [make_user(f"q{i}@example.org", "correct horse battery") for i in range(8)]
    outsider = make_user("outsider@example.org", "correct horse battery")  # not in the class: never counted
    for user in users + [outsider]:
        if user is not outsider:
            service.join(db.session, user, classroom.join_code)
        for slug in SLUGS:
            for _ in range(rng.randint(0, 3)):
                answer(db, user, slug, rng.random() < 0.5, NOW - timedelta(hours=rng.randint(1, 99)),
                       {"choice": rng.randint(0, 2)})
        for _ in range(rng.randint(0, 3)):
            right = rng.random() < 0.5
            db.session.add(ReviewLog(user_id=user.id, card_id=second.id, reviewed_at=NOW, rating=3 if right else 1,
                                     answer={"text": rng.choice(["a", "b", "c", "d"])}, correct=right,
                                     state_after={}, content_hash="h"))
    db.session.commit()

    members = {u.id for u in users}
    question_of = {c.id: c.question_id for c in db.session.scalars(select(Card))}
    expected: dict[int, list] = {}
    texts: dict[int, Counter] = {}
    for user_id, card_id, correct, text in db.session.execute(
            select(ReviewLog.user_id, ReviewLog.card_id, ReviewLog.correct, cast(ReviewLog.answer, Text))):
        if user_id not in members:
            continue
        entry = expected.setdefault(question_of[card_id], [0, 0, set(), set()])
        entry[0] += 1
        entry[2].add(user_id)
        if not correct:
            entry[1] += 1
            entry[3].add(user_id)
            texts.setdefault(question_of[card_id], Counter())[text] += 1

    report = progress.class_progress(db.session, classroom.id, NOW)
    got = {q.question_id: (q.answers, q.wrong, q.learners, q.learners_wrong) for q in report.questions}
    assert got == {qid: (n, w, len(lrn), len(lw)) for qid, (n, w, lrn, lw) in expected.items()}
    assert expected[two.question_id][0] > 0 and any(row[1] for row in expected.values())
    for row in report.most_missed:
        assert sorted(w.count for w in row.wrong_answers) == \
            sorted(sorted(texts[row.question_id].values(), reverse=True)[:question_stats.TOP_WRONG])
    assert progress.class_progress(db.session, classroom.id, NOW, wrong_answers_for=0).most_missed[0].wrong_answers \
        == []
