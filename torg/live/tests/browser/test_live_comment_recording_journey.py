"""Journey (issue 6, "a second browser context watches the live stream and comments; afterwards
the recording plays"): a group admin goes live with Chromium's fake camera; a member on a phone
watches, writes a comment on the live post and sees it under the player; the admin ends the
broadcast, the recording is transcoded (tests run tasks immediately) and the post's video player
plays it, for the viewer (375 px) and the broadcaster (desktop). Screenshots of both."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from torg.core.tests.browser.fixtures import a11y_offenders, screenshot, sign_in
from torg.live import paths
from torg.live.models import Broadcast
from torg.live.tests.browser.test_live_journey import (
    _page,
    camera_browser,  # noqa: F401  (fixture)
    wait_for,
)
from torg.live.tests.conftest import PASSWORD, World
from torg.media.models import Video
from torg.posts.models import Comment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broadcaster(camera_browser: Browser) -> Iterator[Page]:  # noqa: F811
    from torg.core.tests.browser.fixtures import DESKTOP

    yield from _page(camera_browser, viewport=DESKTOP)


@pytest.fixture
def viewer(camera_browser: Browser) -> Iterator[Page]:  # noqa: F811
    from torg.core.tests.browser.fixtures import PHONE

    yield from _page(
        camera_browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def _plays(page: Page, selector: str) -> float:
    """Starts the (muted) player and returns its clock once it has moved past zero."""
    video = page.locator(selector)
    expect(video).to_be_visible()
    video.scroll_into_view_if_needed()
    video.evaluate("video => { video.muted = true; return video.play().catch(() => null); }")
    wait_for(lambda: float(video.evaluate("video => video.currentTime")) > 0.3, timeout=30)
    return float(video.evaluate("video => video.currentTime"))


def test_viewer_comments_while_live_and_the_recording_plays_afterwards(
    world: World, ingest: Any, settings: Any, live_url: str, broadcaster: Page, viewer: Page
) -> None:
    settings.LIVE_X264_PRESET = "ultrafast"  # two shared CPUs: keep up with real time
    broadcast = world.broadcast(title="Town hall with questions")
    sign_in(broadcaster, live_url, world.admin.email, PASSWORD)
    broadcaster.goto(f"{live_url}/live/{broadcast.pk}/")
    broadcaster.get_by_role("button", name="Go live with camera").click()
    expect(broadcaster.locator("#live-broadcaster-status")).to_have_text(
        "You are live. Viewers see you a few seconds later."
    )
    playlist = paths.playlist_path(broadcast)
    wait_for(lambda: len(paths.playlist_segments(playlist)) >= 2, timeout=40)

    # The member watches on a phone: the live stream plays.
    sign_in(viewer, live_url, world.kari.email, PASSWORD)
    viewer.goto(f"{live_url}/live/{broadcast.pk}/")
    expect(viewer.locator("#live-state")).to_have_text("Live now")
    live_player = viewer.locator("#live-player")
    wait_for(lambda: float(live_player.evaluate("video => video.currentTime")) > 0.5)

    # …and comments on the live post, which shows under the player at once.
    card = viewer.locator(f"#post-{broadcast.post_id}")
    card.get_by_label("Write a comment").fill("Great news about the new office!")
    card.get_by_role("button", name="Comment").click()
    expect(
        card.locator(".comment-body", has_text="Great news about the new office!")
    ).to_be_visible()
    assert list(
        Comment.objects.filter(post_id=broadcast.post_id).values_list("author", "body")
    ) == [(world.kari.pk, "Great news about the new office!")]
    broadcast.refresh_from_db()
    assert broadcast.state == Broadcast.State.LIVE  # the comment was written while live
    assert a11y_offenders(viewer) == []
    assert viewer.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    card.locator(".comment-body").scroll_into_view_if_needed()
    screenshot(viewer, "live-comment-phone", full_page=False)
    # Keep broadcasting a few seconds more, so the recording is long enough to play.
    wait_for(lambda: len(paths.playlist_segments(playlist)) >= 6, timeout=40)

    # The broadcast ends; the recording becomes the post's video, transcoded at once.
    broadcaster.get_by_role("button", name="End broadcast").click()
    expect(broadcaster.locator(".messages")).to_contain_text("The broadcast has ended.")
    wait_for(
        lambda: Broadcast.objects.get(pk=broadcast.pk).recording == Broadcast.Recording.HANDED_OVER,
        timeout=90,
    )
    video = wait_for(
        lambda: Video.objects.filter(
            attachment__post_id=broadcast.post_id, state=Video.State.READY
        ).first(),
        timeout=120,
    )
    assert video.duration >= 3
    assert set(video.renditions) <= {"360p", "720p", "1080p"} and video.renditions

    # The viewer reloads the broadcast page: the post now carries the recording, which plays,
    # and the comment written during the broadcast is still there.
    viewer.goto(f"{live_url}/live/{broadcast.pk}/")
    expect(viewer.locator("#live-state")).to_have_text("Ended")
    # One player only: the live one gives way to the post's recording.
    expect(viewer.locator("#live-player")).to_be_hidden()
    expect(viewer.locator("#live-placeholder")).to_have_text("The recording is in the post below.")
    card = viewer.locator(f"#post-{broadcast.post_id}")
    expect(card.locator(".comment-body")).to_have_text(["Great news about the new office!"])
    player = f"#video-{video.token} video.video-player"
    position = _plays(viewer, player)
    assert 0 < position <= video.duration + 0.5
    assert a11y_offenders(viewer) == []
    assert viewer.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(viewer, "live-recording-phone", full_page=False)

    broadcaster.goto(f"{live_url}/live/{broadcast.pk}/")
    assert _plays(broadcaster, player) > 0
    broadcaster.locator(player).evaluate("video => video.pause()")
    assert a11y_offenders(broadcaster) == []
    broadcaster.evaluate("window.scrollTo(0, 0)")  # a full-page shot of a scrolled page
    screenshot(broadcaster, "live-recording-desktop")
