"""The question bank and the learners' study records, as typed SQLAlchemy 2 models.

Invariants live in the database: unique author-given ids per pack, one state per (learner, card),
foreign keys everywhere. Questions and cards are never deleted: retiring hides them from study and keeps
every learner's history.

One module per area: `base` (column types), `accounts`, `bank` (packs, topics, questions, cards),
`study` (states, answers, imports, lab edits), `instructor` (ownership, versions, drafts, classes). Every
name is re-exported here: import models from `quizapp.models`.
"""
from __future__ import annotations

from quizapp.models.base import UTCDateTime, new_content_stamp, utcnow
from quizapp.models.accounts import ROLES, ApiToken, RateLimitCounter, User
from quizapp.models.bank import (
    VISIBILITIES,
    Card,
    Pack,
    PackTranslation,
    Question,
    QuestionTranslation,
    Topic,
    TopicTranslation,
    _pack_of,
    _stamp_changed_packs,
)
from quizapp.models.study import CardState, LabEdit, PendingImport, ReviewLog
from quizapp.models.instructor import (
    DRAFT_STATUSES,
    VERSION_SOURCES,
    ClassMember,
    Classroom,
    ClassPack,
    PackDraft,
    PackOwner,
    PackVersion,
    PackVersionQuestion,
)

__all__ = [
    "DRAFT_STATUSES", "ROLES", "VERSION_SOURCES", "VISIBILITIES",
    "ApiToken", "Card", "CardState", "ClassMember", "ClassPack", "Classroom", "LabEdit", "Pack", "PackDraft",
    "PackOwner", "PackTranslation", "PackVersion", "PackVersionQuestion", "PendingImport", "Question", "QuestionTranslation",
    "RateLimitCounter", "ReviewLog", "Topic", "TopicTranslation", "UTCDateTime", "User",
    "new_content_stamp", "utcnow",
]

# Registered with the metadata (Alembic, the ORM) wherever the models are.
import quizapp.answer_totals  # noqa: E402,F401  (AnswerTotal, WrongAnswerTotal)
