"""Browser tests: the real app served on 127.0.0.1, driven by Debian's Chromium via Playwright.

Without Chromium the tests are skipped on a developer's machine; in CI (CI=true) a missing
browser is a failure. Screenshots of key screens land in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
import traceback
from pathlib import Path

import pytest
from flask import got_request_exception
from werkzeug.serving import make_server

from portal.extensions import db
from portal.seed.reference import seed_reference
from tests.conftest import current_totp

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Flags for a sandboxed machine without network: no background connections, no GPU.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run must install Debian's chromium")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import expect, sync_playwright

    # Assertions wait as long as actions do: under a full parallel test run on two cores a
    # boosted form post and its page can take longer than expect's 5 s default.
    expect.set_options(timeout=10_000)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    """The portal served by a real HTTP server in a background thread.

    Every exception a request raised is kept with its traceback (`errors`): the browser
    only sees a 500 page, so the fixture fails the test with the server's side of the story.
    """

    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.errors: list[str] = []

    def _keep(self, sender, exception, **extra):
        self.errors.append("".join(traceback.format_exception(exception)))

    def __enter__(self):
        got_request_exception.connect(self._keep, self.app)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)
        got_request_exception.disconnect(self._keep, self.app)


@pytest.fixture
def live_app(app_factory, tmp_path):
    # Batch PDFs go to the test's own folder, rendered by the app's local worker thread.
    app = app_factory(
        BASE_URL="http://127.0.0.1", STORAGE_DIR=str(tmp_path / "storage"), PRINT_RENDER_PROCESSES=0
    )
    with app.app_context():
        seed_reference()
        db.session.commit()
    return app


@pytest.fixture
def live_server(live_app):
    with LiveServer(live_app) as server:
        live_app.config["BASE_URL"] = server.url
        yield server
    if server.errors:
        pytest.fail("the live server raised:\n" + "\n".join(server.errors), pytrace=False)


def _new_page(browser, viewport, javascript: bool = True):
    context = browser.new_context(viewport=viewport, locale="id-ID", java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.scripts_enabled = javascript
    # Any CSP violation or script error is a defect of the page.
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    return context, page


@pytest.fixture
def phone(browser):
    context, page = _new_page(browser, PHONE)
    yield page
    context.close()


@pytest.fixture
def desktop(browser):
    context, page = _new_page(browser, DESKTOP)
    yield page
    context.close()


@pytest.fixture
def phone_without_js(browser):
    context, page = _new_page(browser, PHONE, javascript=False)
    yield page
    context.close()


def _drop_tool_styles(page) -> None:
    """axe-core and screenshots leave empty style="" attributes behind; htmx copies an
    element's old attributes onto its swapped-in twin, which CSP (style-src 'self') would
    then block: remove them so only the page's own doings are reported."""
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach(e => e.removeAttribute('style'))")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot for people to look at (named by journey and width)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width']}.png"
    page.screenshot(path=str(path), full_page=True)
    _drop_tool_styles(page)
    return path


def assert_accessible(page) -> None:
    """axe-core finds no serious or critical violation on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    if not page.scripts_enabled:
        _assert_accessible_without_scripts(page)
        return
    results = Axe().run(page)
    _drop_tool_styles(page)
    serious = [
        f"{v['id']}: {v['help']} ({len(v['nodes'])} nodes)"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert serious == [], "\n".join(serious)


def _assert_accessible_without_scripts(page) -> None:
    """axe-core is a script and cannot run where scripts are off: it checks a copy of the
    page as served at the same address, with what <noscript> shows made plain markup."""
    html = re.sub(r"</?noscript>", "", page.content())
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", html, flags=re.DOTALL)
    context = page.context.browser.new_context(viewport=page.viewport_size, locale="id-ID")
    try:
        copy = context.new_page()
        copy.route(page.url, lambda route: route.fulfill(body=html, content_type="text/html; charset=utf-8"))
        copy.goto(page.url)
        copy.scripts_enabled = True
        assert_accessible(copy)
    finally:
        context.close()


def assert_fits_width(page) -> None:
    """Nothing makes the page scroll sideways (tables scroll inside their own box)."""
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        culprits = page.evaluate(
            """() => [...document.querySelectorAll('body, body *')]
                .filter(e => e.scrollWidth > document.documentElement.clientWidth + 1
                        && !e.parentElement.closest('.table-scroll'))
                .slice(0, 8).map(e => e.tagName + '.' + e.className + ' ' + e.scrollWidth + '/' + Math.round(e.getBoundingClientRect().width))"""
        )
        raise AssertionError(f"page is {overflow}px wider than the screen: {culprits}")


def key_screen(page, name: str) -> None:
    """A screen people must be able to use: accessible, as wide as a phone, photographed.

    The same state is laid out at 360 px and at 1280 px (the viewport is resized, then put
    back), so every key screen has a phone and a desktop screenshot.
    """
    assert_accessible(page)
    shown = page.viewport_size
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        if viewport == PHONE:
            assert_fits_width(page)
        screenshot(page, name)
    page.set_viewport_size(shown)


def login(page, server: LiveServer, username: str, password: str, lands_on: str = "/beranda") -> None:
    """Sign in as a person would, typing the authenticator code when asked for one."""
    page.goto(server.url + "/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(lambda url: url.endswith((lands_on, "/masuk/kode")))
    if page.url.endswith("/masuk/kode"):
        page.get_by_label("Kode verifikasi").fill(current_totp(server.app, username))
        page.get_by_role("button", name="Verifikasi").click()
    page.wait_for_url(server.url + lands_on)


def open_menu(page):
    """The main menu, opened first when it is folded (on a phone): returns the navigation."""
    nav = page.get_by_role("navigation", name="Menu utama")
    menu = nav.locator("details.nav-menu")
    if not menu.evaluate("m => m.open"):
        nav.locator("summary").click()
    return nav


def nav_link(page, name: str):
    """A link of the main menu, the menu opened first when it is folded."""
    return open_menu(page).get_by_role("link", name=name, exact=True)
