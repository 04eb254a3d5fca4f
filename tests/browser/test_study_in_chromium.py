"""End to end in a real browser: Playwright drives Debian's chromium against a real server on 127.0.0.1.

Sign up, study ten questions with the keyboard only (right and wrong), change a rating, undo, look at the stats,
download the export. Saves screenshots of the study page, the feedback and the stats (and phone-width views) to
$QUIZAPP_SCREENSHOTS when set (`QUIZAPP_SCREENSHOTS=docs/screenshots` refreshes the README's), else to a
temporary folder, so a test run leaves the working tree alone.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import make_app, migrate_to_head, write_fixture_pack
from tests.mailbox import Mailbox
from tests.requirements import require

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(os.environ.get("QUIZAPP_SCREENSHOTS") or tempfile.mkdtemp(prefix="quizapp-screens-"))

pytestmark = pytest.mark.browser


@contextmanager
def serve(tmp_path: Path, sources: dict[str, str] | None = None, inbox: Mailbox | None = None) -> Iterator[str]:
    """The app served for real by werkzeug in a thread, on a fresh migrated SQLite file with a pack written from
    `sources` (the fixture pack by default); its mail goes to `inbox` when given (else to the log)."""
    from werkzeug.serving import make_server

    from quizapp.extensions import db

    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    instance = tmp_path / "live-instance"
    migrate_to_head(url, instance)
    app = make_app(url, instance, TESTING=False, WTF_CSRF_ENABLED=True, **(inbox.config() if inbox else {}))
    with app.app_context():
        write_fixture_pack(db.session, sources)
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def inbox() -> Iterator[Mailbox]:
    """The live server's SMTP server (a real one, in this process): sign-up links arrive here."""
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def live_server(tmp_path: Path, inbox: Mailbox) -> Iterator[str]:
    with serve(tmp_path, inbox=inbox) as url:
        yield url


def confirm_and_log_in(page, inbox: Mailbox, email: str, password: str) -> None:
    """After the sign-up form ("check your e-mail"): open the link of the mail, as the person would, and log in
    on the page it leads to."""
    page.wait_for_selector("h1 >> text=/Check your e-mail|请查收邮件/")
    page.goto(inbox.link(email, "/signup/confirm/"))
    page.wait_for_selector("input[name=password]")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.locator("form button[type=submit]").last.click()


def sign_up(page, base: str, inbox: Mailbox, email: str) -> None:
    """Sign up with the form's fields, confirm the address from the mail and log in: the dashboard greets."""
    page.goto(base + "/signup")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "a long passphrase")
    page.fill("input[name=confirm]", "a long passphrase")
    page.click("form button[type=submit]")
    confirm_and_log_in(page, inbox, email, "a long passphrase")
    page.wait_for_selector("text=Hello")


@pytest.fixture
def browser():
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()


def focused(page) -> str:
    return page.evaluate("(() => { const e = document.activeElement; "
                         "return e.tagName + (e.name ? '[' + e.name + ']' : '') + (e.value && e.tagName === 'BUTTON' ? '=' + e.value : ''); })()")


def answer_with_keyboard(page, right: bool) -> str:
    """Answer the question on screen with the keyboard only (never Tab); returns its type."""
    qtype = page.locator(".card-prompt .qtype").get_attribute("data-qtype")
    title = page.locator(".card-prompt h1").inner_text()
    keyboard = page.keyboard
    if qtype == "flashcard":
        keyboard.press("Enter")  # show the answer
        page.wait_for_selector("button[name=knew]")
        assert focused(page) == "BUTTON[knew]=yes"  # Enter now means "I knew it"
        assert page.locator("button[name=knew][value=no] .key").inner_text() == "1"  # a visible key for "I didn't"
        keyboard.press("Enter" if right else "1")
    elif qtype == "cloze":
        blank = page.locator("input[name=blank-0]")
        key = "/24" if page.locator(".cloze-blank").first.inner_text().strip() == "[prefix length]" else "10.244.0.0/16"
        keyboard.type(key if right else "no idea")
        assert blank.evaluate("el => el === document.activeElement")
        keyboard.press("Enter")
    elif qtype in ("single", "multiple"):
        wanted = {"single": {"1"}, "multiple": {"0", "1"}}[qtype] if right else {"single": {"0"}, "multiple": {"2"}}[qtype]
        for box in page.locator("input[data-key]").all():
            if box.get_attribute("value") in wanted:
                keyboard.press(box.get_attribute("data-key"))
        keyboard.press("Enter")
    elif qtype == "truefalse":
        keyboard.press("2" if right else "1")  # the statement in the fixture pack is false
        keyboard.press("Enter")
    elif qtype in ("ordering", "matching"):
        selects = page.locator("form.answer select")
        count = selects.count()
        for row in range(count):
            name = page.evaluate("document.activeElement.name")
            assert name == selects.nth(row).get_attribute("name")  # the digit moved focus down a row
            index = int(name.rsplit("-", 1)[1])
            if qtype == "ordering":
                digit = index + 1 if right else count - index
            else:  # the right options are Pod (1) and Service (2)
                digit = (index if right else 1 - index) + 1
            keyboard.press(str(digit))
            assert selects.nth(row).input_value() == str(digit if qtype == "ordering" else digit - 1)
        assert focused(page) == "BUTTON"  # after the last row: the Check button
        # arrows: up to the last row, right steps its value and left steps it back, Enter checks from inside
        keyboard.press("ArrowUp")
        last = selects.nth(count - 1)
        assert page.evaluate("document.activeElement.name") == last.get_attribute("name")
        before = last.input_value()
        keyboard.press("ArrowLeft")
        assert last.input_value() != before
        keyboard.press("ArrowRight")
        assert last.input_value() == before
        keyboard.press("Enter")
    elif qtype == "short":
        keyboard.type("127.0.0.11" if right else "8.8.8.8")
        keyboard.press("Enter")
    else:  # pragma: no cover
        raise AssertionError(f"unexpected question type {qtype} ({title})")
    page.wait_for_selector("section.feedback")
    return qtype


def document_requests(page) -> list[str]:
    """The URLs of the documents `page` requests from now on (navigations, reloads, form posts)."""
    documents: list[str] = []
    page.on("request", lambda request: documents.append(request.method + " " + request.url)
            if request.resource_type == "document" else None)
    return documents


def test_sign_up_study_with_the_keyboard_undo_stats_export(live_server, inbox, browser, tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1000, "height": 900}, accept_downloads=True,
                                  timezone_id="Europe/Berlin")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    documents = document_requests(page)

    # sign up (the browser's time zone is filled in by study.js)
    page.goto(live_server + "/signup")
    page.keyboard.type("learner@example.org")  # the email field has autofocus
    page.keyboard.press("Tab")
    page.keyboard.type("Lee")
    page.keyboard.press("Tab")
    page.keyboard.type("a long passphrase")
    page.keyboard.press("Tab")
    page.keyboard.type("a long passphrase")
    page.keyboard.press("Enter")
    confirm_and_log_in(page, inbox, "learner@example.org", "a long passphrase")
    page.wait_for_selector("text=Hello, Lee")
    assert page.locator(".mastery").is_visible()
    page.locator("a.pack").first.click()

    # ten answers, right and wrong, keyboard only
    answered = []
    shot_study = shot_feedback = False
    for number in range(10):
        page.wait_for_selector("form.answer")
        assert page.locator("script:not([src])").count() == 0  # ready for a strict CSP
        qtype = page.locator(".card-prompt .qtype").get_attribute("data-qtype")
        if not shot_study and qtype == "single":
            page.screenshot(path=str(SCREENSHOTS / "study.png"), full_page=True)
            shot_study = True
        right = number % 3 != 2
        answered.append(answer_with_keyboard(page, right))
        heading = page.locator("section.feedback h2").inner_text()
        assert heading == ("Right" if right else "Not quite"), (qtype, heading)
        current = page.locator(".rate.current").inner_text()
        # fast answers (milliseconds here) are Good, never Easy: time does not rate
        assert ("Good" if right else "Again") in current, (qtype, current)
        assert page.locator(".expected .mark, .expected .yours, .expected em").count() >= 1  # your answer shown
        if number == 4:  # change the rating with the keyboard: 4 = Easy, then 2 = Hard
            page.keyboard.press("4")
            page.wait_for_selector(".rate-easy.current")
            page.keyboard.press("2")
            page.wait_for_selector(".rate-hard.current")
        if not shot_feedback and qtype in ("single", "multiple") and not right:
            page.screenshot(path=str(SCREENSHOTS / "feedback.png"), full_page=True)
            shot_feedback = True
        if number == 6:  # undo with `u`: the same card comes back; answer it again, right
            undone_title = page.locator(".card-prompt h1").inner_text()
            page.keyboard.press("u")
            page.wait_for_selector("text=Answer undone")
            assert page.locator(".card-prompt h1").inner_text() == undone_title
            answer_with_keyboard(page, True)
        # next question: Enter or Space, wherever focus is (on the Next link, or nowhere after a click in the text)
        if number % 2:
            page.locator("section.explanation h2").click()
            assert focused(page) == "BODY"
        # ... shows the question the feedback page carries, without a request: the URL becomes the study page's
        url, loaded = page.url, len(documents)
        title = page.locator("#next-question").get_attribute("data-title")
        page.keyboard.press(" " if number % 3 == 1 else "Enter")
        page.wait_for_function("url => location.href !== url", arg=url)
        page.wait_for_selector("form.answer")
        assert len(documents) == loaded, documents[loaded:]
        assert page.url == live_server + "/packs/fixture-pack/study" and page.title() == title
        assert page.evaluate("document.body.dataset.page") == "question"
        assert page.locator("section.feedback, #next-question").count() == 0
    assert len(set(answered)) >= 6, answered
    page.wait_for_selector("form.answer, section.done")

    # phone width: the study page and feedback still fit
    phone = context.new_page()
    phone.set_viewport_size({"width": 390, "height": 844})
    phone.goto(live_server + "/packs/fixture-pack/study")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENSHOTS / "study-phone.png"), full_page=True)

    # stats
    page.goto(live_server + "/stats")
    assert page.locator("svg.chart").count() == 4
    tiles = page.locator(".tiles dd").first.inner_text()
    assert tiles == "10"
    page.screenshot(path=str(SCREENSHOTS / "stats.png"), full_page=True)
    phone.goto(live_server + "/stats")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.goto(live_server + "/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # export download
    page.goto(live_server + "/account")
    with page.expect_download() as download_info:
        page.locator("a", has_text=re.compile("^JSON$")).click()
    download = download_info.value
    document = json.loads(Path(download.path()).read_text())
    assert download.suggested_filename == "quizapp-progress.json"
    assert document["format"] == "quizapp-progress" and len(document["reviews"]) == 10
    assert document["learner"]["settings"]["timezone"] == "Europe/Berlin"
    assert sum(1 for review in document["reviews"] if not review["correct"]) >= 2
    assert any(review["rating"] != review["suggested_rating"] for review in document["reviews"])
    assert not errors, errors
    context.close()


def test_the_next_question_without_a_request_back_refresh_and_its_timer(live_server, inbox, browser):
    """Next on the feedback page shows the question it carries: no request; Back shows the feedback page again (a
    GET of its URL), Refresh shows the study page (a GET); the response time starts when the question is shown."""
    context = browser.new_context(viewport={"width": 1000, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_up(page, live_server, inbox, "next@example.org")
    study = live_server + "/packs/fixture-pack/study"
    page.goto(study)
    answer_with_keyboard(page, True)
    feedback = page.url
    documents = document_requests(page)

    carried = page.locator("#next-question").evaluate("t => t.content.querySelector('input[name=card]').value")
    page.wait_for_timeout(1500)  # time spent on the feedback is not time spent on the next question
    page.locator("a.next").click()
    page.wait_for_selector("form.answer")
    assert documents == [] and page.url == study
    assert page.locator("form.answer input[name=card]").input_value() == carried
    assert page.locator(".language-switch input[name=next]").input_value() == "/packs/fixture-pack/study"
    focus = page.evaluate("document.activeElement.matches('[autofocus], .card-prompt h1')")
    assert focus, page.evaluate("document.activeElement.outerHTML")  # the first field, or the question's heading

    page.go_back()  # to the feedback's URL: loaded again (a GET)
    page.wait_for_selector("section.feedback")
    assert page.url == feedback and documents == ["GET " + feedback]
    assert page.evaluate("document.body.dataset.page") == "feedback"
    assert page.locator("#next-question").count() == 1  # offered again (a fresh key)

    page.keyboard.press("Enter")
    page.wait_for_selector("form.answer")
    assert page.url == study and len(documents) == 1
    page.reload()  # the study page, from the server: the same card (nothing was answered since)
    page.wait_for_selector("form.answer")
    assert documents[1:] == ["GET " + study]
    assert page.locator("form.answer input[name=card]").input_value() == carried
    assert page.evaluate("document.body.dataset.page") == "question"

    # back to the feedback (this document may come from the back/forward cache, still showing the question: it
    # loads the feedback page), and answer its next question: the time is the question's, not the feedback's
    page.go_back()
    page.wait_for_selector("section.feedback")
    assert page.url == feedback and documents[2:] == ["GET " + feedback]
    page.wait_for_timeout(1500)
    page.keyboard.press("Enter")
    page.wait_for_selector("form.answer")
    answer_with_keyboard(page, True)
    seconds = float(re.search(r"answered in ([0-9.]+) s", page.locator(".ratings .hint").inner_text()).group(1))
    assert seconds < 1.5, seconds
    assert not errors, errors
    context.close()
