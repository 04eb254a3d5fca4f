"""Where a study request spends its time: the study loop (answer -> feedback carrying the next card; with
--three-requests next card -> answer -> feedback, as without JavaScript) run in-process with
Flask's test client on a scratch PostgreSQL database holding the shipped bank. Per request kind: CPU time of this
process (the app; PostgreSQL's own work is in another process), wall time, SQL statements (a SQLAlchemy
event listener) and round trips to PostgreSQL (the statements plus the BEGIN/COMMIT/ROLLBACK and pre-ping
queries psycopg sends on its own, counted in psycopg). With --profile, a cProfile of the measured rounds (top
functions by cumulative time).

    .venv/bin/python bench/study_profile.py [--rounds 200] [--warmup 20] [--profile] [--top 40]
"""
from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import prepare_database  # noqa: E402
from scratch import ADMIN_URL, scratch_postgres  # noqa: E402
from study_loop import next_question_form, study_form  # noqa: E402


LAYERS = (  # (layer, path fragments of its modules), first match wins
    ("SQLAlchemy ORM", ("/sqlalchemy/orm/", "/flask_sqlalchemy/")),
    ("SQLAlchemy Core", ("/sqlalchemy/",)),
    ("psycopg (driver)", ("/psycopg/", "/psycopg_binary/", "psycopg_c")),
    ("Jinja2 / MarkupSafe (templates)", ("/jinja2/", "/markupsafe/", "<template>", "/templates/")),
    ("Babel (flask_babel, babel, gettext)", ("/flask_babel/", "/babel/", "gettext.py", "/quizapp/i18n/")),
    ("session, login (Flask-Login, signed cookie)", ("/flask_login/", "/itsdangerous/", "/quizapp/auth/",
                                                     "/flask/sessions.py")),
    ("CSRF (Flask-WTF)", ("/flask_wtf/", "/wtforms/")),
    ("rate limit (Flask-Limiter)", ("/flask_limiter/", "/limits/", "/quizapp/limiter_store.py")),
    ("Flask, Werkzeug", ("/flask/", "/werkzeug/", "/blinker/", "/click/")),
    ("quizapp (views, services)", ("/quizapp/",)),
    ("fsrs", ("/fsrs/",)),
)


def layer_of(filename: str) -> str:
    for layer, fragments in LAYERS:
        if any(fragment in filename for fragment in fragments):
            return layer
    return "standard library, builtins, other"


def layer_totals(stats: pstats.Stats) -> dict[str, float]:
    """Own time by layer. A builtin (`getattr`, `dict.get`, `str.join`: no module of its own) is charged to the
    layers of its callers, in proportion to the time each caller spent in it."""
    totals: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, callers) in stats.stats.items():
        if filename == "~" and callers:
            spent = sum(timing[2] for timing in callers.values()) or 1.0
            for (caller_file, _l, _n), timing in callers.items():
                layer = layer_of(caller_file)
                totals[layer] = totals.get(layer, 0.0) + own * timing[2] / spent
            continue
        totals[layer_of(filename)] = totals.get(layer_of(filename), 0.0) + own
    return totals


def print_layers(profiles: dict[str, cProfile.Profile], counts: dict[str, int]) -> None:
    """Each function's own CPU time (not its callees'), summed by the layer its module belongs to, per request
    kind (one profiler per kind) and per answer."""
    per_kind = {kind: layer_totals(pstats.Stats(profile)) for kind, profile in profiles.items()}
    layers = sorted({layer for totals in per_kind.values() for layer in totals},
                    key=lambda layer: -sum(totals.get(layer, 0.0) for totals in per_kind.values()))
    answers = counts.get("POST answer", 1)
    kinds = list(per_kind)
    print("\nCPU by layer, ms per request (own time of each function, not its callees'; cProfile inflates it):")
    print(f"  {'layer':<46}" + "".join(f"{kind:>17}" for kind in kinds) + f"{'per answer':>13}{'share':>8}")
    whole = sum(sum(totals.values()) for totals in per_kind.values())
    for layer in layers + ["total"]:
        cells = []
        answer = 0.0
        for kind in kinds:
            own = sum(per_kind[kind].values()) if layer == "total" else per_kind[kind].get(layer, 0.0)
            answer += own
            cells.append(f"{own / counts[kind] * 1000:17.2f}")
        print(f"  {layer:<46}" + "".join(cells) + f"{answer / answers * 1000:13.2f}{answer / whole:8.1%}")


def count_round_trips() -> Counter:
    """Count what psycopg sends: every query (statements, a pre-ping's SELECT 1) and the transaction commands it
    sends on its own (BEGIN before the first statement of a transaction, COMMIT, ROLLBACK)."""
    from psycopg import _connection_base, cursor

    trips: Counter = Counter()
    command = _connection_base.BaseConnection._exec_command
    execute = cursor.Cursor.execute

    def counted_command(self, query, *args, **kwargs):
        trips[bytes(query).split()[0].decode().upper() if isinstance(query, bytes) else "command"] += 1
        return command(self, query, *args, **kwargs)

    def counted_execute(self, query, *args, **kwargs):
        trips["query"] += 1
        return execute(self, query, *args, **kwargs)

    _connection_base.BaseConnection._exec_command = counted_command
    cursor.Cursor.execute = counted_execute
    return trips


def trip_detail(values: dict[str, list[float]]) -> str:
    parts = [(name, statistics.mean(numbers) * len(numbers) / len(values["cpu"])) for name, numbers in values.items()
             if name not in ("cpu", "wall", "sql", "trips")]
    return ", ".join(f"{name} {mean:.1f}" for name, mean in sorted(parts))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200,
                        help="measured answers (2 requests each: answer, feedback; 3 with --three-requests)")
    parser.add_argument("--three-requests", action="store_true",
                        help="request the study page before every answer, as a browser without JavaScript does")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--layers", action="store_true",
                        help="profile, and sum each function's own CPU time by layer (framework, ORM, driver, ...)")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--dump", help="with --profile: also write the whole profile (pstats) to this file")
    parser.add_argument("--sql", action="store_true", help="print the SQL statements of the last round")
    parser.add_argument("--explain", action="store_true",
                        help="EXPLAIN (ANALYZE, BUFFERS) every SELECT of the last round, with its parameters")
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()

    from sqlalchemy import event, text

    with scratch_postgres(args.admin_url, "quizapp_profile") as url:
        folder = tempfile.mkdtemp()
        ((email, password, _token),) = prepare_database(url, Path(folder) / "instance", 1)
        from quizapp import create_app
        from quizapp.extensions import db

        app = create_app({"SECRET_KEY": "profile", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        with app.app_context():
            pack = db.session.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
            statements = [0]
            last: list[str] = []
            selects: list[tuple[str, object]] = []

            def count(_conn, _cursor, statement, parameters, *_args) -> None:
                statements[0] += 1
                last.append(" ".join(statement.split()))
                if statement.lstrip().upper().startswith("SELECT"):
                    selects.append((statement, parameters))
            event.listen(db.engine, "before_cursor_execute", count)
        trips = count_round_trips()
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302

        stats: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
        profiles: dict[str, cProfile.Profile] = {}
        profiling = [False]

        def timed(kind: str, method: str, path: str, **kwargs):
            statements[0] = 0
            trips.clear()
            last.append(f"-- {kind}")
            kind_profile = profiles.setdefault(kind, cProfile.Profile(time.process_time)) if profiling[0] else None
            cpu, wall = time.process_time(), time.perf_counter()
            if kind_profile:
                kind_profile.enable()
            response = client.open(path, method=method, **kwargs)
            if kind_profile:
                kind_profile.disable()
            stats[kind]["cpu"].append(time.process_time() - cpu)
            stats[kind]["wall"].append(time.perf_counter() - wall)
            stats[kind]["sql"].append(statements[0])
            stats[kind]["trips"].append(sum(trips.values()))
            for command, number in trips.items():
                stats[kind][command].append(number)
            return response

        carried: list[dict[str, str] | None] = [None]  # the next question the last feedback page carried

        def loop() -> None:
            # As study.js: answer the question the feedback page carried; the study page only when it carried none
            # (or with --three-requests, the loop without JavaScript).
            form, carried[0] = carried[0], None
            if not form or args.three_requests:
                page = timed("GET study page", "GET", f"/packs/{pack}/study")
                form = study_form(page.get_data(as_text=True))
                assert form, page.status_code
            answered = timed("POST answer", "POST", f"/packs/{pack}/study", data=form)
            if answered.status_code == 302:
                feedback = timed("GET feedback", "GET", answered.headers["Location"])
                carried[0] = next_question_form(feedback.get_data(as_text=True))

        for _ in range(args.warmup):
            loop()
        stats.clear()
        profiling[0] = args.profile or args.layers  # one CPU-time profiler per request kind
        for _ in range(args.rounds):
            last.clear()
            selects.clear()
            loop()
        print(f"pack {pack!r}, {args.rounds} rounds after {args.warmup} warm-up rounds, PostgreSQL, in-process")
        every = {"cpu": [], "wall": [], "sql": [], "trips": []}
        for kind, values in stats.items():
            for key in every:
                every[key] += values[key]
            print(f"  {kind:16} cpu {statistics.mean(values['cpu']) * 1000:6.2f} ms   wall "
                  f"{statistics.mean(values['wall']) * 1000:6.2f} ms   SQL statements "
                  f"{statistics.mean(values['sql']):5.1f} (max {max(values['sql'])})   round trips "
                  f"{statistics.mean(values['trips']):5.1f} ({trip_detail(values)})   n={len(values['cpu'])}")
        print(f"  {'every request':16} cpu {statistics.mean(every['cpu']) * 1000:6.2f} ms   wall "
              f"{statistics.mean(every['wall']) * 1000:6.2f} ms   SQL statements {statistics.mean(every['sql']):5.1f}"
              f"   round trips {statistics.mean(every['trips']):5.1f}")
        answers = len(stats["POST answer"]["cpu"])
        print(f"  study pages requested: {len(stats['GET study page']['cpu']) if 'GET study page' in stats else 0} "
              f"for {answers} answers (the others answered the next question their feedback page carried)")
        print(f"  per answer: round trips {sum(every['trips']) / answers:.1f}, SQL statements "
              f"{sum(every['sql']) / answers:.1f}, cpu {sum(every['cpu']) / answers * 1000:.2f} ms")
        if args.sql:
            print("\n".join(statement[:400] for statement in last))
        if args.explain:
            with app.app_context(), db.engine.connect() as connection:
                connection.exec_driver_sql("ANALYZE")  # the planner's statistics, as autovacuum would have them
                for statement, parameters in selects:
                    print("\n" + " ".join(statement.split())[:300])
                    plan = connection.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
                    print("\n".join("    " + row[0] for row in plan))
        if profiles and args.layers:
            print_layers(profiles, {kind: len(values["cpu"]) for kind, values in stats.items()})
        if profiles and args.profile:
            whole = pstats.Stats(*profiles.values())
            whole.sort_stats("cumulative").print_stats(args.top)
            if args.dump:
                whole.dump_stats(args.dump)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
