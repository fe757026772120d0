"""Journeys through the group pages: ask to join a closed group, an admin approves; secrets."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, assert_fits, screenshot, sign_in_at
from torg.groups import actions
from torg.groups.models import Group, JoinRequest, Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def offenders(page: Page) -> list[str]:
    """a11y_offenders with every closed <details> opened for the check, then closed again.

    innerText is empty for what a closed <details> hides (the composer's poll section), so the
    shared check would call its buttons nameless; opened, they are checked for real.
    """
    opened = page.evaluate(
        "() => [...document.querySelectorAll('details:not([open])')]"
        ".map((d, i) => { d.open = true; d.dataset.a11yOpened = String(i); return i; })"
    )
    try:
        return a11y_offenders(page)
    finally:
        if opened:
            page.evaluate(
                "() => document.querySelectorAll('details[data-a11y-opened]')"
                ".forEach(d => { d.open = false; delete d.dataset.a11yOpened; })"
            )


def make_groups() -> dict[str, object]:
    admin = User.objects.create_user(
        "ada@example.com", PASSWORD, name="Ada Admin", job_title="Bid Director"
    )
    member = User.objects.create_user(
        "mons@example.com", PASSWORD, name="Mons Medlem", job_title="Analyst"
    )
    requester = User.objects.create_user(
        "rolf@example.com", PASSWORD, name="Rolf Requester", job_title="Senior Consultant"
    )
    closed = actions.do_create_group(
        actor=admin,
        name="Bid Team Equinor",
        description="Everything about the Equinor framework bid. Deadline in March.",
        privacy=Group.Privacy.CLOSED,
        kind=Group.Kind.TEAM,
    )
    actions.do_add_member(group=closed, user=member)
    secret = actions.do_create_group(
        actor=admin, name="Skunkworks", privacy=Group.Privacy.SECRET, kind=Group.Kind.DISCUSSION
    )
    return {
        "admin": admin,
        "member": member,
        "requester": requester,
        "closed": closed,
        "secret": secret,
    }


def test_request_to_join_a_closed_group_and_an_admin_approves(
    any_page: Page, second_page: Page, live_url: str
) -> None:
    data = make_groups()
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    group_url = f"{live_url}/groups/bid-team-equinor/"

    # The requester sees what the group is about, but not who is in it.
    sign_in_at(page, group_url, "rolf@example.com", PASSWORD)
    expect(page).to_have_title("Bid Team Equinor · Torg")
    expect(page.get_by_role("heading", name="Bid Team Equinor", level=1)).to_be_visible()
    expect(page.locator(".group-head .row-sub")).to_have_text("Closed Team or project · 2 members")
    expect(page.get_by_text("Everything about the Equinor framework bid.")).to_be_visible()
    expect(
        page.get_by_text("This group is closed. Members see its posts and who is in it.")
    ).to_be_visible()
    tabs = page.get_by_role("navigation", name="Group sections")
    expect(tabs.get_by_role("link")).to_have_text(["About"])
    expect(page.get_by_role("heading", name="Admins")).to_have_count(0)
    expect(page.get_by_role("link", name="Ada Admin")).to_have_count(0)
    assert offenders(page) == []
    assert_fits(page)
    screenshot(page, f"groups-closed-before-{width}")

    # The member list is not reachable by address either.
    response = page.goto(f"{group_url}members/")
    assert response is not None and response.status == 403
    page.goto(group_url)

    page.get_by_label("Message to the admins (optional)").fill("I wrote the last Equinor bid.")
    with page.expect_navigation():
        page.get_by_role("button", name="Request to join").click()
    expect(page).to_have_url(group_url)
    expect(page.get_by_role("status")).to_have_text("You asked to join. A group admin will answer.")
    expect(page.locator(".group-actions .chip")).to_have_text("Request pending")
    expect(page.get_by_role("button", name="Withdraw request")).to_be_visible()
    expect(page.get_by_role("button", name="Request to join")).to_have_count(0)
    expect(tabs.get_by_role("link")).to_have_text(["About"])
    assert offenders(page) == []
    assert_fits(page)
    screenshot(page, f"groups-closed-pending-{width}")
    join_request = JoinRequest.objects.get(group=data["closed"], user=data["requester"])
    assert join_request.status == JoinRequest.Status.PENDING
    assert join_request.message == "I wrote the last Equinor bid."

    # The admin sees the request waiting, with the message, and approves it.
    sign_in_at(second_page, group_url, "ada@example.com", PASSWORD)
    admin_tabs = second_page.get_by_role("navigation", name="Group sections")
    expect(admin_tabs.get_by_role("link")).to_have_text(
        ["About", "Members", "Requests 1", "Settings"]
    )
    admin_tabs.get_by_role("link", name="Requests").click()
    expect(second_page).to_have_url(f"{group_url}requests/")
    expect(second_page).to_have_title("Requests · Bid Team Equinor · Torg")
    requests = second_page.locator(
        "section", has=second_page.get_by_role("heading", name="Requests to join")
    )
    expect(requests.get_by_role("listitem")).to_have_count(1)
    expect(requests.get_by_role("link", name="Rolf Requester")).to_be_visible()
    expect(
        requests.get_by_text("Senior Consultant · “I wrote the last Equinor bid.”")
    ).to_be_visible()
    assert offenders(second_page) == []
    assert_fits(second_page)
    screenshot(second_page, f"groups-requests-{width}")

    with second_page.expect_navigation():
        requests.get_by_role("button", name="Approve Rolf Requester").click()
    expect(second_page).to_have_url(f"{group_url}requests/")
    expect(second_page.get_by_role("status")).to_have_text("Rolf Requester is now a member.")
    expect(
        second_page.get_by_text("No one is waiting. Requests to join appear here.")
    ).to_be_visible()
    expect(admin_tabs.get_by_role("link", name="Requests")).to_have_text("Requests")
    assert offenders(second_page) == []
    screenshot(second_page, f"groups-requests-done-{width}")

    # The requester reloads: a member now, who sees the admins and the member list.
    page.reload()
    expect(page.locator(".group-actions .chip")).to_have_text("You are a member")
    expect(page.get_by_role("button", name="Leave group")).to_be_visible()
    expect(page.locator(".group-head .row-sub")).to_have_text("Closed Team or project · 3 members")
    expect(tabs.get_by_role("link")).to_have_text(["About", "Members"])
    admins = page.locator("section", has=page.get_by_role("heading", name="Admins"))
    expect(admins.get_by_role("link", name="Ada Admin")).to_be_visible()
    expect(page.get_by_text("This group is closed. Members see its posts")).to_have_count(0)
    assert offenders(page) == []
    assert_fits(page)
    screenshot(page, f"groups-closed-after-{width}")

    tabs.get_by_role("link", name="Members").click()
    expect(page).to_have_url(f"{group_url}members/")
    members = page.locator("ul.member-list")
    expect(members.get_by_role("link")).to_have_text(["Ada Admin", "Mons Medlem", "Rolf Requester"])
    assert offenders(page) == []
    assert_fits(page)
    screenshot(page, f"groups-members-{width}")
    assert Membership.objects.get(group=data["closed"], user=data["requester"]).role == "member"


def test_a_secret_group_looks_exactly_like_one_that_does_not_exist(
    any_page: Page, live_url: str
) -> None:
    make_groups()
    page = any_page
    sign_in_at(page, f"{live_url}/groups/", "rolf@example.com", PASSWORD)
    expect(page.get_by_role("link", name="Bid Team Equinor")).to_be_visible()
    expect(page.get_by_role("link", name="Skunkworks")).to_have_count(0)

    secret = page.goto(f"{live_url}/groups/skunkworks/")
    assert secret is not None and secret.status == 404
    expect(page).to_have_title("Not found · Torg")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    secret_main = page.locator("main").inner_html()
    assert offenders(page) == []
    screenshot(page, f"groups-secret-404-{page.torg_width}")  # type: ignore[attr-defined]

    missing = page.goto(f"{live_url}/groups/no-such-group/")
    assert missing is not None and missing.status == 404
    expect(page).to_have_title("Not found · Torg")
    assert page.locator("main").inner_html() == secret_main

    # The sub-pages of a secret group answer the same way.
    for suffix in ("members/", "requests/", "settings/"):
        response = page.goto(f"{live_url}/groups/skunkworks/{suffix}")
        assert response is not None and response.status == 404
        assert page.locator("main").inner_html() == secret_main
