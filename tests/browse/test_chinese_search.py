"""Chinese search in the card browser, measured on the shipped bank: 20 queries drawn from the zh-CN questions,
each against a ground truth found by scanning the Chinese text itself (substring for Chinese, word start for a
Latin word). Recall must be 1.0; precision is measured too (a hit the scan of the Chinese text does not find must
match the card's two languages together: the index holds both, so `集群 IP` also finds a card whose Chinese
says 集群 and whose source's tag is node-ip)."""
from __future__ import annotations

import html
import re
import unicodedata
from pathlib import Path

import pytest
from sqlalchemy import select

from quizapp.browse import service
from quizapp.content import compile_paths
from quizapp.content.store import write_bank
from quizapp.models import Card, Question, QuestionTranslation

CONTENT = Path(__file__).resolve().parents[2] / "content"
# Nouns of the bank in one and several characters (1-char: the trigram tokenizer's blind spot), and a mixed query
QUERIES = ["集群 IP", "端口", "网络策略", "节点", "容器", "服务", "负载均衡", "转发", "地址", "命名空间", "防火墙", "规则",
           "端点", "网桥", "隧道", "源地址", "路由", "封装", "网", "包"]
INLINE = re.compile(r"</?(?:a|b|strong|em|i|code|kbd|span|mark|sub|sup|small)\b[^>]*>", re.IGNORECASE)
TAG = re.compile(r"<[^>]+>")


def shown_text(value) -> str:
    """Every string a learner reads in a translation (title and overlay), as displayed: inline markup joins, other
    tags separate; full-width forms folded (NFKC) and lower case, as a reader searching would expect."""
    parts: list[str] = []

    def walk(item):
        if isinstance(item, str):
            parts.append(html.unescape(TAG.sub(" ", INLINE.sub("", item))))
        elif isinstance(item, dict):
            for inner in item.values():
                walk(inner)
        elif isinstance(item, list):
            for inner in item:
                walk(inner)

    walk(value)
    return unicodedata.normalize("NFKC", " \n ".join(parts)).lower()


def scan_matches(text: str, query: str) -> bool:
    """The ground truth: each Chinese word a substring, each Latin word the start of a word."""
    for word in query.lower().split():
        if re.fullmatch(r"[a-z0-9]+", word):
            if not re.search(rf"(?<![a-z0-9]){word}", text):
                return False
        elif word not in text:
            return False
    return True


@pytest.fixture
def shipped(db):
    result = compile_paths([CONTENT])
    assert result.ok, [str(p) for p in result.problems[:5]]
    write_bank(db.session, result.bank)
    db.session.commit()
    return result.bank


def test_twenty_chinese_queries_find_every_card_the_scan_finds(db, shipped, make_user):
    learner = make_user(language="zh-CN")
    rows = db.session.execute(select(QuestionTranslation.question_id, QuestionTranslation.title,
                                     QuestionTranslation.overlay)
                              .where(QuestionTranslation.language == "zh-CN")).all()
    texts = {question_id: shown_text([title, overlay]) for question_id, title, overlay in rows}
    assert len(texts) > 400  # the whole bank is translated
    cards = {}
    for card_id, question_id in db.session.execute(select(Card.id, Card.question_id)
                                                   .where(Card.retired_at.is_(None))):
        cards.setdefault(question_id, set()).add(card_id)
    sources = {q.id: q for q in db.session.scalars(select(Question))}
    report = []
    for query in QUERIES:
        expected = {card for qid, text in texts.items() if scan_matches(text, query) for card in cards.get(qid, ())}
        found = set()
        page = 1
        while True:
            hits, total = service.browse(db.session, learner, service.Filters(q=query, page=page))
            found |= {hit.card_id for hit in hits}
            if page * service.PAGE >= total:
                break
            page += 1
        assert len(found) == total
        missed = expected - found
        extra = found - expected
        report.append((query, len(expected), len(found), len(missed), len(extra)))
        assert expected, f"{query}: the bank has no card with it (pick a query from the bank)"
        assert not missed, f"{query}: recall {1 - len(missed) / len(expected):.3f}, missed cards {sorted(missed)[:5]}"
        for card_id in extra:  # found with the source's words too (the index holds both languages of a card)
            question_id = next(qid for qid, ids in cards.items() if card_id in ids)
            source = sources[question_id]
            both = texts.get(question_id, "") + " \n " + shown_text([source.title, source.data, source.tags])
            assert scan_matches(both, query), (query, source.slug)
    print("\nquery, expected (scan), found, missed, found through the source text")
    for line in report:
        print(*line, sep="\t")
    assert sum(line[1] for line in report) > 1000


def test_one_and_two_character_queries_and_full_width_forms(db, shipped, make_user):
    learner = make_user()
    one, _ = service.browse(db.session, learner, service.Filters(q="包"))
    two, _ = service.browse(db.session, learner, service.Filters(q="端口"))
    assert one and two
    narrow = service.browse(db.session, learner, service.Filters(q="集群 IP"))[1]
    wide = service.browse(db.session, learner, service.Filters(q="集群　ＩＰ"))[1]  # ideographic space, full-width
    assert narrow == wide > 0
