"""Journeys: a moderator handles a report; an inactive group's admin archives it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, assert_fits, screenshot, sign_in_at
from torg.governance import lifecycle, roles
from torg.governance.models import Report
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts.models import Post

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_a_moderator_handles_a_report(any_page: Page, second_page: Page, live_url: str) -> None:
    width = any_page.torg_width  # type: ignore[attr-defined]
    admin = User.objects.create_user(
        "root@example.com", PASSWORD, name="Nora Network", is_staff=True
    )
    moderator = User.objects.create_user("mod@example.com", PASSWORD, name="Mads Moderator")
    roles.grant(admin, moderator, "moderator")
    author = User.objects.create_user("spam@example.com", PASSWORD, name="Sven Spammer")
    reader = User.objects.create_user("rita@example.com", PASSWORD, name="Rita Reader")
    group = group_actions.do_create_group(actor=author, name="Sales Norway")
    group_actions.do_add_member(group=group, user=reader)
    post = post_actions.do_create_post(
        author=author, group=group, body="Buy cheap watches at example dot com!"
    )
    group_url = f"{live_url}/groups/{group.slug}/"

    # A reader reports the post from its menu.
    page = any_page
    sign_in_at(page, group_url, "rita@example.com", PASSWORD)
    card = page.locator(f"#post-{post.pk}")
    card.get_by_label("Post actions").first.click()
    with page.expect_navigation():
        card.get_by_role("link", name="Report").click()
    expect(page.get_by_role("heading", name="Report a post")).to_be_visible()
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Anything a moderator should know (optional)").fill("Advertising again.")
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-report-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Send report").click()
    expect(page).to_have_url(group_url)
    expect(page.get_by_role("status")).to_contain_text("A moderator will look at it")

    # The moderator finds it through the navigation and hides it.
    mod = second_page
    sign_in_at(mod, f"{live_url}/", "mod@example.com", PASSWORD)
    if width == "desktop":
        with mod.expect_navigation():
            mod.get_by_role("link", name="Moderation").click()
    else:
        mod.goto(f"{live_url}/governance/")
    with mod.expect_navigation():
        mod.get_by_role("link", name="Open the report queue").click()
    row = mod.locator(".gov-report")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Spam or advertising · Sales Norway · reported by Rita Reader")
    assert_fits(mod)
    screenshot(mod, f"governance-queue-{width}")
    with mod.expect_navigation():
        row.get_by_role("link").click()
    expect(mod.locator(".gov-quote")).to_have_text("Buy cheap watches at example dot com!")
    mod.get_by_label("Note to the reporter and the author (optional)").fill("Spam is not allowed.")
    assert a11y_offenders(mod) == []
    assert_fits(mod)
    screenshot(mod, f"governance-report-detail-{width}")
    with mod.expect_navigation():
        mod.get_by_role("button", name="Hide").click()
    expect(mod.get_by_role("status")).to_have_text(
        "The content is hidden and the reporter was told."
    )
    expect(mod.get_by_text("No open reports. Nice and calm.")).to_be_visible()

    # The post is gone for the reader, as if deleted; the text is kept on the report.
    page.goto(group_url)
    expect(page.locator(f"#post-{post.pk}")).to_have_count(0)
    response = page.goto(f"{live_url}/posts/{post.pk}/")
    assert response is not None and response.status == 404
    assert Report.objects.get().status == "hidden"
    assert Post.objects.get(pk=post.pk).body == "Buy cheap watches at example dot com!"


def test_an_inactive_group_is_archived(any_page: Page, live_url: str) -> None:
    width = any_page.torg_width  # type: ignore[attr-defined]
    admin = User.objects.create_user("ola@example.com", PASSWORD, name="Ola Owner")
    group = group_actions.do_create_group(
        actor=admin, name="Christmas Party 2024", description="Planning the party."
    )
    Group.objects.filter(pk=group.pk).update(created_at=timezone.now() - timedelta(days=400))
    assert lifecycle.do_flag_inactive_groups() == 1
    url = f"{live_url}/governance/groups/{group.slug}/"

    page = any_page
    sign_in_at(page, url, "ola@example.com", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Keep or archive Christmas Party 2024"
    )
    expect(page.get_by_role("status")).to_contain_text("Nothing has happened here for 180 days.")
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-lifecycle-flagged-{width}")
    with page.expect_navigation():
        page.get_by_role("button", name="Archive the group").click()
    expect(page.locator(".messages")).to_contain_text("The group is archived. It is now read-only.")
    expect(page.get_by_role("button", name="Make it active again")).to_be_visible()
    screenshot(page, f"governance-lifecycle-archived-{width}")
    assert lifecycle.is_archived(group)

    # Read-only: a post through the group page is refused with the reason.
    page.goto(f"{live_url}/groups/{group.slug}/")
    expect(page.get_by_role("heading", name="Christmas Party 2024", level=1)).to_be_visible()
    assert Post.objects.filter(group=group).count() == 0


def test_a_network_admin_walks_the_admin_pages(any_page: Page, live_url: str) -> None:
    from torg.governance import retention

    width = any_page.torg_width  # type: ignore[attr-defined]
    admin = User.objects.create_user(
        "root@example.com", PASSWORD, name="Nora Network", is_staff=True
    )
    writer = User.objects.create_user("wenche@example.com", PASSWORD, name="Wenche Writer")
    roles.grant(admin, writer, "communications")
    group = group_actions.do_create_group(actor=writer, name="Old News")
    old = post_actions.do_create_post(author=writer, group=group, body="News from long ago")
    Post.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=800))
    retention.do_set_policy(actor=admin, group=None, days=365)

    page = any_page
    sign_in_at(page, f"{live_url}/governance/", "root@example.com", PASSWORD)
    expect(page.get_by_role("heading", name="Roles")).to_be_visible()
    expect(page.locator(".gov-table")).to_contain_text("Wenche Writer")
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-overview-{width}")

    page.get_by_role("navigation", name="Administration").get_by_role(
        "link", name="Audit log"
    ).click()
    expect(page.get_by_role("heading", name="Audit log", level=1)).to_be_visible()
    page.get_by_label("Action starts with").fill("role.")
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expect(page.locator(".gov-table tbody tr")).to_have_count(1)
    expect(page.locator(".gov-table tbody")).to_contain_text("role.grant")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert csv_text.count("\n") == 2 and "role.grant" in csv_text
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-audit-{width}")

    page.goto(f"{live_url}/governance/retention/")
    expect(page.locator(".gov-preview-summary")).to_have_text("1 post · 0 chat messages")
    expect(page.get_by_text("News from long ago")).to_be_visible()
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-retention-{width}")

    page.goto(f"{live_url}/governance/groups/")
    expect(page.get_by_role("heading", name="Groups without admins")).to_be_visible()
    assert a11y_offenders(page) == []
    assert_fits(page)
    screenshot(page, f"governance-groups-{width}")
