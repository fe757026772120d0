"""Journey: a group admin goes live from the browser with Chromium's fake camera; a member in a
second browser watches (the video plays, the viewer count shows), then the admin ends the
broadcast and the recording is attached to the post. Screenshots at 1280 px and 375 px."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect

from torg.core.tests.browser.fixtures import (
    CHROMIUM_ARGS,
    DESKTOP,
    PHONE,
    a11y_offenders,
    chromium_executable,
    screenshot,
    sign_in,
)
from torg.live import paths
from torg.live.models import Broadcast
from torg.live.tests.conftest import PASSWORD, World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]


@pytest.fixture(scope="module")
def camera_browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_executable(), args=CHROMIUM_ARGS + FAKE_MEDIA, headless=True
    )
    yield browser
    browser.close()


def _page(browser: Browser, **options: Any) -> Iterator[Page]:
    context = browser.new_context(locale="en-GB", color_scheme="light", **options)
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert errors == []


@pytest.fixture
def broadcaster(camera_browser: Browser) -> Iterator[Page]:
    yield from _page(camera_browser, viewport=DESKTOP)


@pytest.fixture
def viewer(camera_browser: Browser) -> Iterator[Page]:
    yield from _page(
        camera_browser, viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2
    )


def wait_for(condition: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out waiting")


def test_go_live_from_the_browser_and_watch(
    world: World, ingest: Any, settings: Any, live_url: str, broadcaster: Page, viewer: Page
) -> None:
    settings.LIVE_X264_PRESET = "ultrafast"  # two shared CPUs: keep up with real time
    broadcast = world.broadcast(title="All-hands from the browser")
    sign_in(broadcaster, live_url, world.admin.email, PASSWORD)
    broadcaster.goto(f"{live_url}/live/{broadcast.pk}/")
    broadcaster.get_by_role("button", name="Go live with camera").click()
    expect(broadcaster.locator("#live-broadcaster-status")).to_have_text(
        "You are live. Viewers see you a few seconds later."
    )
    playlist = paths.playlist_path(broadcast)
    wait_for(lambda: len(paths.playlist_segments(playlist)) >= 2, timeout=40)
    broadcast.refresh_from_db()
    assert (broadcast.state, broadcast.source) == ("live", "browser")

    sign_in(viewer, live_url, world.kari.email, PASSWORD)
    viewer.goto(f"{live_url}/live/{broadcast.pk}/")
    player = viewer.locator("#live-player")
    expect(player).to_be_visible()
    # The video plays: its clock moves on.
    wait_for(lambda: float(player.evaluate("video => video.currentTime")) > 0.5)
    first = float(player.evaluate("video => video.currentTime"))
    wait_for(lambda: float(player.evaluate("video => video.currentTime")) > first + 1)
    # Glass to glass: the fake camera's frame at media time t was captured at startedAt + t.
    started = broadcaster.evaluate("() => window.__torgLive.startedAt")
    samples = []
    for _ in range(5):
        samples.append(
            float(
                player.evaluate(
                    "(video, started) => Date.now() - started - video.currentTime * 1000", started
                )
            )
        )
        time.sleep(0.5)
    latency = sorted(samples)[len(samples) // 2] / 1000
    listed = sum(
        float(line[8:].rstrip(","))
        for line in playlist.read_text().splitlines()
        if line.startswith("#EXTINF:")
    )
    edge = time.time() - started / 1000 - listed
    print(f"\nlive edge (last listed segment) {edge:.2f} s behind capture")
    print(f"\nlive latency, browser to viewer (glass to glass): {latency:.2f} s")
    # The target is 10 s (docs/benchmarks.md has the figures and the machine's load); the
    # test fails only well beyond it, as two shared CPUs under load make single runs noisy.
    assert 0 < latency <= 20
    # The next heartbeats count both players (the broadcaster's page plays the stream too).
    expect(viewer.locator("#live-viewers")).to_contain_text("2 watching", timeout=15_000)
    expect(viewer.locator("#live-state")).to_have_text("Live now")
    # Comments sit under the player: the post card, which realtime keeps current.
    expect(viewer.locator(f"#post-{broadcast.post_id}")).to_be_visible()
    assert a11y_offenders(viewer) == []
    assert viewer.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )
    screenshot(viewer, "live-viewer-phone", full_page=False)
    screenshot(broadcaster, "live-broadcaster-desktop")
    assert a11y_offenders(broadcaster) == []

    broadcaster.get_by_role("button", name="End broadcast").click()
    expect(broadcaster.locator(".messages")).to_contain_text("The broadcast has ended.")
    wait_for(
        lambda: Broadcast.objects.get(pk=broadcast.pk).recording == Broadcast.Recording.HANDED_OVER,
        timeout=60,
    )
    assert playlist.read_text().rstrip().endswith(paths.ENDLIST)
    # The viewer's page learns it has ended from its heartbeat.
    expect(viewer.locator("#live-state")).to_have_text("Ended", timeout=15_000)
