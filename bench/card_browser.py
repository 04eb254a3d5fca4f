"""The card browser on 100,000 cards: ranked full-text search and filters, against a plain LIKE scan (baseline,
same run, same data).

Builds a scratch database (SQLite file by default; `--url postgresql+psycopg://...` for a PostgreSQL database you
created), migrated to head: one pack of --cards single-choice questions (one card each) in 100 topics, with words
drawn from a fixed vocabulary, and one learner who studied a third of them (card states, some lapsed, some
flagged). Times (median of --repeat runs, milliseconds, in-process through quizapp.browse.service.browse, the
function the /browse page calls): building the search index once; a one-word and a three-word ranked search;
a search plus filters; Chinese searches of 1, 2 and 4 characters; filters alone (state, lapses, flagged, type);
the first page with no filter. Baseline: the same one-word search as `LIKE '%word%'` over the question text
(what a browser without an index would do), ranked by nothing. Printed: each figure and its ratio to the
baseline; a search with filters also against the same filters without the search.

    .venv/bin/python bench/card_browser.py [--cards 100000] [--repeat 7] [--url URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = ("kube-proxy iptables ipvs nftables conntrack dnat snat masquerade nodeport clusterip loadbalancer "
         "endpoint endpointslice coredns flannel vxlan calico cilium bridge veth namespace hostport portmap "
         "service pod container docker overlay bgp mtu ingress gateway policy egress route table chain "
         "prerouting postrouting output forward input mark socket listen connect packet frame "
         # Chinese words (one CJK run each: indexed as bigrams, quizapp/browse/segment.py)
         "集群 端口 节点 容器 网络策略 负载均衡 命名空间 源地址").split()


def timed(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def fill(db, cards: int, rng: random.Random) -> int:
    from quizapp.auth.service import create_user
    from quizapp.browse.models import CardMark
    from quizapp.models import Card, CardState, Pack, Question, Topic, utcnow

    session = db.session
    pack = Pack(slug="bench", title="Bench pack", language="en")
    session.add(pack)
    session.flush()
    topics = [Topic(pack_id=pack.id, slug=f"topic-{i}", title=f"Topic {i}", position=i) for i in range(100)]
    session.add_all(topics)
    session.flush()
    now = utcnow()
    questions = []
    for number in range(cards):
        words = rng.sample(WORDS, 12)
        questions.append({
            "pack_id": pack.id, "topic_id": topics[number % 100].id, "slug": f"q-{number}", "qtype": "single",
            "title": f"{words[0]} and {words[1]} #{number}", "tags": [words[2]], "position": number,
            "content_hash": f"{number:064x}", "source_path": "bench.md", "source_line": 1,
            "data": {"prompt_html": f"<p>What does {' '.join(words[3:8])} do?</p>",
                     "choices": [{"html": f"<p>{words[8]}</p>", "correct": True},
                                 {"html": f"<p>{words[9]}</p>", "correct": False}],
                     "explanation_html": f"<p>{' '.join(words[10:])} explained.</p>"}})
    for start in range(0, cards, 5000):
        session.execute(insert(Question), questions[start:start + 5000])
    ids = session.scalars(select(Question.id).where(Question.pack_id == pack.id).order_by(Question.id)).all()
    for start in range(0, cards, 5000):
        session.execute(insert(Card), [{"question_id": qid, "card_key": "main", "position": 0}
                                       for qid in ids[start:start + 5000]])
    user = create_user(session, "bench@example.org", "Bench", "a long passphrase")
    card_ids = session.scalars(select(Card.id).order_by(Card.id)).all()
    studied = card_ids[::3]
    states = [{"user_id": user.id, "card_id": cid, "fsrs_state": rng.choice((1, 2, 2, 2, 3)), "step": 0,
               "stability": 3.0, "difficulty": 5.0, "due": now + timedelta(hours=rng.randint(-48, 240)),
               "last_review": now, "reps": 3, "lapses": rng.choice((0, 0, 0, 1, 2, 5)), "suspended": False,
               "version": 1} for cid in studied]
    for start in range(0, len(states), 5000):
        session.execute(insert(CardState), states[start:start + 5000])
    session.execute(insert(CardMark), [{"user_id": user.id, "card_id": cid, "flagged": True, "suspended": False}
                                       for cid in studied[::50]])
    session.commit()
    return user.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--url", default="")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from quizapp import create_app
    from quizapp.browse import search, service
    from quizapp.extensions import db
    from quizapp.models import Question, User

    folder = tempfile.mkdtemp(prefix="quizapp-bench-browse-")
    url = args.url or f"sqlite:///{folder}/bench.sqlite"
    app = create_app({"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        start = time.perf_counter()
        user_id = fill(db, args.cards, random.Random(7))
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
        print(f"{db.engine.dialect.name}: {args.cards} cards generated in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        search.refresh(db.session)
        db.session.commit()
        print(f"search index built in {time.perf_counter() - start:.1f} s")
        if db.engine.dialect.name == "postgresql":  # what autovacuum does soon after a bulk load: planner statistics
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("ANALYZE"))
        user = db.session.get(User, user_id)

        def browse(**filters):
            return lambda: service.browse(db.session, user, service.Filters(**filters))

        def like_scan():
            return db.session.execute(select(Question.id, Question.title).where(
                func.lower(func.cast(Question.data, db.String)).like("%conntrack%")
                | func.lower(Question.title).like("%conntrack%")).limit(service.PAGE)).all(), \
                db.session.scalar(select(func.count()).select_from(Question).where(
                    func.lower(func.cast(Question.data, db.String)).like("%conntrack%")
                    | func.lower(Question.title).like("%conntrack%")))

        baseline, (rows, total) = timed(like_scan, args.repeat)
        print(f"baseline LIKE '%conntrack%' scan (first page + count, unranked): {baseline:.1f} ms, {total} matches")
        cases = [
            ("search 'conntrack' (ranked, page 1 + count)", browse(q="conntrack")),
            ("search 'kube dnat masquerade' (prefix, 3 words)", browse(q="kube dnat masquerade")),
            ("search 'flannel' + state review + lapses >= 1", browse(q="flannel", state="review", min_lapses=1)),
            ("filter state review + lapses >= 1 (the same, no search)", browse(state="review", min_lapses=1)),
            ("search 'flannel' + flagged", browse(q="flannel", flagged=True)),
            ("search '集群' (2 characters: one bigram)", browse(q="集群")),
            ("search '网络策略' (4 characters: a phrase of 3 bigrams)", browse(q="网络策略")),
            ("search '网' (1 character: a prefix)", browse(q="网")),
            ("search '集群' + state review + lapses >= 1", browse(q="集群", state="review", min_lapses=1)),
            ("filter state review, due today", browse(state="review", due="today")),
            ("filter flagged", browse(flagged=True)),
            ("filter type single, lapses >= 2", browse(qtype="single", min_lapses=2)),
            ("no filter, page 1", browse()),
            ("no filter, page 1500", browse(page=1500)),
        ]
        figures = {}
        for name, function in cases:
            elapsed, (found, count) = timed(function, args.repeat)
            figures[name] = elapsed
            print(f"{name}: {elapsed:.1f} ms ({count} cards) = {elapsed / baseline:.2f}x the LIKE scan")
        alone = figures["filter state review + lapses >= 1 (the same, no search)"]
        combined = figures["search 'flannel' + state review + lapses >= 1"]
        print(f"search + filters / the same filters alone: {combined:.1f} / {alone:.1f} ms = {combined / alone:.2f}x")
        db.session.remove()
        db.engine.dispose()


if __name__ == "__main__":
    main()
