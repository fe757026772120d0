"""Journeys through the shell every page shares: sign in, home, language, keyboard, a11y."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def make_person(email: str = "kari@example.com", **fields: object) -> User:
    return User.objects.create_user(email, PASSWORD, name="Kari Nordmann", **fields)


def test_sign_in_shows_the_home_page(any_page: Page, live_url: str) -> None:
    make_person(job_title="Consultant")
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]

    page.goto(f"{live_url}/")
    expect(page).to_have_url(re.compile(r"/login/\?next=/$"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert a11y_offenders(page) == []
    screenshot(page, f"core-login-{width}")

    sign_in(page, live_url, "kari@example.com", PASSWORD)

    expect(page).to_have_url(f"{live_url}/")
    expect(page).to_have_title("Home · Torg")
    expect(page.get_by_role("heading", name="Welcome, Kari")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Main")
    expect(navigation.get_by_role("link", name="Home")).to_be_visible()
    expect(navigation.get_by_role("link", name="Groups")).to_be_visible()
    expect(navigation.get_by_role("link", name="People")).to_be_visible()
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    assert a11y_offenders(page) == []
    # Nothing may stick out sideways: a horizontal scrollbar on a phone is a layout bug.
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]  # type: ignore[index]
    screenshot(page, f"core-home-{width}")


def test_wrong_password_says_so_next_to_the_form(desktop_page: Page, live_url: str) -> None:
    make_person()
    sign_in(desktop_page, live_url, "kari@example.com", "not the password")

    expect(desktop_page).to_have_url(re.compile(r"/login/$"))
    expect(desktop_page.get_by_role("alert")).to_contain_text("correct e-mail address")


def test_language_switch_on_the_login_page_turns_the_ui_norwegian(
    any_page: Page, live_url: str
) -> None:
    page = any_page
    page.goto(f"{live_url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.get_by_label("Language").select_option("nb")
    with page.expect_navigation():
        page.get_by_role("button", name="Change").click()

    expect(page).to_have_url(f"{live_url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_label("Språk")).to_have_value("nb")
    expect(page.get_by_role("button", name="Bytt")).to_be_visible()
    screenshot(page, f"core-login-nb-{page.torg_width}")  # type: ignore[attr-defined]

    # The choice sticks for the next page too.
    page.goto(f"{live_url}/login/")
    expect(page.locator("html")).to_have_attribute("lang", "nb")


def test_a_person_who_chose_norwegian_gets_norwegian_navigation(
    any_page: Page, live_url: str
) -> None:
    make_person(language="nb")
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)

    expect(page.locator("html")).to_have_attribute("lang", "nb")
    navigation = page.get_by_role("navigation", name="Hovedmeny")
    expect(navigation.get_by_role("link", name="Hjem")).to_be_visible()
    expect(navigation.get_by_role("link", name="Grupper")).to_be_visible()
    expect(navigation.get_by_role("link", name="Personer")).to_be_visible()
    expect(page.get_by_role("heading", name="Velkommen, Kari")).to_be_visible()
    screenshot(page, f"core-home-nb-{page.torg_width}")  # type: ignore[attr-defined]


def test_tab_reaches_the_skip_link_first_and_it_moves_focus_to_main(
    desktop_page: Page, live_url: str
) -> None:
    make_person()
    page = desktop_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    screenshot(page, "core-skip-link-desktop", full_page=False)

    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_skip_link_works_on_the_login_page_too(desktop_page: Page, live_url: str) -> None:
    page = desktop_page
    page.goto(f"{live_url}/login/")
    # The e-mail field has autofocus; the only stop before it must be the skip link.
    expect(page.get_by_label("E-mail address")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_unknown_page_shows_the_friendly_not_found_page(any_page: Page, live_url: str) -> None:
    make_person()
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)

    response = page.goto(f"{live_url}/groups/no-such-group/")

    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to the home page")).to_be_visible()
    assert a11y_offenders(page) == []
    screenshot(page, f"core-404-{page.torg_width}")  # type: ignore[attr-defined]
