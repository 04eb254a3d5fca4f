"""Full-text search over questions: SQLite FTS5 on the default database, PostgreSQL full-text search on PG.

One document per question: title (weighted most), body (prompt, choices, back, answers, items, pairs,
explanation: the HTML's text) and tags, in the pack's language and in every translation (so a learner finds a
card by the words it shows them, `集群`, and by the source's). The text goes through quizapp.browse.segment
first: Chinese is indexed as overlapping bigrams, which neither database's tokenizer does by itself. The index is refreshed per pack when the pack's `content_stamp` (renewed
on every content change, quizapp.models) differs from the one recorded in `search_stamps`: a check of one
small row per pack before a search, a rebuild of that pack's documents only after its content changed.
"""
from __future__ import annotations

import html
import re
from typing import Any, Iterable

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from quizapp.browse import segment
from quizapp.browse.models import SearchStamp
from quizapp.models import Pack, Question, QuestionTranslation

TAG = re.compile(r"<[^>]+>")
# inline markup does not separate words (`集<code>群</code>` reads 集群); every other tag does
INLINE_TAG = re.compile(r"</?(?:a|b|strong|em|i|code|kbd|span|mark|sub|sup|small)\b[^>]*>", re.IGNORECASE)
SKIPPED_KEYS = {"variants", "trace", "scenario", "params", "content_hash"}  # sim internals: not what a card says


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
    return " ".join(html.unescape(TAG.sub(" ", INLINE_TAG.sub("", markup))).split())


def document(question: Question, translations: Iterable[tuple[str, dict]] = ()) -> tuple[str, str, str]:
    """(title, body, tags) of a question as the learner reads it, in every language it has; `translations`:
    (title, overlay) pairs."""
    titles, bodies = [question.title], [question.data or {}]
    for title, overlay in translations:
        titles.append(title)
        bodies.append(overlay or {})
    body = " ".join(plain(part) for part in _strings(bodies) if part.strip())
    return " ".join(titles), body, " ".join(question.tags or [])


def indexed(question: Question, translations: Iterable[tuple[str, dict]] = ()) -> tuple[str, str, str]:
    """document(), segmented for the tokenizer (quizapp.browse.segment)."""
    return tuple(segment.index_text(part) for part in document(question, translations))  # type: ignore[return-value]


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _index_pack(session: Session, pack_id: int) -> int:
    questions = session.execute(select(Question.id, Question.title, Question.data, Question.tags)
                                .where(Question.pack_id == pack_id)).all()
    ids = [row.id for row in questions]
    translated: dict[int, list[tuple[str, dict]]] = {}
    for question_id, title, overlay in session.execute(
            select(QuestionTranslation.question_id, QuestionTranslation.title, QuestionTranslation.overlay)
            .join(Question, Question.id == QuestionTranslation.question_id).where(Question.pack_id == pack_id)
            .order_by(QuestionTranslation.question_id, QuestionTranslation.language)):
        translated.setdefault(question_id, []).append((title, overlay))
    postgres = is_postgres(session)
    table_key = "question_id" if postgres else "rowid"
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        session.execute(text(f"DELETE FROM question_search WHERE {table_key} IN ({','.join(map(str, chunk))})"))
    rows = []
    for row in questions:
        title, body, tags = indexed(Question(title=row.title, data=row.data, tags=row.tags),
                                    translated.get(row.id, ()))
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
    for pack_id, stamp, built in stale:
        if built == stamp and built is not None:
            continue
        count = _index_pack(session, pack_id)
        session.execute(delete(SearchStamp).where(SearchStamp.pack_id == pack_id))
        session.add(SearchStamp(pack_id=pack_id, content_stamp=stamp, questions=count))
        changed += 1
    if changed:
        session.flush()
    return changed


def matches(session: Session, query: str):
    """A selectable of (question_id, rank) for the questions matching every term of `query` (Latin words as
    prefixes: `kube` finds kube-proxy; Chinese as substrings: `群网` finds 集群网络), best first when ordered by
    rank; None when the query has no terms."""
    words = segment.terms(query)
    if not words:
        return None
    if is_postgres(session):
        parts = segment.tsquery_parts(words)
        tsquery = " && ".join(sql for sql, _value in parts)
        # ts_rank_cd is larger for better matches; negated so that ascending order is best first (as bm25)
        return (text(f"SELECT question_id, -ts_rank_cd(document, {tsquery}) AS rank FROM question_search "
                     f"WHERE document @@ ({tsquery})")
                .bindparams(**{f"w{i}": value for i, (_sql, value) in enumerate(parts)}))
    return (text("SELECT rowid AS question_id, bm25(question_search, 10.0, 1.0, 4.0) AS rank "
                 "FROM question_search WHERE question_search MATCH :match")
            .bindparams(match=segment.fts5_match(words)))
