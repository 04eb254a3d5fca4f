"""An `ask: command` sim question on the study page: the learner picks accepted or refused (no typing of Docker's
wording); the feedback shows the command and Docker's message verbatim, in either language."""
from __future__ import annotations

import pytest

from quizapp.content import compile_sources
from quizapp.content.store import write_bank
from tests.content.helpers import pack_file
from tests.study.test_minimal_study import card_id

WORDS = "conflicting options: port exposing and the container type network mode"
QUESTION = """## Expose on a joiner {#cmd-expose}

type: sim

Does Docker accept the second command?

### Scenario

```yaml
apiVersion: quizapp.io/v1
kind: DockerHost
metadata: {name: h1}
spec:
  ip: 192.168.1.50
  commands:
  - docker run -d --name app img
  - docker run -d --name side --network container:app --expose 9000 img
```

### Trace

```yaml
ask: command
expect: port exposing
```

### Explanation

Exposed ports belong to an endpoint.
"""


@pytest.fixture
def command_bank(db):
    result = compile_sources([("demo/cmd.md", pack_file("Commands", QUESTION))])
    assert result.ok, [str(p) for p in result.problems]
    write_bank(db.session, result.bank)
    db.session.commit()


def test_the_question_offers_the_two_verdicts_and_shows_the_command(client, db, command_bank):
    page = client.get(f"/packs/demo/study?card={card_id(db, 'cmd-expose')}&seed=1").get_data(as_text=True)
    assert 'name="verdict" value="accepted"' in page and 'name="verdict" value="refused"' in page
    assert "$ docker run -d --name side --network container:app --expose 9000 img" in page
    assert WORDS not in page  # the answer is not given away before answering


@pytest.mark.parametrize("verdict, right", [("refused", True), ("accepted", False)])
def test_feedback_grades_the_verdict_and_quotes_docker(client, db, command_bank, verdict, right):
    page = client.post("/packs/demo/study", data={"card": card_id(db, "cmd-expose"), "seed": 1,
                                                  "verdict": verdict}).get_data(as_text=True)
    assert ("Right" in page) is right and ("Not quite" in page) is not right
    assert "Docker's message (as the engine prints it):" in page and WORDS in page


def test_no_verdict_is_a_plain_message(client, db, command_bank):
    page = client.post("/packs/demo/study", data={"card": card_id(db, "cmd-expose"), "seed": 1}).get_data(as_text=True)
    assert "choose whether Docker accepts the command or refuses it" in page


def test_chinese_feedback_keeps_docker_s_words(client, db, command_bank):
    zh = client.post("/packs/demo/study", data={"card": card_id(db, "cmd-expose"), "seed": 1, "verdict": "refused"},
                     headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "Docker 的报错信息（引擎原样输出）：" in zh and WORDS in zh and "Docker 报错并拒绝它" in zh


def test_the_packet_lab_opens_the_scenario_with_docker_s_refusal_on_its_line(client, db, command_bank):
    from sqlalchemy import select

    from quizapp.models import Question

    question_id = db.session.scalar(select(Question.id).where(Question.slug == "cmd-expose"))
    response = client.get(f"/lab/q{question_id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert WORDS in page and "spec.commands[1]" in page
