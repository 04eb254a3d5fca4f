"""Next-due query at 10 thousand, 100 thousand, 1 million and 10 million stored card states (PostgreSQL).

The query is the one the study queue runs (quizapp/study/reviews.py `build_queue`): one learner's states of a
pack's cards, selecting only card_id, fsrs_state, due and suspended. Learners hold 1,000 card states each
(a 1,000-card bank); the table grows by adding learners, generated with generate_series in a scratch database
that this script creates and drops. After each step: VACUUM ANALYZE, then the median time of the query for 1,000
random learners (client round trip, fetching the 1,000 rows), its execution time inside PostgreSQL (EXPLAIN
ANALYZE, 100 learners), and the whole `build_queue` for 50. Baseline (same run): the smallest table. Target: the
largest / smallest under 2x. The plans (EXPLAIN ANALYZE) at the smallest and the largest size are printed.

    .venv/bin/python bench/next_due.py [--sizes 10000,100000,1000000,10000000] [--admin-url URL]
"""
from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import tempfile
import time
import uuid

from sqlalchemy import create_engine, literal_column, select, text
from sqlalchemy.engine import make_url

CARDS = 1000


def scratch(admin_url: str) -> tuple[str, str]:
    name = f"quizapp_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return name, make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop(admin_url: str, name: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


BANK = """
INSERT INTO packs (id, slug, title, language, visibility, current_version, created_at, updated_at)
VALUES (1, 'bench', 'Bench', 'en', 'public', 0, now(), now());
INSERT INTO topics (id, pack_id, slug, title, intro_html, tags, source_path, position)
VALUES (1, 1, 't', 'T', '', '[]', 'x.md', 0);
INSERT INTO questions (id, pack_id, topic_id, slug, qtype, title, data, tags, content_hash, source_path, source_line,
                       position, created_at, updated_at)
SELECT g, 1, 1, 'q' || g, 'truefalse', 'Q' || g, '{"answer": true}', '[]', md5(g::text), 'x.md', g, g, now(), now()
FROM generate_series(1, CAST(:cards AS integer)) AS g;
INSERT INTO cards (id, question_id, card_key, position) SELECT g, g, 'main', 0 FROM generate_series(1, CAST(:cards AS integer)) AS g;
"""

USERS = """
INSERT INTO users (id, email, display_name, password_hash, role, created_at, desired_retention, new_per_day,
                   reviews_per_day, timezone, rollover_hour)
SELECT g, 'u' || g || '@example.org', 'U' || g, 'x', 'learner', now(), 0.9, 20, 200, 'UTC', 4
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS g;
"""

# States spread like a real deck: mostly review cards due over the next weeks, some learning, a few suspended.
STATES = """
INSERT INTO card_states (user_id, card_id, fsrs_state, step, stability, difficulty, due, last_review, reps, lapses,
                         suspended, version)
SELECT u, c, CASE WHEN (u + c) % 10 = 0 THEN 1 ELSE 2 END, NULL, 5.0 + (c % 50), 5.0,
       now() + ((u * 7 + c * 13) % 40000) * interval '1 minute' - interval '2 days', now() - interval '3 days',
       3, 0, (u + c) % 97 = 0, 1
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS u CROSS JOIN generate_series(1, CAST(:cards AS integer)) AS c;
"""


def the_query(card_ids: list[int]):
    from quizapp.models import CardState

    # As build_queue reads them: the pack's id range (two parameters), not an IN list of every id.
    return (select(CardState.card_id, CardState.fsrs_state, CardState.due, CardState.suspended)
            .where(CardState.user_id == literal_column("USER_ID"),
                   CardState.card_id.between(min(card_ids), max(card_ids))))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000,10000000")
    parser.add_argument("--admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    name, url = scratch(args.admin_url)
    try:
        run(url, sizes)
    finally:
        drop(args.admin_url, name)


def run(url: str, sizes: list[int]) -> None:
    os.environ["QUIZAPP_INSTANCE_PATH"] = tempfile.mkdtemp()
    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.extensions import db
    from quizapp.models import Pack, User
    from quizapp.study import reviews

    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    engine = create_engine(url)
    with app.app_context():
        upgrade()
    with engine.begin() as connection:
        for statement in BANK.split(";"):
            if statement.strip():
                connection.execute(text(statement), {"cards": CARDS} if ":cards" in statement else {})
    card_ids = list(range(1, CARDS + 1))
    compiled = the_query(card_ids).compile(engine, compile_kwargs={"literal_binds": True})
    sql = str(compiled)
    users = 0
    results = []
    rng = random.Random(7)
    for size in sizes:
        wanted = size // CARDS
        started = time.perf_counter()
        with engine.begin() as connection:
            step = 1000  # learners per INSERT: 1 million rows per statement at most
            for first in range(users + 1, wanted + 1, step):
                last = min(wanted, first + step - 1)
                connection.execute(text(USERS), {"first": first, "last": last})
                connection.execute(text(STATES), {"first": first, "last": last, "cards": CARDS})
        users = wanted
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE card_states"))
            rows = connection.execute(text("SELECT count(*) FROM card_states")).scalar_one()
        loaded = time.perf_counter() - started
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for _ in range(20):  # warm the cache the way a running server has it
                cursor.execute(sql.replace("USER_ID", str(rng.randint(1, users))))
                cursor.fetchall()
            times = []
            for _ in range(1000):
                user = rng.randint(1, users)
                begin = time.perf_counter()
                cursor.execute(sql.replace("USER_ID", str(user)))
                fetched = cursor.fetchall()
                times.append(time.perf_counter() - begin)
                assert len(fetched) == CARDS
            server_times = []
            for _ in range(100):  # the database's own time, without the client and the network
                cursor.execute("EXPLAIN (ANALYZE, TIMING OFF) " + sql.replace("USER_ID", str(rng.randint(1, users))))
                lines = [row[0] for row in cursor.fetchall()]
                server_times.append(float(next(line for line in lines if line.startswith("Execution Time"))
                                          .split(":")[1].split()[0]))
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql.replace("USER_ID", str(rng.randint(1, users))))
            plan = re.sub(r"'\{1,2,3,[0-9,]*\}'", "'{1,2,3,...,1000}'", "\n".join(row[0] for row in cursor.fetchall()))
        finally:
            raw.close()
        with app.app_context():
            pack = db.session.get(Pack, 1)
            queue_times = []
            for _ in range(50):
                user = db.session.get(User, rng.randint(1, users))
                begin = time.perf_counter()
                reviews.build_queue(db.session, user, pack)
                queue_times.append(time.perf_counter() - begin)
                db.session.rollback()
            db.session.remove()
        query_ms = statistics.median(times) * 1000
        queue_ms = statistics.median(queue_times) * 1000
        server_ms = statistics.median(server_times)
        results.append((rows, query_ms, queue_ms, plan, server_ms))
        print(f"{rows:>10,} card states ({users:,} learners; generated in {loaded:.0f} s): "
              f"query {query_ms:.2f} ms (p95 {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms; "
              f"in the database {server_ms:.3f} ms), "
              f"build_queue {queue_ms:.1f} ms", flush=True)
    base_rows, base_query, base_queue, base_plan, base_server = results[0]
    top_rows, top_query, top_queue, top_plan, top_server = results[-1]
    print()
    print(f"plan at {base_rows:,} card states:\n{base_plan}\n")
    print(f"plan at {top_rows:,} card states:\n{top_plan}\n")
    print(f"ratio query {top_rows:,} / {base_rows:,}: {top_query / base_query:.2f}x (target < 2x) "
          f"{'OK' if top_query / base_query < 2 else 'MISSED'}")
    print(f"ratio query execution in the database {top_rows:,} / {base_rows:,}: {top_server / base_server:.2f}x")
    print(f"ratio build_queue {top_rows:,} / {base_rows:,}: {top_queue / base_queue:.2f}x")


if __name__ == "__main__":
    main()
