"""Exchange formats: export a pack to Anki, Moodle (GIFT, XML) and Canvas (QTI 1.2); import GIFT and text2qti.

A pure library (no Flask, no database): exporters take a pack (`PackSpec` or `Pack`) and its questions and
return an `ExportedFile`; importers take text and return Markdown files in quizapp's format with a report of
what could not be carried over. `quizapp.exchange.cli` wires them to `quizapp pack export|import`.
"""
