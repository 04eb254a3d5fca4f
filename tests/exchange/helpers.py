"""Shared helpers for the exchange tests: packs to export, and a comparison of compiled questions."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from quizapp.content import compile_paths, compile_sources
from quizapp.content.compiler import PackSpec, QuestionSpec
from quizapp.exchange.base import html_to_text, sim_variant
from tests.conftest import FIXTURE_PACK
from tests.content.helpers import doc_examples

ROOT = Path(__file__).resolve().parents[2]

_shipped: PackSpec | None = None


def shipped_pack() -> PackSpec:
    global _shipped
    if _shipped is None:
        result = compile_paths([ROOT / "content"])
        assert result.ok, [str(p) for p in result.problems]
        _shipped = result.bank.packs["container-networking"]
    return _shipped


def compile_files(files: dict[str, str]) -> Any:
    result = compile_sources(sorted((name, text.encode()) for name, text in files.items()))
    assert result.ok, "\n".join(str(p) for p in result.problems) + "\n\n" + "\n".join(files.values())[:4000]
    return result.bank


def fixture_pack() -> PackSpec:
    return compile_files(FIXTURE_PACK).packs["fixture-pack"]


ESCAPES_PACK = """---
pack: escapes
pack_title: "Escapes {and} = ~ # :"
title: "Special characters: { } = ~ #"
sources: ["RFC 1: {braces} = ~ # :"]
---

## Braces {} and = ~ # : in a title {#escape-title}

type: single

Which one is `{x}`? Also = ~ # : and \\\\ here.

### Choices

- [x] `a = {b}` ~ #1: yes
- [ ] c -> d

### Explanation

Escapes { } = ~ # : survive.

## Escaped short answer {#escape-short}

type: short

Type `{=~#:}`.

### Answer

- {=~#:}
- a:b

### Explanation

Every special character.

## Escaped matching {#escape-matching}

type: matching

Match = and ~.

### Pairs

| Left {x} | Right # |
|---|---|
| a = b | c ~ d |
| e : f | g # h |
| i {j} | k } l |

### Explanation

Pairs with special characters.
"""


def docs_pack() -> PackSpec:
    """Every example of docs/authoring.md (one of each type, a sim question with variants)."""
    front = ("---\npack: docs\npack_title: Docs examples\ntitle: Examples\n"
             "sources: [https://kubernetes.io/docs/concepts/services-networking/]\n---\n\n")
    return compile_files({"examples.md": front + "\n\n".join(doc_examples()) + "\n"}).packs["docs"]


def norm(fragment: str) -> str:
    """Visible text, without quizapp's source line, for comparing HTML across formats."""
    text = html_to_text(re.sub(r'<p class="quizapp-source">.*?</p>', "", fragment or "", flags=re.DOTALL))
    return " ".join(text.replace("\u2026", "...").split())


def essentials(question: QuestionSpec) -> dict[str, Any]:
    """What a learner sees and is graded on, as plain text."""
    d = question.data
    base = {"type": question.qtype, "title": question.title, "prompt": norm(d.get("prompt_html", "")),
            "explanation": norm(d.get("explanation_html", ""))}
    if question.qtype in ("single", "multiple"):
        base["choices"] = [(c["text"], c["correct"]) for c in d["choices"]]
    elif question.qtype == "truefalse":
        base["answer"] = d["answer"]
    elif question.qtype == "short":
        base["answers"] = d["answers"]
    elif question.qtype == "ordering":
        base["items"] = [i["text"] for i in d["items"]]
    elif question.qtype == "matching":
        base["pairs"] = [(p["left"], p["right"]) for p in d["pairs"]]
    elif question.qtype == "flashcard":
        base["back"] = norm(d["back_html"])
        base["reversible"] = d["reversible"]
    elif question.qtype == "cloze":
        base["cards"] = {k: [b["answers"] for b in c["blanks"]] for k, c in d["cards"].items()}
    elif question.qtype == "sim":
        variant = sim_variant(d)
        base["prompt"] = norm(variant.prompt_html)
        base["explanation"] = norm(variant.explanation_html)
        base["answers"] = variant.accepted
    return base
