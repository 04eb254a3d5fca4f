"""Phones and accessibility in chromium: every page of the learner's loop at 390 px wide, in light and dark mode
(prefers-color-scheme), with axe-core (the axe-playwright-python package's copy): no page scrolls sideways and
no serious or critical axe violation; on a touch screen no key hints show."""
from __future__ import annotations

import pytest

from tests.browser.test_study_in_chromium import (SCREENSHOTS, browser, inbox, sign_up,  # noqa: F401
                                                  live_server)

SHOTS = {"FEEDBACK": "feedback-answers", "/browse?q=pod": "card-browser", "CARD": "card-history",
         "/packs/fixture-pack/outline": "pack-outline", "/account": "account"}

pytestmark = pytest.mark.browser

PAGES = ["/", "/packs/fixture-pack/study", "FEEDBACK", "NEXT", "/packs/fixture-pack/outline", "/browse", "/browse?q=pod",
         "CARD", "/stats", "/account", "/account/password", "/account/delete"]
ANONYMOUS = ["/login", "/signup", "/password/forgot"]


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_fits_a_phone_and_passes_axe(live_server, inbox, browser, scheme):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    for path in ANONYMOUS:
        page.goto(live_server + path)
        problems += [f"{path}: {v}" for v in serious_violations(page)]
        if page.evaluate("document.documentElement.scrollWidth") > 390:
            problems.append(f"{path}: scrolls sideways")
    sign_up(page, live_server, inbox, "phone@example.org")
    for path in PAGES:
        if path == "FEEDBACK":
            page.goto(live_server + "/packs/fixture-pack/study")
            if page.locator("a[data-enter]").count():
                page.locator("a[data-enter]").click()
            page.locator("form.answer button").first.click()
            page.wait_for_selector("section.feedback")
        elif path == "NEXT":  # the next question, shown in place of the feedback by study.js
            page.locator("a.next").click()
            page.wait_for_selector("form.answer")
        elif path == "CARD":
            page.goto(live_server + "/browse")
            page.locator("table.cards a").first.click()
            page.wait_for_selector("text=History")
        else:
            page.goto(live_server + path)
        where = f"{path} ({scheme})"
        if path in SHOTS:  # phone-width screenshots for the README (QUIZAPP_SCREENSHOTS=docs/screenshots)
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / f"{SHOTS[path]}-{scheme}.png"), full_page=True)
        problems += [f"{where}: {v}" for v in serious_violations(page)]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            problems.append(f"{where}: {width} px wide, scrolls sideways")
    context.close()
    assert not problems, "\n".join(problems)


def test_no_key_hints_on_a_touch_screen(live_server, inbox, browser):  # noqa: F811
    phone = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = phone.new_page()
    sign_up(page, live_server, inbox, "phone@example.org")
    page.goto(live_server + "/packs/fixture-pack/study")
    assert page.locator(".key").count() > 0
    assert all(not key.is_visible() for key in page.locator(".key").all())
    phone.close()
    desk = browser.new_context(viewport={"width": 1000, "height": 800})
    page = desk.new_page()
    page.goto(live_server + "/login")
    sign_in = page.locator("text=Forgot your password?")
    assert sign_in.is_visible()
    desk.close()
