"""Every page a learner and an instructor can reach, at 390 px wide in light and dark mode, in Debian's chromium
with axe-core: no page scrolls sideways, no serious or critical axe violation, the header stays one row (its
links behind a Menu button that opens them).

The pages beyond the study loop's walk (tests/browser/test_phone_and_accessibility.py): the instructor's pack
list, a draft's validation report with problems and without, its preview, a published pack and its version,
classes (an instructor's class page, a learner's list after joining), the packet lab (gallery, a scenario, a
traced packet, the edit page), the progress import and its preview, a concept's custom study, the reset confirmation,
the reset-password page with a bad link, and the 404 page."""
from __future__ import annotations

import io
import zipfile

import pytest

from tests.browser.test_instructor_in_chromium import PASSWORD, course_zip, live, upload  # noqa: F401 - fixture
from tests.browser.test_phone_and_accessibility import serious_violations
from tests.browser.test_study_in_chromium import browser  # noqa: F401 - the fixture

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
# the innermost elements sticking out past the right edge (what to fix when a page scrolls sideways)
WIDEST = """() => [...document.querySelectorAll('main *')].filter(el => el.getBoundingClientRect().right > innerWidth
    && ![...el.children].some(child => child.getBoundingClientRect().right > innerWidth))
    .slice(0, 3).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : '') + ' '
    + Math.round(el.getBoundingClientRect().right) + 'px: ' + (el.textContent || '').slice(0, 40))"""


def broken_zip() -> bytes:
    """A pack whose one question has no correct choice: the validation report lists the problem."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("broken/ports.md", "---\npack: broken-course\npack_title: Broken course\ntitle: Ports\n"
                         "language: en\n---\n\n## Which port? {#which-port}\n\ntype: single\n\nPick one.\n\n"
                         "- [ ] 80\n- [ ] 443\n\n### Explanation\n\nNone is marked.\n")
    return buffer.getvalue()


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button")
    page.wait_for_selector("header.site form.logout", state="attached")


def add_lab_content(app) -> None:
    from pathlib import Path

    from quizapp.content import compile_sources
    from quizapp.content.store import write_bank
    from quizapp.extensions import db
    from tests.lab.helpers import write_sim_pack

    lab_file = Path(__file__).resolve().parents[2] / "content" / "lab-make-it-work.md"
    with app.app_context():
        write_sim_pack(db.session)
        write_bank(db.session, compile_sources([(str(lab_file), lab_file.read_bytes())]).bank)
        db.session.commit()
        db.session.remove()


def instructor_pages(page, base: str) -> list[str]:
    """Upload a pack, preview, publish; upload a broken one; create a class and assign the pack: their URLs."""
    log_in(page, base, "ines@example.org")
    pages = ["/instructor/packs"]
    upload(page, base, course_zip(), "services-course.zip")
    pages.append(page.url.removeprefix(base))  # the draft: a report with no problems
    page.click("text=Preview and try every question")
    page.wait_for_selector("ol.preview")
    pages.append(page.url.removeprefix(base))
    page.go_back()
    page.click("form[action$='/publish'] button")
    page.wait_for_selector("table.versions")
    pages += [page.url.removeprefix(base), "/instructor/packs/services-course/versions/1"]
    upload(page, base, broken_zip(), "broken.zip")
    assert page.locator("pre.problems").count() == 1
    pages.append(page.url.removeprefix(base))  # the draft: the validation report lists problems
    page.goto(f"{base}/classes/")
    page.fill("input[name=name]", "Networking 101")
    page.click("form[action$='/classes/'] button")
    page.wait_for_selector(".join-code.big")
    option = page.locator("select[name=pack] option", has_text="(services-course,").get_attribute("value")
    page.select_option("select[name=pack]", value=option)
    page.click("form[action$='/packs'] button")
    page.wait_for_selector("ul.packs-assigned")
    pages += ["/classes/", page.url.removeprefix(base)]
    return pages


def learner_pages(page, base: str, code: str) -> list[str]:
    log_in(page, base, "lea@example.org")
    page.goto(f"{base}/classes/")
    page.fill("form[action$='/join'] input[name=code]", code)
    page.click("form[action$='/join'] button")
    page.wait_for_selector("text=Networking 101")
    pages = ["/", "/classes/", "/packs/services-course/study", "/packs/services-course/outline",
             "/study/concept/cluster-ip", "/lab"]
    page.goto(f"{base}/lab")
    page.locator("ul.lab-gallery a").first.click()
    page.wait_for_selector("svg.scenario")
    scenario = page.url.removeprefix(base)
    page.locator("form.trace-form button").first.click()  # a traced packet: the trace drawing, the CLI text, a permalink
    page.wait_for_selector("p.permalink")
    pages += [scenario, page.url.removeprefix(base), scenario + "/edit"]
    page.goto(f"{base}/browse")
    page.locator("table.cards a").first.click()
    page.wait_for_selector("text=History")
    pages.append(page.url.removeprefix(base) + "/reset")
    exported = page.request.get(f"{base}/export/progress.json").body()
    page.goto(f"{base}/export/import")
    page.set_input_files("input[type=file]", files=[{"name": "progress.json", "mimeType": "application/json",
                                                      "buffer": exported}])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    pages += ["/export/import", page.url.removeprefix(base)]
    return pages


def check(page, base: str, paths: list[str], where: str) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(base + path)
        label = f"{path} ({where})"
        if response.status >= 500:
            problems.append(f"{label}: HTTP {response.status}")
        problems += [f"{label}: {v}" for v in serious_violations(page)]
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{label}: {width} px wide, scrolls sideways: {page.evaluate(WIDEST)}")
        header = page.locator("header.site").bounding_box()
        if header["height"] > 64:
            problems.append(f"{label}: the header is {header['height']:.0f} px high (wraps)")
    return problems


def test_every_learner_and_instructor_page_fits_a_phone_and_passes_axe(live, browser):  # noqa: F811
    base, app = live
    add_lab_content(app)
    setup = browser.new_context(viewport={"width": 1280, "height": 900})
    teacher = setup.new_page()
    teaching = instructor_pages(teacher, base)
    code = teacher.inner_text(".join-code.big code").strip()
    student = browser.new_context(viewport={"width": 1280, "height": 900})
    studying = learner_pages(student.new_page(), base, code)
    assert any("/instructor/drafts/" in path for path in teaching) and any("/export/import/" in p for p in studying)
    anonymous = ["/login", "/signup", "/password/forgot", "/password/reset/not-a-valid-token", "/lab",
                 "/no-such-page"]
    problems: list[str] = []
    for scheme in ("light", "dark"):
        for who, paths, state in (("anonymous", anonymous, None), ("instructor", teaching, setup),
                                  ("learner", studying, student)):
            context = browser.new_context(viewport=PHONE, color_scheme=scheme,
                                          storage_state=state.storage_state() if state else None)
            problems += check(context.new_page(), base, paths, f"{who}, {scheme}")
            context.close()
    setup.close()
    student.close()
    assert not problems, "\n".join(problems)


def test_the_phone_header_is_one_row_with_a_menu_that_opens(live, browser):  # noqa: F811
    base, _app = live
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, base, "ines@example.org")
    toggle = page.locator("button.menu-toggle")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("header.site nav a", has_text="Packs").is_visible()
    assert page.locator("header.site").bounding_box()["height"] <= 64
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    for name in ("Dashboard", "Cards", "Stats", "Lab", "Classes", "Packs", "Account"):
        assert page.locator("header.site nav a", has_text=name).is_visible(), name
    assert page.locator("header.site nav button", has_text="Log out").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Enter")
    assert not page.locator("header.site nav a", has_text="Packs").is_visible()
    context.close()
    wide = browser.new_context(viewport={"width": 1280, "height": 900})
    page = wide.new_page()
    log_in(page, base, "ines@example.org")
    assert not page.locator("button.menu-toggle").is_visible()
    assert page.locator("header.site nav a", has_text="Packs").is_visible()
    wide.close()


def test_the_validation_report_is_readable_in_both_modes(live, browser):  # noqa: F811
    """WCAG AA: the report's problem text against its own background, computed from the rendered colours."""
    base, _app = live
    for scheme in ("light", "dark"):
        context = browser.new_context(viewport=PHONE, color_scheme=scheme)
        page = context.new_page()
        log_in(page, base, "ines@example.org")
        upload(page, base, broken_zip(), "broken.zip")
        ratio = page.evaluate("""() => {
            const el = document.querySelector('pre.problems'), style = getComputedStyle(el);
            const rgb = s => s.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
            const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92
                : Math.pow((v + 0.055) / 1.055, 2.4); }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
            const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
            return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""")
        assert ratio >= 4.5, (scheme, ratio)
        context.close()
