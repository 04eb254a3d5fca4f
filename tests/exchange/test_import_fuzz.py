"""Every importer, fed random fragments of its own syntax (seeded, so a failure replays): a report or Markdown that
compiles, never an exception."""
from __future__ import annotations

import os
import random

import pytest

from quizapp.exchange import import_quiz
from tests.exchange.helpers import compile_files

PIECES = {
    "gift": ["::T::", "{", "}", "=a", "~b", "~%50%c", "#fb", "####gen", "->", "\\{", "\\}", "\\:", "{#", "3.1:0.5",
             "..", "{>3 ALL VERTICAL ALL_OR_NOTHING SHOW none\n", "// [id:x] [tag:y]\n", "// quizapp: id=q type=x\n",
             "$CATEGORY: $course$/top/A\n", "\n", "\n\n", "[html]<p>", "T", "FALSE", "text ", "%-100%", "=%"],
    "text2qti": ["1.  Question?\n", "*a) right\n", "b) wrong\n", "[*] yes\n", "[ ] no\n", "*   answer\n",
                 "=   1.5 +- 0.1\n", "= [1, 2]\n", "...  feedback\n", "+ good\n", "- bad\n", "____\n", "^^^^\n",
                 "Title: T\n", "Points: 2\n", "Quiz title: Q\n", "GROUP\npick: 1\n", "END_GROUP\n", "\n", "  ", "`x`"],
}


@pytest.mark.parametrize("fmt", list(PIECES))
@pytest.mark.parametrize("seed", range(int(os.environ.get("FUZZ_SEEDS", "150"))))  # more: FUZZ_SEEDS=5000
def test_importers_never_crash_on_malformed_input(fmt, seed):
    rng = random.Random(seed)
    text = "".join(rng.choice(PIECES[fmt]) for _ in range(rng.randint(0, 50)))
    result = import_quiz(text, fmt, "fuzz")
    assert all(note.line >= 0 and note.message for note in result.notes)
    if result.files:
        compile_files(result.files)
