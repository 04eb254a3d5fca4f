"""Page weight of the study page, measured in a real browser (Debian's chromium through Playwright): requests and
bytes (headers + bodies as transferred) for a first visit and for a repeat visit (static files cached), and any
Content-Security-Policy violation the browser reports. Baseline in the same run: the login page, the smallest
page of the site. Targets: the study page under 50 KB and under 5 requests.

    .venv/bin/python bench/page_weight.py [--chromium /usr/bin/chromium]
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from soak import prepare_database, start  # noqa: E402

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def visit(page, url: str) -> tuple[int, int]:
    """Requests and bytes (headers + bodies) of one page load, until the network is idle. A file answered
    from the browser's cache still counts as a request, with no body bytes."""
    seen = []

    def finished(request) -> None:
        seen.append(request)

    page.on("requestfinished", finished)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("requestfinished", finished)
    total = count = 0
    for request in seen:
        sizes = request.sizes()
        count += 1
        total += max(0, sizes["responseHeadersSize"]) + max(0, sizes["responseBodySize"])
    return count, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--port", type=int, default=8803)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'weight.sqlite'}"
        (email, password, _token), = prepare_database(url, Path(folder) / "instance", 1)
        server = start(url, Path(folder) / "instance", args.port, 2)
        base = f"http://127.0.0.1:{args.port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS)
                context = browser.new_context()
                page = context.new_page()
                violations: list[str] = []
                page.on("console", lambda message: violations.append(message.text)
                        if "Content Security Policy" in message.text else None)
                login_requests, login_bytes = visit(page, base + "/login")
                page.fill("input[name=email]", email)
                page.fill("input[name=password]", password)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                context.clear_cookies()  # measure the study page on a cold cache in a fresh context
                fresh = browser.new_context()
                fresh_page = fresh.new_page()
                fresh_page.on("console", lambda message: violations.append(message.text)
                              if "Content Security Policy" in message.text else None)
                fresh_page.goto(base + "/login")
                fresh_page.fill("input[name=email]", email)
                fresh_page.fill("input[name=password]", password)
                fresh_page.click("button[type=submit]")
                fresh_page.wait_for_load_state("networkidle")
                pack = fresh_page.locator("a[href*='/study']").first.get_attribute("href")
                # A cold cache for the measured visit: a new context with the session cookie only.
                cookies = fresh.cookies()
                cold = browser.new_context()
                cold.add_cookies(cookies)
                cold_page = cold.new_page()
                cold_page.on("console", lambda message: violations.append(message.text)
                             if "Content Security Policy" in message.text else None)
                study_requests, study_bytes = visit(cold_page, base + pack)
                repeat_requests, repeat_bytes = visit(cold_page, base + pack)
                browser.close()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"login page (baseline):      {login_requests} requests, {login_bytes / 1024:.1f} KB")
    print(f"study page, first visit:    {study_requests} requests, {study_bytes / 1024:.1f} KB "
          f"(targets: < 5 requests, < 50 KB) {'OK' if study_requests < 5 and study_bytes < 50 * 1024 else 'MISSED'}")
    print(f"study page, repeat visit:   {repeat_requests} requests, {repeat_bytes / 1024:.1f} KB "
          f"(css, js, icon from the browser cache: immutable, hashed URLs)")
    print(f"ratio study / login page:   {study_bytes / login_bytes:.2f}x bytes, "
          f"{study_requests / login_requests:.2f}x requests")
    print(f"CSP violations reported by the browser: {len(violations)}")
    for text in violations[:5]:
        print("  " + text)


if __name__ == "__main__":
    main()
