"""Browser journey: upload a video in chunks (one chunk lost on the way) with a progress bar,
see "processing", then the player; it autoplays muted when scrolled into view and pauses when
scrolled away; the statistics page shows the view."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from torg.accounts.models import User
from torg.core.tests.browser.fixtures import A11Y_OFFENDERS_JS, screenshot, sign_in
from torg.media import actions
from torg.media.models import Video, VideoView
from torg.media.tests.media_fixtures import make_video, upload_in_chunks_and_hold_transcoding
from torg.posts import actions as post_actions

pytestmark = pytest.mark.browser


def test_video_journey(any_page: Page, live_url: str, settings, tmp_path: Path) -> None:
    page = any_page
    width = page.torg_width  # type: ignore[attr-defined]
    upload_in_chunks_and_hold_transcoding(settings)
    author = User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")
    clip = make_video(tmp_path / "town-hall.mp4", seconds=4, width=320, height=240)
    sign_in(page, live_url, "kari@example.com", "pw-123456789")

    # The connection drops once, on the second chunk: the upload asks the server where it stands
    # and continues from there. Chunks are slowed down so the progress bar can be seen.
    dropped: list[str] = []

    def flaky(route: Route) -> None:
        if route.request.method == "PUT" and "offset=4096" in route.request.url and not dropped:
            dropped.append(route.request.url)
            route.abort()
            return
        if route.request.method == "PUT":
            time.sleep(0.3)
        route.continue_()

    page.route("**/api/v1/media/uploads/**", flaky)
    profile = f"{live_url}/people/{author.pk}/"
    page.goto(profile)
    page.locator("input[data-video-input]").set_input_files(str(clip))
    progress = page.locator(".video-upload-item progress")
    expect(progress).to_be_visible()
    screenshot(page, f"media-uploading-{width}")
    item = page.locator(".video-upload-item")
    expect(item).to_contain_text("Uploaded.", timeout=20_000)
    assert dropped, "the second chunk was cut off once"
    expect(item.locator("input[type=hidden][name=attachment]")).to_have_count(1)

    page.get_by_label("Write a post on your profile").fill("All-hands recording")
    page.get_by_role("button", name="Post", exact=True).click()
    card = page.locator("article.post-card", has_text="All-hands recording")
    expect(card.get_by_role("status")).to_contain_text("Processing the video")
    screenshot(page, f"media-processing-{width}")
    video = Video.objects.get()
    assert video.attachment.size == clip.stat().st_size
    assert actions.do_transcode_video(video_id=video.pk) == "ready"
    player = card.locator("video[data-player]")
    expect(player).to_be_visible(timeout=10_000)  # htmx polls the status every 2 s

    # More posts push the video below the fold of the profile's feed.
    for n in range(6):
        post_actions.do_create_post(
            author=author, group=None, body=f"Later news {n}\n\n" + "Text. " * 60
        )
    page.goto(profile)
    player = page.locator("article.post-card", has_text="All-hands recording").locator("video")
    expect(player).to_have_attribute("data-ready", "1")
    assert player.evaluate("v => v.paused") is True
    player.scroll_into_view_if_needed()
    page.wait_for_function(
        "v => !v.paused && v.muted && v.currentTime > 0.2",
        arg=player.element_handle(),
        timeout=10_000,
    )
    assert player.evaluate("v => [v.paused, v.muted]") == [False, True]
    # Where Media Source Extensions exist, hls.js (served from Torg's static files) feeds it.
    assert player.evaluate("v => v.currentSrc.startsWith('blob:') && !!v.hls") is True
    unmute = page.locator("[data-unmute]").first
    expect(unmute).to_be_visible()
    screenshot(page, f"media-player-{width}", full_page=False)
    # Played to the end (4 s): the beacon reports the view.
    page.wait_for_function("v => v.ended", arg=player.element_handle(), timeout=15_000)
    deadline = time.monotonic() + 10
    while (
        not VideoView.objects.filter(watched_seconds__gte=3).exists()
        and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    view = VideoView.objects.get()
    assert view.viewer_id == author.pk and view.watched_seconds >= 3
    # Scrolled away, a playing video pauses.
    player.evaluate("v => { v.currentTime = 0; return v.play(); }")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("v => v.paused", arg=player.element_handle(), timeout=10_000)

    page.goto(f"{live_url}/videos/{video.token}/stats/")
    expect(page.locator("[data-stat=views]")).to_have_text("1")
    expect(page.locator("[data-stat=viewers]")).to_have_text("1")
    expect(page.locator("[data-stat=completion]")).to_have_text("100 %")
    expect(page.locator("svg.retention-chart polyline")).to_have_count(1)
    assert page.evaluate(A11Y_OFFENDERS_JS) == []
    screenshot(page, f"media-stats-{width}")
