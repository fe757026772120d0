"""Journey: a communications person reads the network dashboard and downloads its CSV."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.insights.rollup import do_roll_up_recent_days
from torg.insights.tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_communications_reads_network_dashboard_and_downloads_csv(
    world: World, live_url: str, any_page: Page
) -> None:
    do_roll_up_recent_days(days=1)
    page = any_page
    sign_in(page, live_url, world.cora.email, PASSWORD)
    width = page.torg_width  # type: ignore[attr-defined]
    if width == "desktop":
        # The nav link is fetched lazily for communications people.
        page.get_by_role("link", name="Insights").click()
    else:
        page.goto(f"{live_url}/insights/")
    expect(page.get_by_role("heading", name="Insights for the whole network")).to_be_visible()
    expect(page.locator("#stat-dau")).to_have_text("5")
    expect(page.locator("#stat-posts")).to_have_text("2")
    expect(page.get_by_role("cell", name="Engineering")).to_be_visible()
    expect(page.get_by_role("cell", name="Legal")).to_have_count(0)
    # Both charts were drawn by uPlot from node_modules (no CSP errors: the fixture checks).
    expect(page.locator(".insights-chart[data-drawn=true]")).to_have_count(2)
    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-network-{width}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download “Per day” as CSV").click()
    download: Any = info.value
    text = Path(download.path()).read_text(encoding="utf-8")
    assert text.splitlines() == [
        "day,active,weekly_active,monthly_active,posters,posts,comments,reactions,messages,"
        "sad_reactions,negative_comments",
        f"{timezone.localdate().isoformat()},5,5,5,4,2,2,1,0,1,1",
    ]


def test_group_admin_reads_group_dashboard(world: World, live_url: str, any_page: Page) -> None:
    do_roll_up_recent_days(days=1)
    page = any_page
    sign_in(page, live_url, world.ada.email, PASSWORD)
    page.goto(f"{live_url}/insights/")
    page.get_by_role("link", name="Sales").click()
    expect(page.locator("#stat-members")).to_have_text("3")
    expect(page.locator(".insights-chart[data-drawn=true]")).to_have_count(2)
    assert a11y_offenders(page) == []
    screenshot(page, f"insights-group-{page.torg_width}")  # type: ignore[attr-defined]
