"""Browser journey: a reporter's bell rings live when a moderator removes what they reported;
the notification list (phone width) tells the outcome and the note, and nothing of the post.

Runs against uvicorn (torg.asgi: HTTP and WebSocket in one process) on the test database, as
the realtime journeys do, since pytest-django's live server speaks no WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import Browser, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import PHONE, a11y_offenders, screenshot, sign_in_at
from torg.governance import moderation
from torg.groups import actions as group_actions
from torg.posts import actions as post_actions
from torg.realtime.tests.conftest import asgi_server

__all__ = ["asgi_server"]
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"


def test_the_reporters_bell_rings_when_the_moderator_decides(
    asgi_server: Callable[..., int], browser: Browser
) -> None:
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "governancesalt", iterations=1000)
    anna = User.objects.create_user("anna@example.com", PASSWORD, name="Anna Admin")
    otto = User.objects.create_user("otto@example.com", PASSWORD, name="Otto Author")
    rita = User.objects.create_user("rita@example.com", PASSWORD, name="Rita Reader")
    User.objects.filter(pk__in=[anna.pk, otto.pk, rita.pk]).update(password=hashed)
    group = group_actions.do_create_group(actor=anna, name="Kantina", privacy="open")
    for person in (otto, rita):
        group_actions.do_add_member(group=group, user=person)
    post = post_actions.do_create_post(author=otto, group=group, body="Buy cheap watches now")
    report = moderation.do_report(actor=rita, kind="post", target_id=post.pk, reason="spam")
    base = f"http://localhost:{asgi_server()}"

    contexts = [
        browser.new_context(locale="en-GB", viewport=PHONE),
        browser.new_context(locale="en-GB"),
    ]
    try:
        reader, moderator = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (reader, moderator):
            page.set_default_timeout(45_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(reader, f"{base}/", rita.email, PASSWORD)
        sign_in_at(moderator, f"{base}/governance/moderation/{report.pk}/", anna.email, PASSWORD)
        reader.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            ".some((e) => e.name.includes('realtime.js'))"
        )
        reader.wait_for_timeout(500)
        bell = reader.locator("#notification-bell")
        expect(bell).to_have_attribute("data-unread-count", "0")

        moderator.get_by_label("Note to the reporter and the author (optional)").fill(
            "Advertising is not allowed here."
        )
        with moderator.expect_navigation():
            moderator.get_by_role("button", name="Remove").click()

        # Rita's open page: the bell updates without a reload.
        expect(bell.locator(".bell-count")).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
        with reader.expect_navigation():
            bell.click()
        item = reader.locator(".notification-list li").first
        expect(item).to_contain_text("Your report was reviewed: the post was removed")
        expect(item).to_contain_text("Moderator's note: Advertising is not allowed here.")
        expect(item).to_contain_text("You reported this.")
        expect(reader.locator("main")).not_to_contain_text("watches")
        expect(reader.locator("main")).not_to_contain_text("Anna Admin")
        assert a11y_offenders(reader) == []
        screenshot(reader, "notifications-report-outcome-phone")
        # Opening it leads to the guidelines (the post is gone) and marks it read.
        with reader.expect_navigation():
            item.get_by_role("link", name="Your report was reviewed: the post was removed").click()
        expect(reader).to_have_url(f"{base}/governance/guidelines/")
        expect(reader.locator("#notification-bell .bell-count")).to_have_count(0)
        assert errors == []
    finally:
        for context in contexts:
            context.close()
