"""Browser journey: a person answers a post with a video from the comment box ("Attach", opened
from the keyboard): a progress bar while the chunks go up, a refused submit keeps the box's
file, then "processing" in the new comment, then the player; then a reply with a picture and
its description."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page, Route, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import A11Y_OFFENDERS_JS, screenshot, sign_in
from torg.groups import actions as group_actions
from torg.media import actions
from torg.media.models import Video
from torg.media.tests.media_fixtures import make_video, upload_in_chunks_and_hold_transcoding
from torg.posts import actions as post_actions
from torg.posts.models import Comment

pytestmark = pytest.mark.browser


def test_reply_with_a_video_from_the_comment_box(
    any_page: Page, live_url: str, settings, tmp_path: Path
) -> None:
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    upload_in_chunks_and_hold_transcoding(settings)
    lead = User.objects.create_user("lea@example.com", "pw-123456789", name="Lea Lead")
    kari = User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")
    group = group_actions.do_create_group(actor=lead, name="Workshop", privacy="secret")
    group_actions.do_add_member(group=group, user=kari)
    post = post_actions.do_create_post(
        author=lead, group=group, body="How does the new press line look from the floor?"
    )
    clip = make_video(tmp_path / "press-line.mp4", seconds=4, width=320, height=240)

    def slow(route: Route) -> None:
        if route.request.method == "PUT":
            time.sleep(0.3)  # so the progress bar can be seen
        route.continue_()

    page.route("**/api/v1/media/uploads/**", slow)
    sign_in(page, live_url, "kari@example.com", "pw-123456789")
    page.goto(f"{live_url}/posts/{post.pk}/")
    form = page.locator(f"#comment-form-{post.pk}")
    attach = form.get_by_role("button", name="Attach")
    expect(attach).to_be_visible()
    # From the keyboard: focus the button, Enter opens the file chooser (the file input is
    # clicked). The file is then handed to that input directly: Playwright's "filechooser"
    # event was seen to go missing now and then on a loaded machine.
    file_input = form.locator("input[data-attach-input]")
    file_input.evaluate("i => { i.opened = 0; i.addEventListener('click', () => i.opened++); }")
    attach.focus()
    expect(attach).to_be_focused()
    page.keyboard.press("Enter")
    assert file_input.evaluate("i => i.opened") == 1
    file_input.set_input_files(str(clip))

    item = form.locator(".comment-attachments li")
    expect(item.locator("progress")).to_be_visible()
    page.wait_for_function(
        "p => p.value > 0", arg=item.locator("progress").element_handle(), timeout=20_000
    )
    expect(form.get_by_role("button", name="Comment")).to_be_disabled()  # until it is up
    screenshot(page, f"comment-upload-progress-{width}", full_page=False)
    expect(item).to_contain_text("Uploaded.", timeout=30_000)
    expect(item.locator("input[type=hidden][name=attachments]")).to_have_count(1)
    expect(form.get_by_role("button", name="Comment")).to_be_enabled()

    form.get_by_label("Write a comment").fill("Here it is, running.")
    form.get_by_role("button", name="Comment").click()
    comment = page.locator(".comment", has_text="Here it is, running.")
    expect(comment.get_by_role("status")).to_contain_text("Processing the video")
    expect(page.locator(f"#comment-form-{post.pk} .comment-attachments li")).to_have_count(0)
    screenshot(page, f"comment-upload-processing-{width}", full_page=False)

    video = Video.objects.get()
    saved = Comment.objects.get()
    assert video.attachment.comment_id == saved.pk and saved.author_id == kari.pk
    assert video.attachment.size == clip.stat().st_size
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    player = comment.locator("video[data-player]")
    expect(player).to_be_visible(timeout=15_000)  # htmx polls the status every 2 s
    expect(player).to_have_attribute("data-ready", "1")
    player.scroll_into_view_if_needed()
    assert page.evaluate(A11Y_OFFENDERS_JS) == []
    screenshot(page, f"comment-upload-player-{width}", full_page=False)

    # A reply that is only a picture and its description, from the reply form.
    photo = tmp_path / "floor.png"
    Image.new("RGB", (640, 480), (40, 120, 60)).save(photo)
    with page.expect_response(lambda response: response.url.endswith("/reply/")):
        comment.get_by_role("link", name="Reply").click()
    reply_form = page.locator(f"#reply-form-{saved.pk}")
    expect(reply_form.get_by_role("button", name="Attach")).to_be_visible()
    # Through the Attach button, as a person does (the file chooser it opens).
    with page.expect_file_chooser() as chooser:
        reply_form.get_by_role("button", name="Attach").click()
    chooser.value.set_files(str(photo))
    # The description field comes once the upload is done (as above: up to 30 s under load).
    alt = reply_form.get_by_label("Describe the picture for people who cannot see it")
    expect(alt).to_be_visible(timeout=30_000)
    alt.fill("The press line seen from the floor")
    reply_form.get_by_role("button", name="Reply").click()
    reply = page.locator(f"#comment-{saved.pk}-replies .comment")
    expect(reply.locator(".comment-media img")).to_have_attribute(
        "alt", "The press line seen from the floor"
    )
    reply.scroll_into_view_if_needed()
    assert page.evaluate(A11Y_OFFENDERS_JS) == []
    screenshot(page, f"comment-upload-reply-picture-{width}", full_page=False)
