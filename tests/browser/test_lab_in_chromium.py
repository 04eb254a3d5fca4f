"""The packet lab end to end in Debian's chromium: open a scenario, trace, edit a Service, see the error line of
a broken edit, fix it, compare the two traces, solve a lab question. No JavaScript is needed for any of it.

Screenshots go to $QUIZAPP_SCREENSHOTS when set (`QUIZAPP_SCREENSHOTS=docs/screenshots` refreshes the README's),
else to a temporary folder. Prints what the lab page weighs (requests and bytes).
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from tests.browser.test_study_in_chromium import SCREENSHOTS, browser  # noqa: F401 - the fixture
from tests.conftest import make_app, migrate_to_head
from tests.lab.helpers import SCENARIO, write_sim_pack

pytestmark = pytest.mark.browser
LAB_FILE = Path(__file__).resolve().parents[2] / "content" / "lab-make-it-work.md"


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[tuple[str, int, int]]:
    """The app over real HTTP on a migrated SQLite file holding a sim pack and the shipped lab questions."""
    from werkzeug.serving import make_server

    from quizapp.auth.service import create_user
    from quizapp.content import compile_sources
    from quizapp.content.store import write_bank
    from quizapp.extensions import db
    from quizapp.models import Card, Question

    url = f"sqlite:///{tmp_path / 'lab.sqlite'}"
    instance = tmp_path / "lab-instance"
    migrate_to_head(url, instance)
    app = make_app(url, instance, TESTING=False, WTF_CSRF_ENABLED=True)
    with app.app_context():
        question = write_sim_pack(db.session)
        result = compile_sources([(str(LAB_FILE), LAB_FILE.read_bytes())])
        write_bank(db.session, result.bank)
        create_user(db.session, "lab@example.org", "Lab", "a long passphrase")
        db.session.commit()
        lab = db.session.scalar(select(Question).where(Question.slug == "lab-service-targetport"))
        card_id = db.session.scalar(select(Card.id).where(Card.question_id == lab.id))
        question_id = question.id
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", question_id, card_id
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def test_trace_edit_compare_and_solve_in_chromium(lab_server, browser):  # noqa: F811
    base, question_id, card_id = lab_server
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    weight: dict[str, int] = {}

    # log in, open the gallery and a scenario
    page.goto(base + "/login")
    page.fill("input[name=email]", "lab@example.org")
    page.fill("input[name=password]", "a long passphrase")
    page.locator("form button").last.click()
    page.goto(base + "/lab")
    assert page.locator("text=Simulator examples").is_visible()
    page.locator(f"a[href='/lab/q{question_id}']").click()
    assert page.locator("svg.scenario").is_visible()
    assert page.locator("svg.scenario text", has_text="pod web-1").count() == 1

    # trace (the question's own trace is offered), with the page weight measured on this load
    def weigh(response) -> None:
        weight[response.url] = len(response.body())

    page.on("response", weigh)
    page.locator("form.trace-form button").click()
    page.wait_for_selector(".trace-result")
    assert "Delivered to pod/web-1" in page.locator(".verdict").inner_text()
    assert page.locator(".trace-result svg.trace").first.is_visible()
    assert page.locator("pre.cli").inner_text().startswith("trace external -> 192.168.1.11:30080 (seed 0)")
    permalink = page.locator(".permalink a").get_attribute("href")
    page.screenshot(path=str(SCREENSHOTS / "lab-trace.png"), full_page=True)
    page.remove_listener("response", weigh)
    print(f"\nlab page weight: {len(weight)} requests, {sum(weight.values()) / 1024:.1f} KB "
          + ", ".join(f"{url.rsplit('/', 1)[-1].split('?')[0] or 'page'} {size / 1024:.1f} KB"
                      for url, size in weight.items()))
    assert sum(weight.values()) < 200 * 1024

    # the permalink reproduces it
    page.goto(base + permalink)
    assert "Delivered to pod/web-1" in page.locator(".verdict").inner_text()

    # edit a copy: a broken Service shows its line
    page.locator("a", has_text="Edit a copy").click()
    textarea = page.locator("textarea[name=scenario]")
    broken = SCENARIO.replace("nodePort: 30080", "nodePort: 80")
    textarea.fill(broken)
    page.locator("button[value=trace]").click()
    page.wait_for_selector(".problems")
    line = broken.splitlines().index("  ports: [{port: 80, targetPort: 8080, nodePort: 80}]") + 1
    assert page.locator(f"a[href='#line-{line}']").is_visible()
    assert page.locator(f"tr#line-{line}.bad").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "lab-error.png"), full_page=True)

    # fix it differently: the Service now targets a port nobody listens on; compare the traces
    textarea = page.locator("textarea[name=scenario]")
    textarea.fill(SCENARIO.replace("targetPort: 8080", "targetPort: 9090"))
    page.locator("button[value=trace]").click()
    page.wait_for_selector(".side-by-side")
    assert page.locator(".problems").count() == 0
    assert page.locator(".side-by-side svg.trace .differs").count() >= 1
    assert page.locator("pre.diff .add").inner_text().strip().endswith("targetPort: 9090, nodePort: 30080}]")
    page.screenshot(path=str(SCREENSHOTS / "lab-compare.png"), full_page=True)

    # solve a lab question on the study page
    page.goto(base + f"/packs/packet-lab/study?card={card_id}&seed=1")
    textarea = page.locator("textarea[name=scenario]")
    textarea.fill(textarea.input_value().replace("targetPort: 80,", "targetPort: 8080,"))
    page.screenshot(path=str(SCREENSHOTS / "lab-question.png"), full_page=True)
    page.locator("form.answer button.check").click()
    page.wait_for_selector("section.feedback")
    assert page.locator("section.feedback h2").first.inner_text().strip() == "Right"
    assert page.locator("table.lab-goals tr.correct").count() == 1
    page.screenshot(path=str(SCREENSHOTS / "lab-solved.png"), full_page=True)
    assert not errors, errors
    context.close()
