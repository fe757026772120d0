"""Browser journey for the composer: mention autocomplete by keyboard, drafts surviving a
reload, a refused post keeping its text, and a successful post appearing without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import screenshot, sign_in
from torg.groups import actions as group_actions
from torg.posts.models import Mention, Post


def test_composer_journey(any_page: Page, live_url: str) -> None:
    page = any_page
    author = User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")
    User.objects.create_user("ola@example.com", "pw-123456789", name="Ola Hansen")
    group_actions.do_create_group(actor=author, name="Design", privacy="open")
    sign_in(page, live_url, "kari@example.com", "pw-123456789")
    page.goto(f"{live_url}/posts/compose/?group=design")
    box = page.get_by_label("Write a post in Design")
    box.click()
    box.press_sequentially("Hello @Ola")
    option = page.get_by_role("option", name=re.compile("Ola Hansen"))
    expect(option).to_be_visible()
    box.press("ArrowDown")
    box.press("Enter")
    box.press_sequentially("and #Design")
    ola = User.objects.get(email="ola@example.com")
    expect(box).to_have_value(f"Hello @[Ola Hansen](user:{ola.pk}) and #Design")

    page.reload()
    expect(box).to_have_value(f"Hello @[Ola Hansen](user:{ola.pk}) and #Design")

    page.get_by_text("Add a poll").click()
    page.get_by_label("Option 1").fill("Only one")
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("A poll needs at least two options.")
    expect(page.get_by_label("Write a post in Design")).to_have_value(
        f"Hello @[Ola Hansen](user:{ola.pk}) and #Design"
    )
    screenshot(page, f"posts-composer-error-{page.torg_width}")  # type: ignore[attr-defined]

    page.get_by_label("Option 1").fill("")
    page.get_by_role("button", name="Post", exact=True).click()
    card = page.locator("article.post-card")
    expect(card).to_contain_text("Hello @Ola Hansen and #Design")
    expect(page.get_by_label("Write a post in Design")).to_have_value("")
    post = Post.objects.get()
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [ola.pk]
    screenshot(page, f"posts-composer-posted-{page.torg_width}")  # type: ignore[attr-defined]
    page.reload()
    expect(page.get_by_label("Write a post in Design")).to_have_value("")
