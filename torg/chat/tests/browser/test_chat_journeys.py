"""Browser journey: two people chat in two browser contexts (desktop and a 375 px phone).

Runs against uvicorn (torg.asgi: HTTP and WebSocket in one process) on the test database,
since pytest-django's live server speaks no WebSocket.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from playwright.sync_api import Browser, expect

from torg.accounts.models import User
from torg.chat.models import Message, MessageFile, Reaction
from torg.core.tests.browser.fixtures import DESKTOP, PHONE, a11y_offenders, screenshot, sign_in_at

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-123456789"


def test_two_people_chat(
    make_user: Callable[..., User], chat_server: str, browser: Browser, tmp_path: Path
) -> None:
    ann, bo = make_user("Ann Fjord"), make_user("Bo Strand")
    hashed = PBKDF2PasswordHasher().encode(PASSWORD, "chatsalt", iterations=1000)
    User.objects.filter(pk__in=[ann.pk, bo.pk]).update(password=hashed)
    base = chat_server

    contexts = [
        browser.new_context(locale="en-GB", viewport=DESKTOP),
        browser.new_context(locale="en-GB", viewport=PHONE),
    ]
    try:
        writer, reader = (context.new_page() for context in contexts)
        errors: list[str] = []
        for page in (writer, reader):
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in_at(reader, f"{base}/", bo.email, PASSWORD)
        sign_in_at(writer, f"{base}/chat/", ann.email, PASSWORD)
        reader_nav = reader.locator(".sidenav [data-chat-unread]")
        expect(reader_nav).to_have_attribute("data-chat-unread", "0")
        reader.wait_for_timeout(700)  # Bo's chat socket is open

        # Ann starts a direct conversation with Bo from the chat page.
        writer.get_by_text("New conversation").click()
        writer.get_by_label("People").fill("Bo")
        writer.get_by_role("button", name="Bo Strand").click()
        with writer.expect_navigation():
            writer.get_by_role("button", name="Start").click()
        expect(writer.locator("[data-chat-title]")).to_have_text("Bo Strand")
        composer = writer.get_by_label("Message", exact=True)
        composer.fill("Hi Bo, see **this** https://example.com")
        composer.press("Enter")
        mine = writer.locator("[data-chat-messages] .chat-message", has_text="Hi Bo")
        expect(mine.locator("strong", has_text="this")).to_be_visible()

        # Bo, on another page, sees the unread count rise live, then opens the conversation.
        expect(reader_nav.locator("[data-chat-unread-number]")).to_have_text("1")
        reader.locator(".sidenav .nav-chat").click()
        expect(reader).to_have_url(f"{base}/chat/")
        with reader.expect_navigation():
            reader.locator("[data-chat-conversations] a", has_text="Ann Fjord").click()
        expect(reader.locator("[data-chat-messages]")).to_contain_text("Hi Bo, see this")
        # Reading it clears the count, and Ann sees the receipt.
        expect(reader.locator("[data-chat-unread-number]")).to_be_hidden()
        expect(writer.locator("[data-chat-seen]")).to_have_text("Seen by Bo Strand")

        # Bo types: Ann sees it; nothing is stored.
        reply_box = reader.get_by_label("Message", exact=True)
        reply_box.press_sequentially("Got it", delay=30)
        expect(writer.locator("[data-chat-typing]")).to_have_text("Bo Strand is typing…")
        assert Message.objects.count() == 1

        # Bo attaches a file and sends.
        notes = tmp_path / "agenda.txt"
        notes.write_text("1. Coffee\n2. Plans\n")
        reader.locator('[data-chat-composer="main"] [data-chat-file]').set_input_files(str(notes))
        expect(reader.get_by_role("button", name="Remove agenda.txt")).to_be_visible()
        reply_box.press("Enter")
        bo_message = writer.locator("[data-chat-messages] .chat-message", has_text="Got it")
        expect(bo_message.get_by_role("link", name="agenda.txt")).to_be_visible()
        assert MessageFile.objects.get().message.body == "Got it"  # type: ignore[union-attr]
        expect(writer.locator("[data-chat-typing]")).to_have_text("", timeout=8000)

        # Ann reacts; Bo sees the reaction.
        bo_message.hover()
        bo_message.get_by_role("button", name="React").click()
        bo_message.get_by_role("button", name="Thumbs up").click()
        expect(bo_message.locator(".chat-reaction")).to_have_text("👍 1")
        reader_copy = reader.locator("[data-chat-messages] .chat-message", has_text="Got it")
        expect(reader_copy.locator(".chat-reaction")).to_have_text("👍 1")
        assert Reaction.objects.get().user_id == ann.pk

        # Bo replies in a thread to Ann's message; Ann's message shows the reply count.
        first = reader.locator("[data-chat-messages] .chat-message", has_text="Hi Bo")
        first.get_by_role("button", name="Reply in thread").click()
        thread_box = reader.get_by_label("Reply in thread", exact=True)
        thread_box.fill("Threaded answer")
        thread_box.press("Enter")
        expect(reader.locator("[data-chat-thread-messages]")).to_contain_text("Threaded answer")
        expect(mine.get_by_role("button", name="1 reply")).to_be_visible()
        expect(writer.locator("[data-chat-messages]")).not_to_contain_text("Threaded answer")

        # Ann read everything live: her count is 0. The phone shows one pane at a time.
        expect(writer.locator(".sidenav [data-chat-unread-number]")).to_be_hidden()
        assert a11y_offenders(writer) == []
        assert a11y_offenders(reader) == []
        reader.locator("[data-chat-thread-close]").click()
        screenshot(writer, "chat-desktop", full_page=False)
        screenshot(reader, "chat-phone", full_page=False)
        expect(reader.locator("[data-chat-list-pane]")).to_be_hidden()
        assert errors == []
    finally:
        for context in contexts:
            context.close()
