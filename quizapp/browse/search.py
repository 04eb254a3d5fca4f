"""Full-text search over questions: SQLite FTS5 on the default database, PostgreSQL full-text search on PG.

One document per question: title (weighted most), body (prompt, choices, back, answers, items, pairs,
explanation: the HTML's text) and tags. The index is refreshed per pack when the pack's `content_stamp` (renewed
on every content change, quizapp.models) differs from the one recorded in `search_stamps`: a check of one
small row per pack before a search, a rebuild of that pack's documents only after its content changed.
"""
from __future__ import annotations

import html
import re
from typing import Any, Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from quizapp.browse.models import SearchStamp
from quizapp.models import Pack, Question

TAG = re.compile(r"<[^>]+>")
WORD = re.compile(r"[\w][\w.:/-]*", re.UNICODE)
SKIPPED_KEYS = {"variants", "trace", "scenario", "params", "content_hash"}  # sim internals: not what a card says
MAX_TERMS = 8


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key not in SKIPPED_KEYS:
                yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def plain(markup: str) -> str:
    return " ".join(html.unescape(TAG.sub(" ", markup)).split())


def document(question: Question) -> tuple[str, str, str]:
    """(title, body, tags) of a question as indexed."""
    body = " ".join(plain(part) for part in _strings(question.data or {}) if part.strip())
    return question.title, body, " ".join(question.tags or [])


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _index_pack(session: Session, pack_id: int) -> int:
    questions = session.execute(select(Question.id, Question.title, Question.data, Question.tags)
                                .where(Question.pack_id == pack_id)).all()
    ids = [row.id for row in questions]
    postgres = is_postgres(session)
    table_key = "question_id" if postgres else "rowid"
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(text(f"DELETE FROM question_search WHERE {table_key} IN ({','.join(map(str, chunk))})"))
    rows = []
    for row in questions:
        title, body, tags = document(Question(title=row.title, data=row.data, tags=row.tags))
        rows.append({"id": row.id, "title": title, "body": body, "tags": tags})
    if rows:
        if postgres:
            session.execute(text("INSERT INTO question_search (question_id, document) VALUES (:id, "
                                 "setweight(to_tsvector('simple', :title), 'A') || "
                                 "setweight(to_tsvector('simple', :tags), 'B') || "
                                 "setweight(to_tsvector('simple', :body), 'C'))"), rows)
        else:
            session.execute(text("INSERT INTO question_search (rowid, title, body, tags) "
                                 "VALUES (:id, :title, :body, :tags)"), rows)
    return len(rows)


def refresh(session: Session) -> int:
    """Re-index the packs whose content changed since they were indexed; returns how many were."""
    stale = session.execute(
        select(Pack.id, Pack.content_stamp, SearchStamp.content_stamp)
        .outerjoin(SearchStamp, SearchStamp.pack_id == Pack.id)).all()
    changed = 0
    for pack_id, stamp, indexed in stale:
        if indexed == stamp and indexed is not None:
            continue
        count = _index_pack(session, pack_id)
        session.execute(delete(SearchStamp).where(SearchStamp.pack_id == pack_id))
        session.add(SearchStamp(pack_id=pack_id, content_stamp=stamp, questions=count))
        changed += 1
    if changed:
        session.flush()
    return changed


def terms(query: str) -> list[str]:
    return WORD.findall(query.lower())[:MAX_TERMS]


def matches(session: Session, query: str):
    """A selectable of (question_id, rank) for the questions matching every term of `query` (prefixes match:
    `kube` finds kube-proxy), best first when ordered by rank; None when the query has no terms."""
    words = terms(query)
    if not words:
        return None
    if is_postgres(session):
        return _pg_matches(words)
    match = " ".join('"' + word.replace('"', '""') + '"*' for word in words)
    return (text("SELECT rowid AS question_id, bm25(question_search, 10.0, 1.0, 4.0) AS rank "
                 "FROM question_search WHERE question_search MATCH :match")
            .bindparams(match=match))


def _pg_matches(words: list[str]):
    parts = []
    for i, word in enumerate(words):
        if re.fullmatch(r"[a-z0-9]+", word):
            parts.append(f"to_tsquery('simple', :w{i} || ':*')")
        else:
            parts.append(f"plainto_tsquery('simple', :w{i})")
    query = " && ".join(parts)
    # ts_rank_cd is larger for better matches; negated so that ascending order is best first (as bm25)
    return (text(f"SELECT question_id, -ts_rank_cd(document, {query}) AS rank FROM question_search "
                 f"WHERE document @@ ({query})")
            .bindparams(**{f"w{i}": word for i, word in enumerate(words)}))
