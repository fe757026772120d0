"""Browser journey: two people on one group page; one posts, the other sees the pill live.

Runs against uvicorn (torg.asgi: HTTP and WebSocket in one process) on the test database,
since pytest-django's live server speaks no WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import Browser, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import PHONE, screenshot, sign_in_at
from torg.groups import actions as group_actions
from torg.notifications import actions as notification_actions
from torg.posts import actions as post_actions
from torg.posts import comment_actions

PASSWORD = "pw-123456789"


def test_new_post_pill_and_bell_change_without_reloading(
    make_user: Callable[..., User], asgi_server: Callable[..., int], browser: Browser
) -> None:
    alice, bob = make_user("Alice Author"), make_user("Bob Reader")
    # The server process uses the real password hashers, not the tests' fast MD5 one.
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "realtimesalt", iterations=1000)
    User.objects.filter(pk__in=[alice.pk, bob.pk]).update(password=hashed)
    group = group_actions.do_create_group(actor=alice, name="Fjord team", privacy="closed")
    group_actions.do_add_member(group=group, user=bob)
    # Bob wants to hear of every post here, so Alice's post also rings his bell.
    notification_actions.do_set_group_level(actor=bob, group=group, level="all")
    base = f"http://localhost:{asgi_server()}"
    url = f"{base}/groups/{group.slug}/"

    contexts = [
        browser.new_context(locale="en-GB", viewport=PHONE),
        browser.new_context(locale="en-GB"),
    ]
    try:
        reader, author = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (reader, author):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(reader, url, bob.email, PASSWORD)
        sign_in_at(author, url, alice.email, PASSWORD)
        # Wait until the reader's socket is open (the welcome message was handled).
        reader.wait_for_function(
            "() => performance.getEntriesByType('resource')"
            ".some((e) => e.name.includes('realtime.js'))"
        )
        reader.wait_for_timeout(500)
        bell = reader.locator("#notification-bell")
        expect(bell).to_have_attribute("data-unread-count", "0")
        expect(bell.locator(".bell-count")).to_have_count(0)
        reader.evaluate("() => { window.stillTheSamePage = true; }")

        author.get_by_label("Write a post in Fjord team").fill("Lunch at noon, everyone")
        author.locator(".composer button[type=submit]").click()
        expect(author.locator("#feed-posts")).to_contain_text("Lunch at noon, everyone")

        pill = reader.get_by_role("button", name="1 new post")
        expect(pill).to_be_visible()
        expect(reader.locator("#feed-posts")).not_to_contain_text("Lunch at noon, everyone")
        expect(reader.locator("#realtime-new-posts")).to_have_attribute("aria-live", "polite")
        # The bell re-rendered itself with the new count.
        expect(bell.locator(".bell-count")).to_have_text("1")
        expect(bell).to_have_attribute("aria-label", "Notifications, 1 unread")
        assert reader.evaluate("() => window.stillTheSamePage") is True
        # The author's own page shows no pill for their own post, and no notification.
        expect(author.locator("#realtime-new-posts")).to_have_count(0)
        expect(author.locator("#notification-bell .bell-count")).to_have_count(0)
        pill.scroll_into_view_if_needed()
        screenshot(reader, "realtime-new-post-pill-phone", full_page=False)
        with reader.expect_navigation():
            pill.click()
        expect(reader.locator("#feed-posts")).to_contain_text("Lunch at noon, everyone")
        assert errors == []
    finally:
        for context in contexts:
            context.close()


def test_open_post_shows_comments_and_reactions_live(
    make_user: Callable[..., User], asgi_server: Callable[..., int], browser: Browser
) -> None:
    alice, bob = make_user("Alice Author"), make_user("Bob Reader")
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "realtimesalt", iterations=1000)
    User.objects.filter(pk__in=[alice.pk, bob.pk]).update(password=hashed)
    group = group_actions.do_create_group(actor=alice, name="Fjord team", privacy="closed")
    group_actions.do_add_member(group=group, user=bob)
    post = post_actions.do_create_post(author=alice, group=group, body="Where do we eat?")
    canteen = comment_actions.do_create_comment(actor=bob, post=post, body="Canteen")
    comment_actions.do_create_comment(actor=alice, post=post, body="Fine")
    url = f"http://localhost:{asgi_server()}/posts/{post.pk}/"

    contexts = [browser.new_context(locale="en-GB"), browser.new_context(locale="en-GB")]
    try:
        reader, author = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (reader, author):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(reader, url, bob.email, PASSWORD)
        sign_in_at(author, url, alice.email, PASSWORD)
        count = reader.locator(f"#comments-{post.pk}-count")
        expect(count).to_have_text("2 comments")
        reader.wait_for_timeout(1000)  # the socket opens and subscribes to the post
        reader.evaluate("() => { window.stillTheSamePage = true; }")
        post_reactions = reader.locator(f"#reactions-post-{post.pk}")
        expect(post_reactions.locator("a.reactions-who")).to_have_count(0)

        # A new comment appears in place, with the count.
        author.locator(f"#comment-body-{post.pk}").fill("Pizza place")
        author.locator(f"#comment-form-{post.pk} button[type=submit]").click()
        expect(author.locator(f"#post-{post.pk}")).to_contain_text("Pizza place")
        expect(count).to_have_text("3 comments")
        expect(reader.locator(f"#comments-{post.pk}-list > li.comment").last).to_contain_text(
            "Pizza place"
        )
        expect(reader.get_by_role("button", name="1 new comment")).to_have_count(0)

        # A reply appears under its comment.
        author.locator(f"#comment-{canteen.pk} .comment-reply-link").click()
        author.locator(f"#reply-body-{canteen.pk}").fill("The canteen has soup today")
        author.locator(f"#reply-form-{canteen.pk} button[type=submit]").click()
        expect(reader.locator(f"#comment-{canteen.pk}-replies")).to_contain_text(
            "The canteen has soup today"
        )
        expect(count).to_have_text("4 comments")

        # Reactions on the post and on a comment: the counts follow.
        author.locator(f"#reactions-post-{post.pk} .reaction-toggle").click()
        expect(post_reactions.locator("a.reactions-who")).to_have_text("1 reaction")
        expect(post_reactions.locator("button.reaction-like")).to_have_attribute("data-count", "1")
        author.locator(f"#reactions-comment-{canteen.pk} .reaction-toggle").click()
        expect(reader.locator(f"#reactions-comment-{canteen.pk} a.reactions-who")).to_have_text(
            "1 reaction"
        )
        # Taking the reaction back removes the line again.
        author.locator(f"#reactions-post-{post.pk} .reaction-toggle").click()
        expect(post_reactions.locator("a.reactions-who")).to_have_count(0)
        expect(post_reactions.locator("button.reaction-like")).to_have_attribute("data-count", "0")

        assert reader.evaluate("() => window.stillTheSamePage") is True
        # The new comment works like the others: its reply link opens a reply form.
        new_comment = reader.locator(f"#comments-{post.pk}-list > li.comment").last
        new_comment.locator(".comment-reply-link").click()
        expect(new_comment.locator("textarea")).to_be_visible()
        screenshot(reader, "realtime-live-comments-desktop", full_page=False)
        assert errors == []
    finally:
        for context in contexts:
            context.close()
