"""Journey: a group admin schedules a broadcast from the group page; a member sees it coming in
the group's rail and on the post card. Both widths, screenshots."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.live.models import Broadcast
from torg.live.tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_schedule_from_the_group_page(world: World, live_url: str, any_page: Page) -> None:
    width = str(any_page.torg_width)  # type: ignore[attr-defined]
    page = any_page
    sign_in(page, live_url, world.admin.email, PASSWORD)
    page.goto(f"{live_url}/groups/{world.open.slug}/")
    page.get_by_role("link", name="Go live or schedule").click()
    expect(page.get_by_role("heading", name="New live broadcast")).to_be_visible()
    assert a11y_offenders(page) == []
    page.get_by_label("Title").fill("Quarterly town hall")
    page.get_by_label("What is it about? (optional)").fill("Results and questions.")
    starts = timezone.localtime() + timedelta(days=3)
    page.get_by_label("Starts (leave empty to go live now)").fill(starts.strftime("%Y-%m-%dT10:00"))
    screenshot(page, f"live-schedule-{width}")
    page.get_by_role("button", name="Create broadcast").click()
    expect(page.locator(".messages")).to_contain_text("Your broadcast is scheduled.")
    broadcast = Broadcast.objects.get()
    assert broadcast.state == "scheduled"
    assert timezone.localtime(broadcast.scheduled_at).strftime("%H:%M") == "10:00"
    expect(page.locator("#live-state")).to_have_text("Upcoming")
    expect(page.locator("#live-placeholder")).to_have_text(
        "The video appears here when the broadcast starts."
    )
    assert a11y_offenders(page) == []
    assert page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(page, f"live-upcoming-{width}")

    page.goto(f"{live_url}/groups/{world.open.slug}/")
    rail = page.locator(".live-rail")
    expect(rail.get_by_role("link", name="Quarterly town hall")).to_be_visible()
    card = page.locator(f"#post-{broadcast.post_id}")
    expect(card.locator(".live-bar")).to_contain_text("Upcoming live")
    card.get_by_role("link", name="Details", exact=True).click()
    expect(page).to_have_url(f"{live_url}/live/{broadcast.pk}/")
