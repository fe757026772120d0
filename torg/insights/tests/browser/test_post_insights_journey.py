# ruff: noqa: F811  (the scene fixture comes from test_post_insights)
"""Journey: a post's author opens its insights from the post's menu and downloads a CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.insights.tests.conftest import PASSWORD
from torg.insights.tests.test_post_insights import Scene, scene  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_author_opens_post_insights_from_the_post_menu(
    scene: Scene, live_url: str, any_page: Page
) -> None:
    w = scene.world
    page = any_page
    page.set_default_navigation_timeout(30_000)  # the first sign-in renders cold templates
    sign_in(page, live_url, w.ada.email, PASSWORD)
    page.goto(f"{live_url}/posts/{w.sales_post.pk}/")
    card = page.locator(f"#post-{w.sales_post.pk}")
    card.get_by_label("Post actions").first.click()
    card.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Post insights", exact=True)).to_be_visible()
    expect(page.locator("#stat-seen")).to_have_text("5")
    expect(page.locator("#stat-reach")).to_have_text("71 %")
    expect(page.locator("#stat-negative")).to_have_text("43 %")
    expect(page.locator("#stat-acknowledged")).to_have_text("33 %")
    expect(page.locator("#seen-names li")).to_have_count(5)
    expect(page.locator(".insights-bars progress")).to_have_count(6)  # one bar per kind
    expect(page.locator('#table-reactions tr[data-kind="like"] td').nth(1)).to_have_text("2")
    expect(page.locator('[data-stat="completion"]')).to_have_text("67 %")
    # Nothing wider than the screen at 375 px (tables scroll inside their own box).
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-post-{page.torg_width}")  # type: ignore[attr-defined]
    with page.expect_download() as info:
        page.get_by_role("link", name="Download “Reactions by type” as CSV").click()
    download: Any = info.value
    assert Path(download.path()).read_text(encoding="utf-8").splitlines()[1] == "like,2,0.5"


def test_communications_follows_a_ranked_post_to_its_insights(
    scene: Scene, live_url: str, any_page: Page
) -> None:
    from torg.insights.rollup import do_roll_up_recent_days

    do_roll_up_recent_days(days=1)
    w = scene.world
    page = any_page
    page.set_default_navigation_timeout(30_000)  # the first sign-in renders cold templates
    sign_in(page, live_url, w.cora.email, PASSWORD)
    page.goto(f"{live_url}/insights/network/?period=7")
    table = page.locator("#table-engaging_posts")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.locator("#table-frustrating_posts tbody tr")).to_have_count(1)
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-network-posts-{page.torg_width}")  # type: ignore[attr-defined]
    table.get_by_role("link", name=f"Insights for post {w.sales_post.pk}").click()
    expect(page.locator("#stat-seen")).to_have_text("5")
    expect(page.locator("#seen-names")).to_have_count(0)  # no names for communications
