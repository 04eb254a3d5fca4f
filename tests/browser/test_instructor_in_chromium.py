"""End to end in Debian's chromium, with CSRF on: an instructor uploads a pack (a .zip of Markdown files), reads
the report, previews and answers a sim-checked question, publishes, publishes an edit (version 2), creates a
class, assigns the pack; learners join and study; the class page shows their progress and the gradebook CSV
downloads. Screenshots (pack page, preview with a trace, class page) go to $QUIZAPP_SCREENSHOTS when set
(`QUIZAPP_SCREENSHOTS=docs/screenshots` refreshes the docs'), else to a temporary folder."""
from __future__ import annotations

import csv
import io
import random
import threading
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import select

from tests.browser.test_study_in_chromium import SCREENSHOTS, browser  # noqa: F401  (the browser fixture)
from tests.conftest import make_app, migrate_to_head

ROOT = Path(__file__).resolve().parents[2]
TOPICS = ("nodeport.md", "cluster-ip.md", "service-ports.md", "sim-kubernetes-services.md")
PASSWORD = "correct horse battery"

pytestmark = pytest.mark.browser


def course_zip(edit: bool = False) -> bytes:
    """Four topics of the shipped content as an instructor's own pack (another pack id and title)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in TOPICS:
            text = (ROOT / "content" / name).read_text()
            text = text.replace("pack: container-networking", "pack: services-course", 1)
            text = text.replace("pack_title: Container networking", "pack_title: Kubernetes Services course", 1)
            if edit and name == "cluster-ip.md":
                text = text.replace("?", "? (revised)", 1)
            archive.writestr(f"services-course/{name}", text)
    return buffer.getvalue()


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[str, object]]:
    from werkzeug.serving import make_server

    from quizapp.auth.service import create_user
    from quizapp.extensions import db

    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    instance = tmp_path / "live-instance"
    migrate_to_head(url, instance)
    app = make_app(url, instance, TESTING=False, WTF_CSRF_ENABLED=True)
    with app.app_context():
        create_user(db.session, "ines@example.org", "Ines Moreau", PASSWORD, role="instructor")
        for email, name in (("lea@example.org", "Léa Martin"), ("bo@example.org", "Bo Chen"),
                            ("sam@example.org", "Sam Okafor"), ("ana@example.org", "Ana Ruiz")):
            create_user(db.session, email, name, PASSWORD)
        db.session.commit()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


def study(app, code: str) -> None:
    """Four learners join with the code and answer questions over a few days (right more often than not)."""
    from quizapp.checking import check_answer
    from quizapp.classes import service as classes
    from quizapp.extensions import db
    from quizapp.models import Card, Pack, Question, User, utcnow
    from quizapp.study import reviews

    rng = random.Random(5)
    with app.app_context():
        pack = db.session.scalar(select(Pack).where(Pack.slug == "services-course"))
        cards = db.session.scalars(select(Card).join(Question).where(Question.pack_id == pack.id,
                                                                     Question.retired_at.is_(None))
                                   .order_by(Card.id)).all()
        skill = {"lea@example.org": 0.9, "bo@example.org": 0.7, "sam@example.org": 0.5, "ana@example.org": 0.0}
        for email, p_right in skill.items():
            user = db.session.scalar(select(User).where(User.email == email))
            classes.join(db.session, user, code)
            count = {"lea@example.org": 40, "bo@example.org": 28, "sam@example.org": 15, "ana@example.org": 0}[email]
            start = utcnow() - timedelta(days=6)
            for i, card in enumerate(rng.sample(cards, count)):
                q = card.question
                right = rng.random() < p_right
                response = wrong_or_right(q, card.card_key, right, rng)
                result = check_answer(q.qtype, q.data, card.card_key, response, variant=3)
                reviews.record_answer(db.session, user, card, response, result, rng.randint(3000, 20000), 3,
                                      reviews.learner_scheduler(user, fuzz=False),
                                      now=start + timedelta(hours=3 * i))
        db.session.commit()
        db.session.remove()


def wrong_or_right(q, card_key, right, rng):
    from quizapp.checking import check_answer

    if not right:
        return _any(q, card_key, rng)
    if q.qtype == "flashcard":
        return {"knew": True}
    if q.qtype == "sim" and q.data["ask"] in ("endpoint", "name", "source_ip"):
        from quizapp.content.sim_type import variant_for

        accepted = variant_for(q.data, 3)["accepted"]
        return {"text": accepted[0] if isinstance(accepted, list) else accepted}
    return check_answer(q.qtype, q.data, card_key, _any(q, card_key), variant=3).expected


def _any(q, card_key, rng=None):
    """A plausible (usually wrong) response of the right shape."""
    pick = (rng or random.Random(0)).randrange
    data = q.data
    if q.qtype == "flashcard":
        return {"knew": False}
    if q.qtype == "cloze":
        return {"blanks": ["?" for _ in data["cards"][card_key]["blanks"]]}
    if q.qtype == "single":
        return {"choice": pick(len(data["choices"]))}
    if q.qtype == "multiple":
        return {"choices": [pick(len(data["choices"]))]}
    if q.qtype == "truefalse":
        return {"value": not data["answer"]}
    if q.qtype == "ordering":
        return {"order": list(reversed(range(len(data["items"]))))}
    if q.qtype == "matching":
        return {"matches": [0 for _ in data["pairs"]]}
    if q.qtype == "sim":
        if data["ask"] == "delivered":
            return {"value": False}
        if data["ask"] == "outcome":
            return {"outcome": "timeout"}
        return {"text": ["10.96.0.10:80", "10.244.1.5:80", "192.168.1.11"][pick(3)]}
    return {"text": ["ClusterIP", "30080", "8080"][pick(3)]}


def upload(page, base: str, data: bytes, name: str) -> None:
    page.goto(f"{base}/instructor/packs")
    page.set_input_files("input[type=file]", files=[{"name": name, "mimeType": "application/zip", "buffer": data}])
    page.click("section.upload button")
    page.wait_for_selector("section.report")


def test_instructor_from_files_to_a_class_in_chromium(live, browser):  # noqa: F811
    base, app = live
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/login")
    page.fill("input[name=email]", "ines@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button")  # the header holds a form too (the language switcher)
    page.click("text=Packs")

    upload(page, base, course_zip(), "services-course.zip")
    assert "no problems" in page.inner_text("section.report")
    page.click("text=Preview and try every question")
    page.wait_for_selector("ol.preview")
    sim_form = page.locator("form.preview-answer:has(input[name=text])").filter(
        has=page.locator("xpath=..//span[@class='qtype' and text()='sim']")).first
    assert sim_form.count() == 1
    sim_form.locator("input[name=text]").fill("10.244.1.5:8080")
    sim_form.locator("button").click()
    page.wait_for_selector(".trace-panel svg")
    page.screenshot(path=str(SCREENSHOTS / "instructor-preview-sim.png"), full_page=True)
    page.go_back()
    page.go_back()
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("table.versions")

    upload(page, base, course_zip(edit=True), "services-course.zip")
    assert "version 2" in page.inner_text("section.report")
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("table.versions")
    assert page.locator("table.versions tbody tr").count() == 2

    page.click("text=Classes")
    page.fill("input[name=name]", "Networking 101, spring")
    page.click("form[action$='/classes/'] button")
    page.wait_for_selector(".join-code.big")
    page.select_option("select[name=pack]", label=page.locator("select[name=pack] option").first.inner_text())
    page.click("form[action$='/packs'] button")
    page.wait_for_selector("ul.packs-assigned")
    code = page.inner_text(".join-code.big code").strip()

    page.goto(f"{base}/instructor/packs/services-course")
    page.screenshot(path=str(SCREENSHOTS / "instructor-pack.png"), full_page=True)

    study(app, code)
    page.goto(f"{base}/classes/")
    page.click("text=Networking 101, spring")
    page.wait_for_selector("table.class-progress.topics")
    assert page.locator("table.learners tbody tr").count() == 4
    assert "never" in page.inner_text("table.learners")  # Ana has not studied
    page.screenshot(path=str(SCREENSHOTS / "instructor-class.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("text=Download gradebook CSV")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert rows[1][0] == "Points Possible" and len(rows) == 6
