"""Shared helpers for the production tests."""
from __future__ import annotations

from sqlalchemy import select

from quizapp.models import Card, Question, User


def single_choice_card(db) -> Card:
    """The fixture pack's single-choice card (right answer: choice 1)."""
    return db.session.scalar(select(Card).join(Question).where(Question.slug == "default-service-type"))


def answer_form(card: Card, right: bool = True, **extra) -> dict:
    return {"card": card.id, "seed": 1, "choice": 1 if right else 0, **extra}


def set_role(db, email: str, role: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    user.role = role
    db.session.commit()
    return user
