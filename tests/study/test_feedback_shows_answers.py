"""Feedback names what the learner answered beside the key, for every type, marked in words (not colour alone)."""
from __future__ import annotations

import re

from tests.study.test_minimal_study import bank, card_id  # noqa: F401 - the fixture


def answer(client, data) -> str:
    response = client.post("/packs/demo/study", data=data)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def rows(page: str) -> list[str]:
    table = page[page.index('<table class="answers">'):page.index("</table>")]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in re.split(r"<tr[^>]*>", table)[2:]]


def test_cloze_marks_each_blank_with_the_learner_text(client, db, bank):  # noqa: F811
    page = answer(client, {"card": card_id(db, "flannel-default-network", "c1"), "seed": 1, "blank-0": "10.0.0.0/8"})
    assert "Not quite" in page
    assert rows(page) == ["1 10.0.0.0/8 10.244.0.0/16 ✘ wrong"]


def test_ordering_marks_every_position(client, db, bank):  # noqa: F811
    # items 0 and 1 swapped: positions 1 and 2 wrong, 3 and 4 right
    data = {"card": card_id(db, "nodeport-hop-order"), "seed": 1,
            "position-0": "2", "position-1": "1", "position-2": "3", "position-3": "4"}
    marks = [row.rsplit(" ", 2)[-2:] for row in rows(answer(client, data))]
    assert marks == [["✘", "wrong"], ["✘", "wrong"], ["✔", "right"], ["✔", "right"]]
    first = rows(answer(client, data))[0]
    assert first.startswith("1 nat PREROUTING") and "The packet arrives at the node" in first


def test_matching_names_the_wrong_pick(client, db, bank):  # noqa: F811
    from sqlalchemy import select

    from quizapp.models import Question
    data_ = db.session.scalar(select(Question.data).where(Question.slug == "port-declared-by"))
    options = [option["text"] for option in data_["right_options"]]
    right = [options.index(pair["right"]) for pair in data_["pairs"]]
    wrong_pick = right[1]  # containerPort answered with port's object
    data = {"card": card_id(db, "port-declared-by"), "seed": 1,
            **{f"match-{i}": str(right[i]) for i in range(4)}, "match-0": str(wrong_pick)}
    table = rows(answer(client, data))
    assert table[0].startswith("containerPort " + options[wrong_pick]) and table[0].endswith("✘ wrong")
    assert all(row.endswith("✔ right") for row in table[1:])


def test_short_truefalse_and_flashcard_show_what_was_answered(client, db, bank):  # noqa: F811
    page = answer(client, {"card": card_id(db, "docker-embedded-dns-address"), "seed": 1, "text": "8.8.8.8"})
    assert re.search(r"Your answer: <code>8\.8\.8\.8</code> <span class=\"mark bad\">✘ wrong", page)
    back = card_id(db, "what-is-pod-ip", "back")
    page = answer(client, {"card": back, "seed": 1, "knew": "yes"})
    assert "You said: <strong>I knew it</strong>" in page


def test_reversed_flashcard_heading_does_not_give_the_answer_away(client, db, bank):  # noqa: F811
    back = card_id(db, "what-is-pod-ip", "back")
    page = client.get(f"/packs/demo/study?card={back}&seed=1").get_data(as_text=True)
    heading = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert "Pod IP" not in heading and "Which term is this?" in heading
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)  # the browser's tab shows it too
    assert "Pod IP" not in title and "Which term is this?" in title
    front = card_id(db, "what-is-pod-ip", "front")
    assert "<h1>What is a Pod IP?</h1>" in client.get(f"/packs/demo/study?card={front}&seed=1").get_data(as_text=True)


def test_ordering_error_keeps_the_positions_and_speaks_plainly(client, db, bank):  # noqa: F811
    data = {"card": card_id(db, "nodeport-hop-order"), "seed": 1,
            "position-0": "1", "position-1": "1", "position-2": "3", "position-3": "4"}
    response = client.post("/packs/demo/study", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "two items have the same position" in page
    assert "(position)" not in page and "(choice)" not in page
    assert len(re.findall(r'<option value="(\d)" data-digit="\1" selected>', page)) == 4
