"""Journey: a group admin marks a post as an announcement; a member finds it on top of the home
feed, presses "Mark as read" and it goes (htmx, no reload). Both widths, screenshots."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from torg.accounts.models import User
from torg.announcements.models import Acknowledgement, Announcement
from torg.core.tests.browser.fixtures import (
    DESKTOP,
    PHONE,
    a11y_offenders,
    screenshot,
    sign_in,
)
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.notifications.models import Notification
from torg.posts import actions as post_actions

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-123456789"


@pytest.fixture
def admin_page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", color_scheme="light", viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


def fits(page: Page) -> bool:
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


def shot(page: Page, name: str) -> None:
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")
    screenshot(page, name)


def test_admin_marks_an_announcement_and_a_member_reads_it(
    any_page: Page, admin_page: Page, live_url: str
) -> None:
    width = str(any_page.torg_width)  # type: ignore[attr-defined]
    ada = User.objects.create_user("ada@example.com", PASSWORD, name="Ada Admin")
    kari = User.objects.create_user("kari@example.com", PASSWORD, name="Kari Nordmann")
    group = group_actions.do_create_group(
        actor=ada, name="Oslo office", privacy=Group.Privacy.CLOSED
    )
    group_actions.do_add_member(group=group, user=kari)
    post_actions.do_create_post(author=kari, group=group, body="Who is in for lunch?")
    post = post_actions.do_create_post(
        author=ada,
        group=group,
        body="The office is **closed on Friday** for maintenance. Please work from home.",
    )

    # Ada marks the post from its menu, with a reminder after one day.
    sign_in(admin_page, live_url, "ada@example.com", PASSWORD)
    admin_page.goto(f"{live_url}/posts/{post.pk}/")
    card = admin_page.locator(f"#post-{post.pk}")
    card.locator("summary.post-menu-toggle").click()
    card.get_by_role("link", name="Mark as announcement").click()
    expect(admin_page.get_by_role("heading", name="Mark as announcement")).to_be_visible()
    admin_page.get_by_label("Remind those who have not read it").select_option("1d")
    assert a11y_offenders(admin_page) == []
    shot(admin_page, "announcement-mark-form-desktop")
    admin_page.get_by_role("button", name="Mark as announcement").click()
    expect(admin_page.locator(".message-success")).to_contain_text(
        "The post is now an announcement."
    )
    expect(admin_page.locator(f"#announcement-bar-{post.pk}")).to_contain_text("Announcement")
    announcement = Announcement.objects.get(post=post)
    assert announcement.announced_by_id == ada.pk and announcement.remind_at is not None
    assert list(
        Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT).values_list(
            "recipient__name", flat=True
        )
    ) == ["Kari Nordmann"]

    # Kari finds it on top of her home feed, above the ordinary posts.
    page = any_page
    sign_in(page, live_url, "kari@example.com", PASSWORD)
    page.goto(f"{live_url}/")
    top = page.locator(".announcements-top")
    expect(top).to_be_visible()
    expect(top.locator("h2")).to_have_text("1 announcement to read")
    expect(top.get_by_role("link", name="The office is closed on Friday")).to_have_attribute(
        "href", f"/posts/{post.pk}/"
    )
    first_card = page.locator("article").first
    expect(first_card).to_have_class("card announcement-card")
    assert a11y_offenders(page) == []
    assert fits(page)
    shot(page, f"announcement-home-{width}")

    top.get_by_role("button", name="Mark as read").click()

    expect(page.locator("#announcements-status")).to_have_text("Marked as read.")
    expect(page.locator(".announcement-card")).to_have_count(0)
    expect(page.get_by_role("heading", name="1 announcement to read")).to_have_count(0)
    assert Acknowledgement.objects.filter(user=kari, announcement=announcement).count() == 1
    # The post itself stays in the feed, now marked as read.
    expect(page.locator(f"#announcement-bar-{post.pk} .announcement-read")).to_have_count(0)
    page.reload()
    expect(page.locator(".announcements-top")).to_have_count(0)
    expect(page.locator(f"#announcement-bar-{post.pk} .announcement-read")).to_have_text("Read")
    shot(page, f"announcement-home-read-{width}")

    # Ada sees the receipt: 1 of 1.
    admin_page.goto(f"{live_url}/announcements/posts/{post.pk}/receipts/?status=read")
    expect(admin_page.locator(".receipts-summary")).to_have_text("1 of 1 acknowledged")
    expect(admin_page.locator(".receipts-list")).to_contain_text("Kari Nordmann")
    assert a11y_offenders(admin_page) == []
    shot(admin_page, "announcement-receipts-desktop")


def test_receipts_page_fits_a_phone(phone_page: Page, live_url: str) -> None:
    ada = User.objects.create_user("ada@example.com", PASSWORD, name="Ada Admin")
    group = group_actions.do_create_group(actor=ada, name="Oslo office")
    for n in range(3):
        person = User.objects.create_user(
            f"p{n}@example.com", PASSWORD, name=f"Person with a rather long name {n}"
        )
        group_actions.do_add_member(group=group, user=person)
    post = post_actions.do_create_post(author=ada, group=group, body="Read me")
    from torg.announcements import actions

    actions.do_mark_announcement(actor=ada, post=post)
    sign_in(phone_page, live_url, "ada@example.com", PASSWORD)
    phone_page.goto(f"{live_url}/announcements/posts/{post.pk}/receipts/")
    expect(phone_page.locator(".receipts-summary")).to_have_text("0 of 3 acknowledged")
    expect(phone_page.locator(".receipts-list li")).to_have_count(3)
    assert fits(phone_page)
    assert a11y_offenders(phone_page) == []
    shot(phone_page, "announcement-receipts-phone")
    assert PHONE["width"] == 375
