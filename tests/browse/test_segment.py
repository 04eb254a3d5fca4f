"""The search index's text for Chinese and English (pure functions: no database)."""
from __future__ import annotations

from quizapp.browse.segment import Term, fts5_match, index_text, terms, tsquery_parts


def test_cjk_runs_become_overlapping_bigrams_and_their_last_character():
    assert index_text("集群网络").split() == ["集群", "群网", "网络", "络"]
    assert index_text("端").split() == ["端"]
    # glued Latin words stand apart; CJK punctuation separates; full-width forms fold to ASCII, lower case
    assert index_text("ClusterIP类型、ＩＰ：８０。").split() == ["clusterip", "类型", "型", "ip:80"]


def test_every_substring_of_a_run_is_a_consecutive_token_sequence():
    tokens = index_text("网络策略规则").split()
    run = "网络策略规则"
    for start in range(len(run)):
        for end in range(start + 2, len(run) + 1):
            grams = Term(run[start:end], True).grams
            assert any(tokens[i:i + len(grams)] == grams for i in range(len(tokens))), run[start:end]
        assert any(token.startswith(run[start]) for token in tokens)  # one character: a prefix of some token


def test_query_terms_and_their_match_syntax():
    words = terms('集群 IP "kube-proxy" 网')
    assert words == [Term("集群", True), Term("ip", False), Term("kube-proxy", False), Term("网", True)]
    assert fts5_match(words) == '"集群" "ip"* "kube-proxy"* "网"*'
    assert fts5_match(terms("网络策略")) == '"网络 络策 策略"'
    assert fts5_match(terms('"); DROP TABLE cards; --')) == '"drop"* "table"* "cards"*'
    sql = [part for part, _value in tsquery_parts(terms("网络策略 node 网 kube-proxy"))]
    assert sql[0].startswith("phraseto_tsquery") and "':*'" in sql[1] and "':*'" in sql[2]
    assert sql[3].startswith("plainto_tsquery")
    assert terms("") == [] and len(terms("a " * 20)) == 8
