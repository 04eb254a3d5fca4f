"""Near-duplicate questions: two questions whose prompt and answer text are nearly the same.

One fact, one question: a learner who meets the same question twice under two ids studies it twice and skews
the statistics. Similarity is the Jaccard index of word 3-shingles over what the learner reads: the prompt (code
blocks included, since a scenario is often what tells two questions apart) and the choices, answers, pairs or
order items. Pure: questions in, pairs out.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Iterable

from quizapp.content.compiler import QuestionSpec
from quizapp.words import render, say

SHINGLE_WORDS = 3
# Rewording a question by hand lands well below this; a copied question with a changed number or two is above it.
NEAR_DUPLICATE_THRESHOLD = 0.6

_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[a-z0-9][a-z0-9._:/-]*")


@dataclass(frozen=True)
class NearDuplicate:
    first: QuestionSpec
    second: QuestionSpec
    similarity: float

    def message(self, language: str | None = None) -> str:
        """`path:line: warning: ...` in `language` (English when None)."""
        said = say("warning: question '{slug}' is {similarity:.0%} similar to '{other}' ({path}:{line}); merge them "
                   "(keep one id, remove the other: it is retired) or make them ask different facts",
                   slug=self.second.slug, similarity=self.similarity, other=self.first.slug,
                   path=self.first.source_path, line=self.first.source_line)
        return f"{self.second.source_path}:{self.second.source_line}: {render(said, language, 'compiler')}"


def learner_text(question: QuestionSpec) -> str:
    """Everything the learner reads before answering, plus the key, as plain lower-case text."""
    data = question.data
    parts = [_plain(data.get("prompt_html")), _plain(data.get("back_html"))]
    parts += [choice.get("text") or _plain(choice.get("html")) for choice in data.get("choices") or []]
    parts += [str(answer) for answer in data.get("answers") or []]
    parts += [_plain(item.get("html")) for item in data.get("items") or []]
    parts += [f"{_plain(p.get('left_html'))} {_plain(p.get('right_html'))}" for p in data.get("pairs") or []]
    if question.qtype == "sim":
        parts.append(f"{data.get('ask', '')} {data.get('to', '')}")
    return " ".join(part for part in parts if part).lower()


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset({tuple(words)}) if words else frozenset()
    return frozenset(tuple(words[i:i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset[Any], b: frozenset[Any]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def near_duplicates(questions: Iterable[QuestionSpec],
                    threshold: float = NEAR_DUPLICATE_THRESHOLD) -> list[NearDuplicate]:
    """Pairs of questions at or above `threshold`, most similar first (in file order within a score)."""
    items = [(q, shingles(learner_text(q))) for q in questions]
    found = []
    for (a, sa), (b, sb) in combinations(items, 2):
        # The Jaccard index cannot reach the threshold when one set is much smaller than the other.
        if not sa or not sb or min(len(sa), len(sb)) < threshold * max(len(sa), len(sb)):
            continue
        score = jaccard(sa, sb)
        if score >= threshold:
            found.append(NearDuplicate(a, b, score))
    return sorted(found, key=lambda d: -d.similarity)


def _plain(fragment: Any) -> str:
    if not fragment:
        return ""
    return html.unescape(_TAG.sub(" ", str(fragment)))
