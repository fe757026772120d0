"""Journey: type in the header search box, pick a suggestion with the keyboard, search, filter,
and see highlighted results (desktop and 375 px)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.actions import do_create_account
from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.groups.actions import do_add_member, do_create_group
from torg.posts.actions import do_create_post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_search_from_the_header(any_page: Page, live_url: str) -> None:
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    me = do_create_account(email="mia@example.com", name="Mia Moe", password=PASSWORD)
    ingrid = do_create_account(
        email="ingrid@example.com", name="Ingrid Bjørnstad", password=PASSWORD
    )
    group = do_create_group(actor=ingrid, name="Prosjekt Vest")
    secret = do_create_group(actor=ingrid, name="Styret", privacy="secret")
    do_add_member(group=group, user=me)
    do_create_post(author=ingrid, group=group, body="Vi har tre nye prosjekter i Bergen i år.")
    do_create_post(author=ingrid, group=group, body="Prosjektet i Oslo er ferdig. <b>Takk!</b>")
    do_create_post(author=ingrid, group=secret, body="Hemmelige prosjekter")

    sign_in(page, live_url, "mia@example.com", PASSWORD)
    box = page.get_by_role("combobox", name="Search Torg")
    box.fill("ingr")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox.get_by_role("option")).to_have_count(1)
    expect(listbox.get_by_role("option").first).to_contain_text("Ingrid Bjørnstad")
    expect(box).to_have_attribute("aria-expanded", "true")
    screenshot(page, f"search-suggestions-{width}", full_page=False)
    box.press("ArrowDown")
    expect(listbox.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        box.press("Enter")
    expect(page).to_have_url(f"{live_url}/people/{ingrid.pk}/")

    # A search for a stemmed Norwegian word finds both posts, not the secret group's.
    box = page.get_by_role("combobox", name="Search Torg")
    box.fill("prosjekt")
    with page.expect_navigation():
        box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=prosjekt"))
    results = page.locator("#search-results")
    posts = results.locator(".search-hit-post")
    expect(posts).to_have_count(2)
    expect(results.locator("mark").first).to_be_visible()
    expect(results).not_to_contain_text("Hemmelige")
    expect(results).to_contain_text("<b>Takk!</b>")  # markup shown as text, never run
    expect(results.get_by_role("heading", name=re.compile("Groups"))).to_be_visible()
    assert a11y_offenders(page) == []

    # Filters: only posts, newest first; the results update in place.
    page.locator("summary", has_text="Filters and order").click()
    page.get_by_label("Type").select_option("post")
    expect(page).to_have_url(re.compile(r"type=post"))
    expect(results.get_by_role("heading", name=re.compile("Groups"))).to_have_count(0)
    page.get_by_label("Order").select_option("date")
    expect(page).to_have_url(re.compile(r"order=date"))
    expect(posts.first).to_contain_text("Oslo")
    expect(posts.first.locator("mark")).to_have_text("Prosjektet")
    assert page.evaluate("document.documentElement.scrollWidth") == page.viewport_size["width"]  # type: ignore[index]
    screenshot(page, f"search-results-{width}")
