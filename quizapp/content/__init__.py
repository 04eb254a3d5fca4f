"""Content: the Markdown format, its compiler (pure) and the writer that stores a bank."""
from quizapp.content.compiler import Bank, CompileResult, QuestionSpec, compile_paths, compile_sources
from quizapp.content.problems import Problem

__all__ = ["Bank", "CompileResult", "Problem", "QuestionSpec", "compile_paths", "compile_sources"]
