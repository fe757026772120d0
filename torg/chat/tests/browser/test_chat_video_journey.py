"""Browser journey: Ann sends a small video in a conversation (desktop); Bo (a 375 px phone)
and Ann see "Processing the video…", the transcoding runs, and both see the player.

Runs against uvicorn (torg.asgi, as ``test_chat_journeys``) whose task backend only records
tasks, so the conversation shows the "processing" state until the test runs the transcoding
itself (in this process, on the same database and media folder).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import Browser, expect

from torg.accounts.models import User
from torg.chat import actions
from torg.chat.models import MessageFile
from torg.chat.tests.conftest import serve_asgi
from torg.core.tests.browser.fixtures import DESKTOP, PHONE, a11y_offenders, screenshot, sign_in_at
from torg.media import actions as media_actions
from torg.media.models import Video
from torg.media.tests.media_fixtures import make_video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pw-123456789"


@pytest.fixture
def server_without_worker(transactional_db: Any, tmp_path: Path) -> Iterator[str]:
    """uvicorn on this run's test database; tasks are recorded, never run (no media worker)."""
    yield from serve_asgi(tmp_path, "django.tasks.backends.dummy.DummyBackend")


def test_a_video_sent_in_chat_plays_in_the_conversation(
    make_user: Callable[..., User], server_without_worker: str, browser: Browser, tmp_path: Path
) -> None:
    ann, bo = make_user("Ann Fjord"), make_user("Bo Strand")
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "chatsalt", iterations=1000)
    User.objects.filter(pk__in=[ann.pk, bo.pk]).update(password=hashed)
    conversation = actions.do_start_direct(actor=ann, other_id=bo.pk)
    url = f"{server_without_worker}/chat/{conversation.pk}/"
    clip = make_video(tmp_path / "holiday.mp4", width=320, height=240, seconds=8.0)

    contexts = [
        browser.new_context(locale="en-GB", viewport=DESKTOP),
        browser.new_context(locale="en-GB", viewport=PHONE, is_mobile=True, has_touch=True),
    ]
    try:
        writer, reader = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (writer, reader):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(reader, url, bo.email, PASSWORD)
        sign_in_at(writer, url, ann.email, PASSWORD)
        reader.wait_for_timeout(700)  # Bo's chat socket is open

        # Ann attaches the video and sends it.
        writer.locator('[data-chat-composer="main"] [data-chat-file]').set_input_files(str(clip))
        expect(writer.get_by_role("button", name="Remove holiday.mp4")).to_be_visible()
        box = writer.get_by_label("Message", exact=True)
        box.fill("From the trip")
        box.press("Enter")

        # Both see it being processed (the fragment polls every 2 seconds).
        for page in (writer, reader):
            message = page.locator("[data-chat-messages] .chat-message", has_text="From the trip")
            expect(message.locator(".video-processing")).to_contain_text("Processing the video…")
            expect(message.locator("video")).to_have_count(0)
        stored = MessageFile.objects.get()
        assert stored.kind == MessageFile.Kind.VIDEO and stored.message is not None
        video = Video.objects.get(message_file=stored)
        assert video.state == Video.State.PROCESSING
        screenshot(reader, "chat-video-processing-phone", full_page=False)

        # The media worker runs; the players appear without reloading.
        assert media_actions.do_transcode_video(video_id=video.pk) == "ready"
        for page in (writer, reader):
            message = page.locator("[data-chat-messages] .chat-message", has_text="From the trip")
            player = message.locator("video[data-player]")
            expect(player).to_be_visible(timeout=10_000)
            expect(player).to_have_attribute("poster", f"/videos/{video.token}/files/poster.jpg")
            expect(player).to_have_attribute("data-autoplay", "off")
            expect(message.locator(".video-processing")).to_have_count(0)
            box_width = player.bounding_box()["width"]  # type: ignore[index]
            assert 0 < box_width <= page.viewport_size["width"]  # type: ignore[index]
            expect(player).to_have_js_property("paused", True)  # does not play by itself

        # A reload shows the player at once; pressing play plays it.
        reader.reload()
        player = reader.locator("[data-chat-messages] video[data-player]")
        expect(player).to_be_visible()
        player.evaluate("(video) => { video.play().catch(() => {}); }")  # hls.js takes over
        expect(player).to_have_js_property("paused", False)
        reader.wait_for_function(
            "() => document.querySelector('[data-chat-messages] video').currentTime > 0.2"
        )
        # Ann reacts to the message while Bo watches: Bo's video goes on playing.
        ann_copy = writer.locator("[data-chat-messages] .chat-message", has_text="From the trip")
        ann_copy.hover()
        ann_copy.get_by_role("button", name="React").click()
        ann_copy.get_by_role("button", name="Thumbs up").click()
        bo_copy = reader.locator("[data-chat-messages] .chat-message", has_text="From the trip")
        expect(bo_copy.locator(".chat-reaction")).to_have_text("👍 1")
        expect(player).to_have_js_property("paused", False)
        assert player.evaluate("(video) => video.currentTime") > 0.2
        player.evaluate("(video) => video.pause()")
        assert a11y_offenders(writer) == []
        assert a11y_offenders(reader) == []
        screenshot(writer, "chat-video-desktop", full_page=False)
        screenshot(reader, "chat-video-phone", full_page=False)
        assert errors == []
    finally:
        for context in contexts:
            context.close()
