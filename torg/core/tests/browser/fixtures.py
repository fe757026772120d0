"""Playwright fixtures for browser journeys (sync API, headless Chromium).

The browser is Debian's ``/usr/bin/chromium`` when present, else ``$TORG_CHROMIUM``, else the
Chromium Playwright downloaded (``playwright install chromium``). Journeys run against
pytest-django's ``live_server``; screenshots land in ``var/screenshots/<name>.png``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from torg.core.tests.inflight import wait_until_idle

SYSTEM_CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOT_DIR = Path(settings.BASE_DIR) / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}


def chromium_executable() -> str | None:
    """The browser binary to drive; None means Playwright's own download."""
    if SYSTEM_CHROMIUM.exists():
        return str(SYSTEM_CHROMIUM)
    return os.environ.get("TORG_CHROMIUM") or None


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable(), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def live_url(django_db_setup: None, transactional_db: None, live_server: object) -> str:
    # django_db_setup must come before live_server: the session-wide server decides at start
    # whether to share the test thread's SQLite connection, which it must not (the test database
    # is a file, see torg/settings_test.py), and it would if it saw the ":memory:" name.
    return str(live_server.url).rstrip("/")  # type: ignore[attr-defined]


def _page(browser: Browser, request: pytest.FixtureRequest, **options: object) -> Iterator[Page]:
    # A journey's live server (and its database) must outlive its pages: set up first, it is
    # torn down last, so the database is emptied only after the page is closed and the server
    # has answered what the page had sent (a TRUNCATE racing such a request can deadlock).
    if "live_url" in request.fixturenames:
        request.getfixturevalue("live_url")
    context = browser.new_context(locale="en-GB", color_scheme="light", **options)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    wait_until_idle()
    # A script error (a CSP violation that breaks htmx, say) fails the journey that caused it.
    assert errors == []


@pytest.fixture
def desktop_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from _page(browser, request, viewport=DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    yield from _page(
        browser, request, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


@pytest.fixture(params=["desktop", "phone"])
def any_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """The same journey at 1280 px and at 375 px; ``any_page.torg_width`` names which."""
    for page in _page(browser, request, **_width_options(request.param)):
        page.torg_width = request.param  # type: ignore[attr-defined]
        yield page


@pytest.fixture
def second_page(browser: Browser, request: pytest.FixtureRequest, any_page: Page) -> Iterator[Page]:
    """A second browser (its own cookies: another person) at the same width as ``any_page``."""
    yield from _page(browser, request, **_width_options(any_page.torg_width))  # type: ignore[attr-defined]


def _width_options(width: str) -> dict[str, object]:
    if width == "desktop":
        return {"viewport": DESKTOP}
    return {"viewport": PHONE, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}


def sign_in(page: Page, live_url: str, email: str, password: str) -> None:
    """Sign in through the real login form and wait for the page it leads to."""
    page.goto(f"{live_url}/login/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.locator("form:not(.language-switch) button[type=submit]").click()


def sign_in_at(page: Page, url: str, email: str, password: str) -> None:
    """Open a page signed out, sign in on the login page it leads to, land back on it.

    (Signing in without ``next`` would lead to the home page, which some journeys avoid.)
    """
    page.goto(url)
    expect(page).to_have_url(re.compile(r"/login/\?next="))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.locator("form:not(.language-switch) button[type=submit]").click()
    expect(page).to_have_url(url)


def assert_fits(page: Page) -> None:
    """No horizontal scrollbar: nothing sticks out sideways, at 375 px least of all."""
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]  # type: ignore[index]


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a PNG to var/screenshots/<name>.png (open it and look)."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


# JavaScript returning a list of accessibility offenders on the current page: images without
# alt, form controls without an accessible name (label, aria-label or aria-labelledby).
A11Y_OFFENDERS_JS = """
() => {
  const offenders = [];
  for (const img of document.querySelectorAll("img:not([alt])")) {
    offenders.push("img without alt: " + img.outerHTML.slice(0, 120));
  }
  const controls = document.querySelectorAll(
    "input:not([type=hidden]):not([type=submit]):not([type=button]), select, textarea"
  );
  for (const el of controls) {
    const labelled = (el.labels && el.labels.length > 0)
      || (el.getAttribute("aria-label") || "").trim() !== ""
      || (el.getAttribute("aria-labelledby") || "").trim() !== "";
    if (!labelled) offenders.push("unlabelled control: " + el.outerHTML.slice(0, 120));
  }
  for (const b of document.querySelectorAll("button, a[href]")) {
    // innerText is empty for controls inside a closed <details>; their content still names them.
    const name = (b.innerText || b.textContent || b.getAttribute("aria-label") || b.title || "")
      .trim();
    const img = b.querySelector("img[alt]:not([alt=''])");
    if (!name && !img) offenders.push("nameless control: " + b.outerHTML.slice(0, 120));
  }
  return offenders;
}
"""


def a11y_offenders(page: Page) -> list[str]:
    return list(page.evaluate(A11Y_OFFENDERS_JS))
