"""Browser journey for a full post card: a gallery of three pictures, a file, poll results as
bars, comments with a reply, and the reaction bar (Like toggle, the menu of kinds, the summary)."""

from __future__ import annotations

import re

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import a11y_offenders, screenshot
from torg.groups import actions as group_actions
from torg.posts import actions, attachments
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts.models import Poll, Reaction
from torg.posts.tests.test_posts_fixtures import png_upload


def offenders_with_menus_open(page: Page) -> list[str]:
    """a11y_offenders with every <details> open: Chromium gives the buttons of a closed menu no
    innerText, though they keep their accessible names."""
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    found = a11y_offenders(page)
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = false; })")
    return found


def test_post_card_journey(any_page: Page, live_url: str) -> None:
    page = any_page
    kari = User.objects.create_user(
        "kari@example.com", "pw-123456789", name="Kari Nordmann", job_title="Designer"
    )
    ola = User.objects.create_user("ola@example.com", "pw-123456789", name="Ola Hansen")
    group = group_actions.do_create_group(actor=kari, name="Design", privacy="open")
    group_actions.do_add_member(group=group, user=ola)
    uploads = [
        attachments.do_upload_attachment(
            uploader=kari, upload=png_upload(f"p{i}.png", color=color), alt_text=f"Sketch {i}"
        )
        for i, color in enumerate(["teal", "orange", "purple"], start=1)
    ]
    pdf = SimpleUploadedFile("Roadmap 2026.pdf", b"%PDF-1.4\n" + b"x" * 3000)
    uploads.append(attachments.do_upload_attachment(uploader=kari, upload=pdf))
    post = actions.do_create_post(
        author=kari,
        group=group,
        body="New sketches for the **canteen** app. Which one?",
        attachment_ids=[a.pk for a in uploads],
        poll=actions.PollSpec(options=["Sketch 1", "Sketch 2", "Sketch 3"], question="Pick one"),
    )
    options = list(Poll.objects.get(post=post).options.order_by("position", "pk"))
    actions.do_vote_poll(actor=ola, post=post, option_ids=[options[1].pk])
    actions.do_vote_poll(actor=kari, post=post, option_ids=[options[0].pk])
    top = ca.do_create_comment(actor=ola, post=post, body="I like the second one best.")
    ca.do_create_comment(actor=kari, post=post, body="Thanks, noted!", parent_id=top.pk)
    ra.do_react(actor=ola, target=post, kind="love")
    ra.do_react(actor=kari, target=top, kind="like")

    # Straight to the post after signing in (the home page belongs to other apps).
    page.goto(f"{live_url}/login/?next=/posts/{post.pk}/")
    page.get_by_label("E-mail address").fill("kari@example.com")
    page.get_by_label("Password").fill("pw-123456789")
    with page.expect_navigation():
        page.locator("form:not(.language-switch) button[type=submit]").click()
    expect(page).to_have_url(f"{live_url}/posts/{post.pk}/")
    card = page.locator(f"#post-{post.pk}")
    expect(card.locator(".post-gallery img")).to_have_count(3)
    expect(card.get_by_role("img", name="Sketch 2")).to_be_visible()
    expect(card.get_by_role("link", name="Roadmap 2026.pdf")).to_be_visible()
    expect(card.locator(".file-type")).to_have_text("PDF")
    expect(card.locator(".poll-results meter")).to_have_count(3)
    expect(card.get_by_text("I like the second one best.")).to_be_visible()
    card.get_by_role("link", name="View 1 reply").click()
    expect(card.get_by_text("Thanks, noted!")).to_be_visible()
    expect(card.get_by_role("link", name=re.compile("1 reaction"))).to_have_count(2)
    expect(card.get_by_placeholder("Write a comment…")).to_be_visible()
    assert offenders_with_menus_open(page) == []

    bar = page.locator(f"#reactions-post-{post.pk}")
    like = bar.locator(".reaction-toggle")
    expect(like).to_have_text("Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    screenshot(page, f"posts-card-{page.torg_width}")  # type: ignore[attr-defined]

    # The menu of kinds opens from its disclosure and every kind has a label.
    bar.locator("summary").click()
    celebrate = bar.get_by_role("button", name="Celebrate")
    expect(celebrate).to_be_visible()
    screenshot(page, f"posts-card-menu-{page.torg_width}")  # type: ignore[attr-defined]
    celebrate.focus()
    page.keyboard.press("Escape")
    expect(celebrate).to_be_hidden()
    bar.locator("summary").click()
    celebrate.click()
    bar = page.locator(f"#reactions-post-{post.pk}")
    expect(bar.locator(".reaction-toggle")).to_have_accessible_name("Celebrate")
    expect(bar.locator(".reaction-toggle")).to_have_attribute("aria-pressed", "true")
    expect(bar.get_by_role("link", name=re.compile("2 reactions"))).to_be_visible()
    assert Reaction.objects.get(user=kari, post=post, comment=None).kind == "celebrate"

    # Pressing the toggle again removes the reaction.
    bar.locator(".reaction-toggle").click()
    expect(bar.get_by_role("link", name=re.compile("1 reaction$"))).to_be_visible()
    expect(bar.locator(".reaction-toggle")).to_have_attribute("aria-pressed", "false")
    assert not Reaction.objects.filter(user=kari, post=post, comment=None).exists()

    # A comment through the compact field appears without a reload.
    field = page.get_by_label("Write a comment")
    field.fill("Going with number two.")
    page.locator(f"#comment-form-{post.pk}").get_by_role("button", name="Comment").click()
    expect(card.locator(".comment-body", has_text="Going with number two.")).to_be_visible()
    expect(page.get_by_label("Write a comment")).to_have_value("")
    assert offenders_with_menus_open(page) == []
    screenshot(page, f"posts-card-commented-{page.torg_width}")  # type: ignore[attr-defined]

    # Dark mode follows the colour scheme (every colour is a custom property).
    page.emulate_media(color_scheme="dark")
    expect(bar.locator(".reaction-toggle")).to_be_visible()
    screenshot(page, f"posts-card-dark-{page.torg_width}")  # type: ignore[attr-defined]
