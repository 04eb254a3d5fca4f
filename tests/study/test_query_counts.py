"""SQL statements per request of the study loop (next card -> answer -> feedback): a fixed number, the same
however many cards the pack has and however many answers the learner gave today, so an N+1 (a lazy load in
a loop, a query per card) fails here. Figures and what each statement is: docs/performance.md."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

STUDY_PAGE = 5  # user, pack (visibility), today's answers, card states, the card with question/topic/state
ANSWER = 5  # user, pack + card + question (visibility), idempotency key + card state, UPDATE state, INSERT log
FEEDBACK = 5  # user, the answer + newest id + its card, question, topic and pack (visibility), today's answers,
#              card states, and the next card with question/topic/state (the next question it carries,
#              <template id="next-question">)


@pytest.fixture
def statements(db):
    executed: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        executed.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    yield executed
    event.remove(db.engine, "before_cursor_execute", record)


def hidden(page: str) -> dict[str, str]:
    form = page[page.index('class="answer"'):]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form[:form.index("</form>")]))


def test_the_study_loop_runs_a_fixed_number_of_statements(app, bank, make_user, login, client, statements):
    make_user()
    login()

    def request(method: str, path: str, **kwargs):
        # Each request in its own app context, as on a server: a fresh database session, nothing loaded yet.
        with app.app_context():
            statements.clear()
            response = client.open(path, method=method, **kwargs)
            return response, len(statements)

    client.get("/packs/fixture-pack/study")  # the first page of the pack in this process reads its cards
    for round_ in range(6):  # several cards, each answered: the counts do not grow with today's answers
        page, count = request("GET", "/packs/fixture-pack/study")
        assert page.status_code == 200
        assert count <= STUDY_PAGE, (round_, statements)
        form = hidden(page.get_data(as_text=True))
        # Any answer will do (a wrong one is recorded too); every question type of the fixture pack gets one.
        form.update({"choice": "0", "choices": "0", "value": "true", "text": "x", "knew": "yes",
                     "blank-0": "x", "blank-1": "x", "position-0": "1", "position-1": "2", "position-2": "3",
                     "match-0": "0", "match-1": "1"})
        answered, count = request("POST", "/packs/fixture-pack/study", data=form)
        assert answered.status_code == 302, answered.get_data(as_text=True)[:300]
        assert count <= ANSWER, (round_, statements)
        feedback, count = request("GET", answered.headers["Location"])
        assert feedback.status_code == 200
        assert '<template id="next-question"' in feedback.get_data(as_text=True)  # the budget includes the next card
        assert count <= FEEDBACK, (round_, statements)
