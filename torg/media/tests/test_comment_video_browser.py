"""Browser journey: a comment with a video shows the player under the comment; it stays still
(and loads no media) when scrolled into view, and plays with sound when asked to."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import A11Y_OFFENDERS_JS, screenshot, sign_in
from torg.groups import actions as group_actions
from torg.media import actions
from torg.media.tests.media_fixtures import make_video
from torg.posts import actions as post_actions
from torg.posts import comment_actions

pytestmark = pytest.mark.browser

SEGMENTS_LOADED_JS = """() => performance.getEntriesByType("resource")
    .filter((entry) => entry.name.includes("/files/") && entry.name.endsWith(".ts")).length"""


def test_comment_with_a_video_plays(any_page: Page, live_url: str, tmp_path: Path) -> None:
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    lead = User.objects.create_user("lea@example.com", "pw-123456789", name="Lea Lead")
    kari = User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")
    group = group_actions.do_create_group(actor=lead, name="Workshop", privacy="secret")
    group_actions.do_add_member(group=group, user=kari)
    post = post_actions.do_create_post(
        author=lead, group=group, body="How does the new press line look from the floor?"
    )
    # The upload is transcoded after its commit (the test settings run tasks at once).
    video = actions.do_attach_video_file(
        uploader=kari,
        post=None,
        path=make_video(tmp_path / "press-line.mp4", seconds=4, width=640, height=360),
        name="press-line.mp4",
    )
    comment = comment_actions.do_create_comment(
        actor=kari, post=post, body="Here it is, running.", attachment_ids=[video.attachment_id]
    )
    video.refresh_from_db()
    assert video.state == "ready"

    sign_in(page, live_url, "lea@example.com", "pw-123456789")
    page.goto(f"{live_url}/posts/{post.pk}/")
    item = page.locator(f"#comment-{comment.pk}")
    player = item.locator("video[data-player]")
    expect(player).to_have_attribute("data-ready", "1")
    player.scroll_into_view_if_needed()
    expect(player).to_be_visible()
    expect(item.get_by_text("Here it is, running.")).to_be_visible()
    # In view, it stays still and has loaded no segment: comments do not autoplay.
    page.wait_for_timeout(1500)
    assert player.evaluate("v => [v.paused, v.currentTime, v.muted]") == [True, 0, False]
    assert page.evaluate(SEGMENTS_LOADED_JS) == 0
    screenshot(page, f"media-comment-video-{width}", full_page=False)

    # Keyboard: focus the player, K plays it, with sound.
    player.focus()
    page.keyboard.press("k")
    page.wait_for_function(
        "v => !v.paused && v.currentTime > 0.5", arg=player.element_handle(), timeout=15_000
    )
    assert player.evaluate("v => v.muted") is False
    assert page.evaluate(SEGMENTS_LOADED_JS) >= 1
    assert player.evaluate("v => v.currentSrc.startsWith('blob:') && !!v.hls") is True
    box = player.bounding_box()
    viewport = page.viewport_size
    assert box is not None and viewport is not None
    assert box["width"] <= min(480, viewport["width"])  # the comment column, not the screen
    screenshot(page, f"media-comment-video-playing-{width}", full_page=False)
    assert page.evaluate(A11Y_OFFENDERS_JS) == []
