"""Classes at scale (issue 17 item 3): the class page and the gradebook for 1,000 learners x 300 cards.

Builds, in a scratch PostgreSQL database it creates and drops: a pack of 300 cards in 10 topics, a class with
its instructor, then learners in steps (100, then 1,000), each with a card state for every card (random
stability, last review within 60 days, some suspended) and --answers answers per card (review_logs, written
with INSERT ... SELECT, so the database's running-total triggers run for every answer as they do in the app).
After each step, and once more after doubling every learner's history, it times through Flask's test client:
the class page (first page of learners: what an instructor opens; its class-wide figures computed for every
request, as the first view of a minute does) and the gradebook CSV (every learner); then the class page's later
views within a minute (class-wide figures kept), sorted by mastery, a search and the last page.
Prints the medians of --repeat requests, the growth 100 -> 1,000 learners and 1x -> 2x history (target: under 1 s
at 1,000 x 300, not growing with the history).

    .venv/bin/python bench/class_scale.py [--learners 100,1000] [--cards 300] [--answers 5] [--repeat 5]
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

if importlib.util.find_spec("quizapp") is None:  # else the running .venv's own (--reuse: maybe another checkout)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PASSWORD = "correct horse battery"


def build_pack(db, cards: int, topics: int) -> int:
    from quizapp.models import Card, Pack, Question, Topic

    pack = Pack(slug="scale", title="Scale", visibility="public")
    db.session.add(pack)
    db.session.flush()
    per_topic = cards // topics
    for t in range(topics):
        topic = Topic(pack_id=pack.id, slug=f"t{t}", title=f"Topic {t}", position=t)
        db.session.add(topic)
        db.session.flush()
        for q in range(per_topic):
            question = Question(pack_id=pack.id, topic_id=topic.id, slug=f"q{t}-{q}", qtype="single",
                                title=f"Question {t}.{q}", content_hash="h", position=q,
                                data={"choices": [{"html": "right"}, {"html": "wrong a"}, {"html": "wrong b"}]})
            question.cards = [Card(card_key="main")]
            db.session.add(question)
    db.session.flush()
    return pack.id


def add_learners(db, class_id: int, start: int, stop: int) -> None:
    from sqlalchemy import text

    db.session.execute(text(
        "INSERT INTO users (email, display_name, password_hash, role, created_at) "
        "SELECT 'l' || n || '@example.org', 'Learner ' || lpad(n::text, 5, '0'), 'x', 'learner', now() "
        "FROM generate_series(:start, :stop - 1) AS n"), {"start": start, "stop": stop})
    db.session.execute(text(
        "INSERT INTO class_members (class_id, user_id, joined_at) SELECT :class_id, id, now() FROM users "
        "WHERE email LIKE 'l%@example.org' AND id NOT IN (SELECT user_id FROM class_members)"), {"class_id": class_id})
    db.session.execute(text(
        "INSERT INTO card_states (user_id, card_id, fsrs_state, step, stability, difficulty, due, last_review, reps,"
        " lapses, suspended, version) "
        "SELECT m.user_id, c.id, 2, NULL, 0.5 + random() * 60, 1 + random() * 9, "
        "       now() + (random() * 40 - 10) * interval '1 day', now() - random() * interval '60 days', 5, "
        "       (random() * 2)::int, random() < 0.03, 1 "
        "FROM class_members m CROSS JOIN cards c "
        "WHERE m.class_id = :class_id AND NOT EXISTS (SELECT 1 FROM card_states s WHERE s.user_id = m.user_id)"),
        {"class_id": class_id})
    db.session.commit()


def add_answers(db, class_id: int, answers: int, only_new: bool) -> int:
    """`answers` answers per learner and card (only for learners without any yet when `only_new`)."""
    from sqlalchemy import text

    before = db.session.execute(text("SELECT count(*) FROM review_logs")).scalar_one()
    db.session.execute(text(
        "INSERT INTO review_logs (user_id, card_id, reviewed_at, rating, suggested_rating, answer, correct, "
        " response_ms, state_before, state_after, variant_seed, content_hash) "
        "SELECT s.user_id, s.card_id, now() - (random() * 90) * interval '1 day', r.rating, r.rating, "
        "       json_build_object('choice', CASE WHEN r.rating > 1 THEN 0 ELSE 1 + (random())::int END), "
        "       r.rating > 1, 4000, '{\"state\": 2}'::json, '{\"state\": 2}'::json, 0, 'h' "
        "FROM card_states s CROSS JOIN generate_series(1, :answers) AS k "
        "CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.75 THEN 3 ELSE 1 END + 0 * k AS rating) r "
        "WHERE s.user_id IN (SELECT user_id FROM class_members WHERE class_id = :class_id) "
        + ("AND NOT EXISTS (SELECT 1 FROM answer_totals t WHERE t.user_id = s.user_id)" if only_new else "")),
        {"answers": answers, "class_id": class_id})
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return db.session.execute(text("SELECT count(*) FROM review_logs")).scalar_one() - before


def timed_get(client, path: str, repeat: int, cold: bool = True) -> tuple[float, int]:
    """Median time of `repeat` GETs. `cold`: the class-wide figures that a big class keeps for a minute
    (`quizapp.classes.summary_cache`, if this checkout has it) are forgotten before each request, so every request
    computes them: the page's full cost, as the first view of a minute pays it."""
    times = []
    size = 0
    for _ in range(repeat):
        if cold:
            client.application.extensions.pop("class_summaries", None)
        start = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data())
    return statistics.median(times), size


def extra_views(client, class_id: int, repeat: int, learners: int) -> None:
    """The views this checkout may have besides the first page: the class-wide figures kept (second view within a
    minute), the learners sorted by mastery over the whole class, a search, the last page."""
    from quizapp.classes import progress

    if not hasattr(progress, "SORTS"):
        return
    timed_get(client, f"/classes/{class_id}", 1, cold=False)  # computes and keeps the class-wide figures
    last = max(1, -(-learners // 100))
    views = {"kept figures": "", "sorted by mastery": "?sort=mastery", "search 'learner 0042'": "?q=learner+0042",
             f"page {last}": f"?page={last}"}
    figures = [f"{label} {timed_get(client, f'/classes/{class_id}{query}', repeat, cold=False)[0] * 1000:6.1f} ms"
               for label, query in views.items()]
    print("    class page, class-wide figures kept (later views within a minute): " + ", ".join(figures))


def reuse(args: argparse.Namespace) -> None:
    from sqlalchemy import select, text
    from sqlalchemy.engine import make_url

    import quizapp
    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Classroom

    url = make_url(args.admin_url).set(database=args.reuse).render_as_string(hide_password=False)
    os.environ["QUIZAPP_INSTANCE_PATH"] = tempfile.mkdtemp()
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        class_id = db.session.scalar(select(Classroom.id))
        learners = db.session.scalar(text("SELECT count(*) FROM class_members"))
        answers = db.session.scalar(text("SELECT count(*) FROM review_logs"))
        db.session.commit()
        client = app.test_client()
        assert client.post("/login", data={"email": "ines@example.org", "password": PASSWORD}).status_code == 302
        page, page_bytes = timed_get(client, f"/classes/{class_id}", args.repeat)
        book, book_bytes = timed_get(client, f"/classes/{class_id}/gradebook.csv", args.repeat)
        load = os.getloadavg()
        print(f"{Path(quizapp.__file__).parents[1]}: {learners:,} learners, {answers:,} answers, median of "
              f"{args.repeat}: class page {page * 1000:7.1f} ms ({page_bytes // 1024} KB)  gradebook "
              f"{book * 1000:7.1f} ms ({book_bytes // 1024} KB); load average {load[0]:.2f}")
        extra_views(client, class_id, args.repeat, learners)
        db.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", default="100,1000", help="comma-separated class sizes, ascending")
    parser.add_argument("--cards", type=int, default=300)
    parser.add_argument("--topics", type=int, default=10)
    parser.add_argument("--answers", type=int, default=5, help="answers per learner and card")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (its name is printed)")
    parser.add_argument("--reuse", metavar="DATABASE",
                        help="only time the pages on a database kept by --keep (e.g. old and new code on the same "
                             "data, at the same time: run this script with the other checkout's .venv/bin/python)")
    args = parser.parse_args()
    sizes = [int(n) for n in args.learners.split(",")]

    from flask_migrate import upgrade
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from quizapp import create_app
    from quizapp.auth.service import create_user
    from quizapp.classes import service
    from quizapp.extensions import db
    from quizapp.models import Pack

    if args.reuse:
        return reuse(args)
    name = f"quizapp_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(args.admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.admin_url).set(database=name).render_as_string(hide_password=False)
    os.environ["QUIZAPP_INSTANCE_PATH"] = tempfile.mkdtemp()
    load = os.getloadavg()
    print(f"PostgreSQL, {args.cards} cards in {args.topics} topics, {args.answers} answers per learner and card; "
          f"median of {args.repeat} requests; load average {load[0]:.2f} on {os.cpu_count()} cores")
    results: list[tuple[str, float, float]] = []
    try:
        app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            upgrade()
            instructor = create_user(db.session, "ines@example.org", "Ines", PASSWORD)
            instructor.role = "instructor"
            pack_id = build_pack(db, args.cards, args.topics)
            room = service.create_class(db.session, instructor, "Scale class")
            pack = db.session.get(Pack, pack_id)
            service.assign_pack(db.session, instructor, room, pack.id)
            db.session.commit()
            class_id = room.id
            client = app.test_client()
            assert client.post("/login", data={"email": "ines@example.org", "password": PASSWORD}).status_code == 302

            def measure(label: str) -> None:
                page, page_bytes = timed_get(client, f"/classes/{class_id}", args.repeat)
                book, book_bytes = timed_get(client, f"/classes/{class_id}/gradebook.csv", args.repeat)
                logs = db.session.execute(text("SELECT count(*) FROM review_logs")).scalar_one()
                db.session.commit()
                print(f"{label:<34} {logs:>10,} answers  class page {page * 1000:7.1f} ms ({page_bytes // 1024} KB)"
                      f"  gradebook {book * 1000:7.1f} ms ({book_bytes // 1024} KB)")
                extra_views(client, class_id, args.repeat, done)
                results.append((label, page, book))

            done = 0
            for size in sizes:
                start = time.perf_counter()
                add_learners(db, class_id, done, size)
                added = add_answers(db, class_id, args.answers, only_new=True)
                print(f"  (built {size - done} learners and {added:,} answers in {time.perf_counter() - start:.0f} s)")
                done = size
                measure(f"{size:,} learners x {args.cards} cards")
            start = time.perf_counter()
            added = add_answers(db, class_id, args.answers, only_new=False)
            print(f"  (added {added:,} answers in {time.perf_counter() - start:.0f} s)")
            measure(f"{done:,} learners, history doubled")
            db.session.remove()
            db.engine.dispose()
    finally:
        if args.keep:
            print(f"  (kept the database {name})")
        else:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    (_, small_page, small_book), (_, big_page, big_book), (_, long_page, long_book) = \
        results[0], results[-2], results[-1]
    verdict = "OK" if max(big_page, big_book) < 1.0 else "MISSED"
    print(f"\ngrowth {sizes[0]:,} -> {sizes[-1]:,} learners: class page {big_page / small_page:.2f}x, "
          f"gradebook {big_book / small_book:.2f}x")
    print(f"growth with the history doubled: class page {long_page / big_page:.2f}x, gradebook "
          f"{long_book / big_book:.2f}x")
    print(f"{sizes[-1]:,} x {args.cards}: class page {big_page * 1000:.0f} ms, gradebook {big_book * 1000:.0f} ms "
          f"(target < 1000 ms each) {verdict}")


if __name__ == "__main__":
    main()
