"""Journey: communications open Topics and People from the network dashboard, read the Q&A
figures and chart, download a CSV; a group admin opens their group's People tab."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.insights.tests import test_topics
from torg.insights.tests.conftest import PASSWORD
from torg.insights.tests.test_topics import Scene

scene = test_topics.scene  # the seeded scenario, shared with test_topics.py

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_communications_read_topics_and_people(scene: Scene, live_url: str, any_page: Page) -> None:
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    sign_in(page, live_url, scene.world.cora.email, PASSWORD)
    page.goto(f"{live_url}/insights/network/?period=7")
    page.get_by_role("link", name="Topics and questions").click()
    expect(
        page.get_by_role("heading", name="Topics and questions in the whole network")
    ).to_be_visible()
    expect(page.get_by_role("link", name="Topics and questions")).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator("#stat-asked")).to_have_text("4")
    expect(page.locator("#stat-first-median")).to_have_text("0.5 h")
    expect(page.locator(".insights-chart[data-drawn=true]")).to_have_count(1)
    trending = page.locator("#table-trending")
    expect(trending.get_by_role("cell", name="#launch", exact=True)).to_be_visible()
    expect(page.get_by_text("#mergers")).to_have_count(0)
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-topics-{width}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download “Trending and growing topics” as CSV").click()
    download: Any = info.value
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["#launch,3,0,3.0,2,3,1.667,2,0.4", "#coffee,2,1,0.71,0,0,0.0,0,0.0"]

    page.locator(".insights-tabs").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People in the whole network")).to_be_visible()
    contributors = page.locator("#table-contributors")
    expect(contributors.locator("tbody tr")).to_have_count(4)
    expect(contributors.locator("tbody tr").first.locator("td").first).to_have_text("Ada")
    expect(page.locator("#stat-leaders")).to_have_text("0")
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-people-{width}")


def test_group_admin_reads_group_people(scene: Scene, live_url: str, any_page: Page) -> None:
    page = any_page
    sign_in(page, live_url, scene.world.ada.email, PASSWORD)
    page.goto(f"{live_url}/insights/groups/{scene.world.sales.slug}/?period=7")
    page.locator(".insights-tabs").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People in Sales")).to_be_visible()
    rows = page.locator("#table-contributors tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(1).locator("td").first).to_have_text("Cy")
    expect(page.get_by_text("Leadership presence")).to_have_count(0)
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-group-people-{page.torg_width}")  # type: ignore[attr-defined]
