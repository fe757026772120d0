"""E-mail journey: choose e-mail settings on the settings page, get a real e-mail (aiosmtpd),
open its one-click unsubscribe link signed out and confirm. Both widths, screenshots."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.groups import actions as group_actions
from torg.notifications.email_settings import preference_for
from torg.notifications.tests.smtp_server import Inbox, smtp
from torg.posts.actions import do_create_post

__all__ = ["smtp"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"


def test_email_settings_and_one_click_unsubscribe(
    any_page: Page, live_url: str, smtp: Inbox
) -> None:
    width = any_page.torg_width  # type: ignore[attr-defined]
    kari = User.objects.create_user("kari@example.com", PASSWORD, name="Kari Nordmann")
    ola = User.objects.create_user("ola@example.com", PASSWORD, name="Ola Hansen")
    group = group_actions.do_create_group(actor=kari, name="Kantina", privacy="open")
    group_actions.do_add_member(group=group, user=ola)

    page = any_page
    sign_in(page, live_url, "ola@example.com", PASSWORD)
    page.goto(f"{live_url}/notifications/settings/#email")
    section = page.locator("#email")
    expect(section.get_by_role("heading", name="E-mail")).to_be_visible()
    section.get_by_label("Reaction").check()
    section.get_by_label("Digest").select_option("daily")
    section.get_by_label("From", exact=True).fill("22:00")
    section.get_by_label("Until", exact=True).fill("06:30")
    assert a11y_offenders(page) == []
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"notifications-email-settings-{width}")
    with page.expect_navigation():
        section.get_by_role("button", name="Save e-mail settings").click()
    expect(page.get_by_text("E-mail settings saved.")).to_be_visible()
    preference = preference_for(ola)
    assert preference.digest == "daily" and "reaction" in preference.immediate_kinds
    assert (str(preference.quiet_start), str(preference.quiet_end)) == ("22:00:00", "06:30:00")
    expect(page.locator("#id_digest")).to_have_value("daily")

    # Outside Ola's quiet hours or not, a mention is e-mailed or held; force "now" e-mail by
    # clearing the quiet hours the journey just set.
    type(preference).objects.filter(pk=preference.pk).update(quiet_start=None, quiet_end=None)
    with transaction.atomic():
        do_create_post(author=kari, group=group, body=f"@[Ola Hansen](user:{ola.pk}) lunsj?")
    [message] = smtp.take()
    assert message.rcpt_tos == ["ola@example.com"]
    match = re.fullmatch(
        r"<http://localhost:8000(/notifications/unsubscribe/[^>]+)>",
        message.header("List-Unsubscribe"),
    )
    assert match is not None

    # The link opened signed out (another browser profile would be the mail client's click).
    page.context.clear_cookies()
    page.goto(live_url + match.group(1))
    expect(page.get_by_role("heading", name="Unsubscribe")).to_be_visible()
    expect(page.get_by_text("Stop sending instant e-mails about: Mention to ola@example.com?"))
    assert a11y_offenders(page) == []
    screenshot(page, f"notifications-unsubscribe-{width}")
    page.get_by_role("button", name="Unsubscribe", exact=True).click()
    expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("instant e-mails about: Mention")
    screenshot(page, f"notifications-unsubscribed-{width}")
    assert "mention" not in preference_for(ola).immediate_kinds
