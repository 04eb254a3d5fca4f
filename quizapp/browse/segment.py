"""Text as the search index sees it, for English and Chinese alike (pure: no database, no Flask).

Neither SQLite's FTS5 `unicode61` tokenizer nor PostgreSQL's `simple` parser segments Chinese: both read a run
of Han characters (often with the Latin word glued to it, `ClusterIP类型`) as one long token, so a search for a
word inside the run finds nothing. Chinese has no spaces to split on, and a dictionary segmenter (jieba and the
like) misses words it does not know -- exactly the technical terms this bank is about. So the index holds
**overlapping bigrams** of every CJK run (the approach of Lucene's CJKAnalyzer), plus the run's last character
alone, and the query side turns a CJK word into the phrase of its bigrams:

    document "集群网络"   ->  tokens  集群 群网 网络 络
    query    "群网络"     ->  phrase  "群网 网络"   (consecutive tokens: exactly the substring)
    query    "网"         ->  prefix  网*           (every character starts a token: the bigram or the last one)

A CJK query of any length (1, 2 or more characters) therefore matches exactly the documents that contain it as
a substring of one CJK run -- recall 1.0 by construction (tests/browse/test_chinese_search.py measures it on the
shipped bank). Latin words are left to the database's tokenizer as before (prefix matches: `kube` finds
kube-proxy). The same functions serve SQLite and PostgreSQL; only the query syntax differs.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Han (CJK unified ideographs, extension A, compatibility ideographs), kana and Hangul syllables
CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_QUERY = re.compile(rf"([{CJK_CHARS}]+)|((?:(?![{CJK_CHARS}])\w)(?:(?![{CJK_CHARS}])[\w.:/-])*)")
MAX_TERMS = 8
MAX_CJK = 32  # characters of one CJK term (a phrase of 31 bigrams at most)


def normalize(value: str) -> str:
    """NFKC (full-width letters, digits and punctuation become their ASCII forms: `ＩＰ：８０` -> `IP:80`),
    lower case."""
    return unicodedata.normalize("NFKC", value).lower()


def _bigrams(run: str) -> str:
    if len(run) == 1:
        return run
    return " ".join([run[i:i + 2] for i in range(len(run) - 1)] + [run[-1]])


def _is_separator(char: str) -> bool:
    return not char.isascii() and unicodedata.category(char)[0] in "PSZC"


def index_text(value: str) -> str:
    """`value` ready for the tokenizer: normalized, CJK runs replaced by their bigrams (and last character),
    standing apart from the Latin words around them; non-ASCII punctuation (、。「」) becomes a space."""
    value = "".join(" " if _is_separator(char) else char for char in normalize(value))
    return CJK_RUN.sub(lambda m: f" {_bigrams(m.group())} ", value)


@dataclass(frozen=True)
class Term:
    text: str
    cjk: bool

    @property
    def grams(self) -> list[str]:
        """A CJK term's bigrams (one character alone when it has one)."""
        if len(self.text) == 1:
            return [self.text]
        return [self.text[i:i + 2] for i in range(len(self.text) - 1)]


def terms(query: str) -> list[Term]:
    """The query's words: Latin words (prefixes) and CJK runs (substrings); punctuation only separates."""
    found = []
    for cjk, word in _QUERY.findall(normalize(query)):
        found.append(Term(cjk[:MAX_CJK], True) if cjk else Term(word, False))
    return found[:MAX_TERMS]


def fts5_match(words: list[Term]) -> str:
    """An FTS5 MATCH expression: every term must match (implicit AND); quoted, so any text is safe."""
    def quoted(value: str) -> str:
        return '"' + value.replace('"', '""') + '"'

    parts = []
    for term in words:
        if not term.cjk:
            parts.append(quoted(term.text) + "*")
        elif len(term.text) == 1:
            parts.append(quoted(term.text) + "*")
        else:
            parts.append(quoted(" ".join(term.grams)))
    return " ".join(parts)


def tsquery_parts(words: list[Term]) -> list[tuple[str, str]]:
    """(SQL, value) per term for PostgreSQL: to_tsquery on a bound value, a phrase (<->) of bigrams for CJK."""
    parts = []
    for i, term in enumerate(words):
        if term.cjk and len(term.text) > 1:
            parts.append((f"phraseto_tsquery('simple', :w{i})", " ".join(term.grams)))
        elif term.cjk or re.fullmatch(r"[a-z0-9]+", term.text):
            parts.append((f"to_tsquery('simple', quote_literal(:w{i}) || ':*')", term.text))
        else:
            parts.append((f"plainto_tsquery('simple', :w{i})", term.text))
    return parts
