"""Where a study request's CPU goes, by phase, without a profiler: the study loop run in-process (Flask's test
client, a scratch PostgreSQL database holding the shipped bank), with the request hooks, the user load, the
study service's functions and Jinja's rendering wrapped in timers (process CPU time, inclusive: a phase's time
includes the phases it calls). cProfile inflates small Python functions several times over; these wrappers
cost about a microsecond each, so the figures are what the code costs. The loop answers as study.js does: the
next question's form from the feedback page (two requests per answer).

    .venv/bin/python bench/study_phases.py [--rounds 200] [--warmup 30]
"""
from __future__ import annotations

import argparse
import functools
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import prepare_database  # noqa: E402
from scratch import ADMIN_URL, scratch_postgres  # noqa: E402
from study_loop import next_question_form, study_form  # noqa: E402

SERVICE = {"quizapp.study.queue_sql": ["today_rows", "state_rows"],
           "quizapp.study.reviews": ["build_queue", "card_to_study", "record_answer", "interval_preview"],
           "quizapp.study.service": ["find_pack", "find_visible_pack_card", "answer_for_feedback"],
           "quizapp.study.routes": ["localize", "card_view", "check_answer", "question_as_seen", "card_shown",
                                    "response_from_form", "trace_of", "next_question"]}


class Phases:
    def __init__(self) -> None:
        self.kind = ""
        self.cpu: dict[tuple[str, str], float] = defaultdict(float)

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)

        @functools.wraps(original)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return original(*args, **kwargs)
            finally:
                self.cpu[(self.kind, label)] += time.process_time() - start
        setattr(owner, attribute, timed)

    def wrap_hooks(self, hooks: dict[Any, list[Any]], kind: str) -> None:
        for functions in hooks.values():
            for index, function in enumerate(functions):
                holder = type("Hook", (), {"run": staticmethod(function)})
                name = getattr(function, "__qualname__", None) or getattr(getattr(function, "func", None),
                                                                         "__qualname__", repr(function))
                self.wrap(holder, "run", f"{kind} {getattr(function, '__module__', '') or ''}.{name}"[:80])
                functions[index] = holder.run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=200, help="measured answers")
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--admin-url", default=ADMIN_URL)
    args = parser.parse_args()

    from sqlalchemy import text

    with scratch_postgres(args.admin_url, "quizapp_phases") as url:
        ((email, password, _token),) = prepare_database(url, Path(tempfile.mkdtemp()) / "instance", 1)
        import importlib

        import flask
        import flask.sessions
        import flask_login.login_manager
        import jinja2

        from quizapp import create_app
        from quizapp.extensions import db

        phases = Phases()
        phases.wrap(flask.Flask, "preprocess_request", "before_request hooks (all)")
        phases.wrap(flask.Flask, "process_response", "after_request hooks + session save")
        phases.wrap(flask.Flask, "do_teardown_request", "teardown_request hooks")
        phases.wrap(flask.Flask, "dispatch_request", "the view")
        phases.wrap(flask.sessions.SecureCookieSessionInterface, "open_session", "session cookie read")
        phases.wrap(flask_login.login_manager.LoginManager, "_load_user", "user load (Flask-Login)")
        phases.wrap(jinja2.Template, "render", "Jinja rendering")
        import sqlalchemy.orm
        from quizapp.study import scheduler
        phases.wrap(sqlalchemy.orm.Session, "flush", "ORM flush (writes)")
        phases.wrap(scheduler, "review", "FSRS review")
        for module, functions in SERVICE.items():
            for function in functions:
                target = importlib.import_module(module)
                if hasattr(target, function):
                    phases.wrap(target, function, function)
        app = create_app({"SECRET_KEY": "phases", "SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False})
        phases.wrap(app, "wsgi_app", "WHOLE REQUEST (wsgi_app)")
        phases.wrap_hooks(app.before_request_funcs, "before_request")
        phases.wrap_hooks(app.after_request_funcs, "after_request")
        phases.wrap_hooks(app.teardown_request_funcs, "teardown_request")
        with app.app_context():
            pack = db.session.execute(text("SELECT slug FROM packs ORDER BY title LIMIT 1")).scalar_one()
        client = app.test_client()
        assert client.post("/login", data={"email": email, "password": password}).status_code == 302
        counts: dict[str, int] = defaultdict(int)
        form: dict[str, str] | None = None

        def answer_once() -> None:
            nonlocal form
            if not form:
                phases.kind = "GET study page"
                counts[phases.kind] += 1
                form = study_form(client.get(f"/packs/{pack}/study").get_data(as_text=True))
            phases.kind = "POST answer"
            counts[phases.kind] += 1
            answered = client.post(f"/packs/{pack}/study", data=form)
            form = None
            if answered.status_code == 302:
                phases.kind = "GET feedback (+ next question)"
                counts[phases.kind] += 1
                form = next_question_form(client.get(answered.headers["Location"]).get_data(as_text=True))

        for _ in range(args.warmup):
            answer_once()
        phases.cpu.clear()
        counts.clear()
        for _ in range(args.rounds):
            answer_once()
        print(f"pack {pack!r}, {args.rounds} answers after {args.warmup} warm-up, PostgreSQL, in-process; CPU ms "
              f"per request, inclusive (a phase includes what it calls)")
        for kind, number in counts.items():
            print(f"\n{kind} ({number} requests)")
            rows = sorted(((cpu, label) for (k, label), cpu in phases.cpu.items() if k == kind), reverse=True)
            for cpu, label in rows:
                if cpu / number >= 0.000005:  # 5 us
                    print(f"  {cpu / number * 1000:7.3f}  {label}")
        answers = counts.get("POST answer", 1)
        whole = sum(cpu for (_k, label), cpu in phases.cpu.items() if label.startswith("WHOLE"))
        print(f"\nper answer: {whole / answers * 1000:.2f} ms CPU in {sum(counts.values()) / answers:.2f} requests")


if __name__ == "__main__":
    main()
