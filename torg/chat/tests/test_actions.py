"""Conversations, messages and their rules, through the actions and selectors."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.chat import actions, selectors
from torg.chat.access import ChatNotFound, access_conversation, access_file, access_message
from torg.chat.models import Conversation, Message, MessageFile, Participant, Reaction
from torg.chat.tests.conftest import make_group, send
from torg.groups import actions as group_actions
from torg.notifications.models import Notification

pytestmark = pytest.mark.django_db
CSRF_MASK = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def same_answer(response) -> tuple[int, bytes]:  # type: ignore[no-untyped-def]
    """Status and body with the per-response CSRF mask blanked (it differs on every render)."""
    return response.status_code, CSRF_MASK.sub(rb'\1-"', response.content)


def test_messages_get_consecutive_seqs(make_user: Callable[..., User]) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    first = send(ann, dm, "Hi")
    second = send(bo, dm, "Hello")
    third = send(ann, dm, "How are you?")
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    dm.refresh_from_db()
    assert dm.last_seq == 3
    # Another conversation counts on its own.
    other = actions.do_create_group_conversation(actor=ann, name="Trip", member_ids=[bo.pk])
    assert send(ann, other, "Plans").seq == 1


def test_retry_with_the_same_client_id_returns_the_first_message(
    make_user: Callable[..., User],
) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    first, created = actions.do_send_message(
        actor=ann, conversation=dm, body="Once", client_id="abc-1"
    )
    again, created_again = actions.do_send_message(
        actor=ann, conversation=dm, body="Once", client_id="abc-1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Message.objects.filter(conversation=dm).count() == 1
    dm.refresh_from_db()
    assert dm.last_seq == 1
    # The same client id from someone else is their own message.
    theirs, created_theirs = actions.do_send_message(
        actor=bo, conversation=dm, body="Mine", client_id="abc-1"
    )
    assert created_theirs and theirs.seq == 2
    # Reusing a client id for another conversation is refused, not silently merged.
    other = actions.do_create_group_conversation(actor=ann, name="X", member_ids=[bo.pk])
    with pytest.raises(ValidationError):
        actions.do_send_message(actor=ann, conversation=other, body="Once", client_id="abc-1")
    assert Message.objects.filter(conversation=other).count() == 0


def test_bad_input_is_refused_with_a_message(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    for body, client_id in [
        ("", "x1"),
        ("a\x00b", "x2"),
        ("x" * 10_001, "x3"),
        ("ok", ""),
        ("ok", "é"),
    ]:
        with pytest.raises(ValidationError):
            actions.do_send_message(actor=ann, conversation=dm, body=body, client_id=client_id)
    assert Message.objects.count() == 0
    dm.refresh_from_db()
    assert dm.last_seq == 0


def test_one_direct_conversation_per_pair(make_user: Callable[..., User]) -> None:
    ann, bo, cy = make_user(), make_user(), make_user()
    first = actions.do_start_direct(actor=ann, other_id=bo.pk)
    assert actions.do_start_direct(actor=bo, other_id=ann.pk).pk == first.pk
    assert actions.do_start_direct(actor=ann, other_id=cy.pk).pk != first.pk
    assert sorted(
        Participant.objects.filter(conversation=first).values_list("user_id", flat=True)
    ) == sorted([ann.pk, bo.pk])
    with pytest.raises(ChatNotFound):
        actions.do_start_direct(actor=ann, other_id=999_999)
    # A third person cannot read it.
    with pytest.raises(ChatNotFound):
        access_conversation(cy, first.pk)


def test_group_conversation_add_and_remove(make_user: Callable[..., User]) -> None:
    ann, bo, cy, di = make_user(), make_user(), make_user(), make_user()
    talk = actions.do_create_group_conversation(
        actor=ann, name="  Lunch   crew ", member_ids=[bo.pk]
    )
    assert talk.name == "Lunch crew"
    send(ann, talk, "Pizza?")
    assert actions.do_add_members(actor=bo, conversation=talk, user_ids=[cy.pk]) == [cy.pk]
    # A newcomer starts with the history read.
    assert Participant.objects.get(conversation=talk, user=cy).last_read_seq == 1
    assert access_conversation(cy, talk.pk) == talk
    with pytest.raises(PermissionDenied):
        actions.do_remove_member(actor=bo, conversation=talk, user_id=cy.pk)
    actions.do_remove_member(actor=ann, conversation=talk, user_id=cy.pk)
    with pytest.raises(ChatNotFound):
        access_conversation(cy, talk.pk)
    actions.do_remove_member(actor=bo, conversation=talk, user_id=bo.pk)  # leaving
    with pytest.raises(ChatNotFound):
        send(bo, talk, "Still here?")
    with pytest.raises(ChatNotFound):
        actions.do_remove_member(actor=ann, conversation=talk, user_id=di.pk)


def test_group_chat_follows_group_membership(make_user: Callable[..., User]) -> None:
    owner, member, later = make_user(), make_user(), make_user()
    group = make_group(owner, "Events", privacy="open")
    group_actions.do_add_member(group=group, user=member)
    chat = actions.do_open_group_chat(actor=member, group=group)
    assert actions.do_open_group_chat(actor=owner, group=group).pk == chat.pk
    send(member, chat, "Hello team")
    # An employee who may read the open group but is not a member is not in its chat.
    with pytest.raises(ChatNotFound):
        access_conversation(later, chat.pk)
    group_actions.do_join_group(actor=later, group=group)
    assert access_conversation(later, chat.pk) == chat
    assert Participant.objects.filter(conversation=chat, user=later).count() == 0  # not copied
    group_actions.do_leave_group(actor=later, group=group)
    with pytest.raises(ChatNotFound):
        access_conversation(later, chat.pk)
    with pytest.raises(ChatNotFound):
        send(later, chat, "Hello?")


def test_secret_group_chat_does_not_exist_for_outsiders(
    make_user: Callable[..., User], client
) -> None:
    owner, outsider = make_user(), make_user()
    group = make_group(owner, "Board", privacy="secret")
    chat = actions.do_open_group_chat(actor=owner, group=group)
    message = send(owner, chat, "Quarterly numbers")
    upload = actions.do_upload_file(
        uploader=owner, upload=SimpleUploadedFile("plan.txt", b"secret plan")
    )
    send_with_file, _ = actions.do_send_message(
        actor=owner, conversation=chat, body="", client_id="f1", file_ids=[upload.pk]
    )
    for lookup in (
        lambda: access_conversation(outsider, chat.pk),
        lambda: access_message(outsider, message.pk),
        lambda: access_file(outsider, upload.pk),
        lambda: actions.do_open_group_chat(actor=outsider, group=group),
    ):
        with pytest.raises(ChatNotFound):
            lookup()
    assert selectors.search(outsider, "Quarterly") == []
    assert selectors.unread_total(outsider) == 0
    assert selectors.conversation_rows(outsider) == []
    client.force_login(outsider)
    missing = 10**9
    pairs = [
        (f"/chat/{chat.pk}/", f"/chat/{missing}/"),
        (f"/chat/files/{upload.pk}/", f"/chat/files/{missing}/"),
        (f"/api/v1/chat/conversations/{chat.pk}", f"/api/v1/chat/conversations/{missing}"),
        (
            f"/api/v1/chat/conversations/{chat.pk}/messages",
            f"/api/v1/chat/conversations/{missing}/messages",
        ),
        (f"/api/v1/chat/messages/{message.pk}/thread", f"/api/v1/chat/messages/{missing}/thread"),
        (
            f"/api/v1/chat/search?q=x&conversation={chat.pk}",
            f"/api/v1/chat/search?q=x&conversation={missing}",
        ),
    ]
    for hidden, nonexistent in pairs:
        seen, absent = client.get(hidden), client.get(nonexistent)
        assert same_answer(seen) == same_answer(absent), hidden
        assert seen.status_code == 404
    opened = client.post(f"/api/v1/chat/groups/{group.slug}", content_type="application/json")
    nothing = client.post("/api/v1/chat/groups/no-such-group", content_type="application/json")
    assert same_answer(opened) == same_answer(nothing)
    assert client.post(f"/chat/groups/{group.slug}/").status_code == 404
    assert send_with_file.files.count() == 1


def test_history_pages_by_seq_and_catch_up_includes_replies(
    make_user: Callable[..., User],
) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    for number in range(1, 8):
        send(ann, dm, f"m{number}")
    root = Message.objects.get(conversation=dm, seq=2)
    reply, _ = actions.do_send_message(
        actor=bo, conversation=dm, body="in thread", client_id="r1", parent_id=root.pk
    )
    assert reply.seq == 8
    root.refresh_from_db()
    assert root.reply_count == 1
    page, more = selectors.history(dm, limit=3)
    assert ([m["seq"] for m in page], more) == ([5, 6, 7], True)  # the reply is in the thread
    page, more = selectors.history(dm, before=5, limit=3)
    assert ([m["seq"] for m in page], more) == ([2, 3, 4], True)
    page, more = selectors.history(dm, before=2, limit=3)
    assert ([m["seq"] for m in page], more) == ([1], False)
    # A client that last saw seq 6 fetches everything after it: the gap is filled in order.
    page, more = selectors.history(dm, after=6)
    assert ([m["seq"] for m in page], more) == ([7, 8], False)
    assert page[1]["parent"] == root.pk
    assert [m["seq"] for m in selectors.thread(root)] == [2, 8]


def test_history_query_count_is_fixed(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    for number in range(3):
        send(bo, dm, f"plain {number}")
    with CaptureQueriesContext(connection) as plain:
        page, _more = selectors.history(dm)
    assert len(plain) == 1  # no files, reactions or links on the page: the messages only
    assert [m["body"] for m in page] == ["plain 0", "plain 1", "plain 2"]
    message = send(ann, dm, "see https://example.com/page")
    actions.do_toggle_reaction(actor=bo, message=message, emoji="like")
    with CaptureQueriesContext(connection) as first:
        selectors.history(dm)
    for number in range(20):
        sent = send(bo if number % 2 else ann, dm, f"more https://example.org/{number}")
        actions.do_toggle_reaction(actor=ann, message=sent, emoji="love")
    upload = actions.do_upload_file(uploader=ann, upload=SimpleUploadedFile("a.txt", b"abc"))
    actions.do_send_message(
        actor=ann, conversation=dm, body="", client_id="f", file_ids=[upload.pk]
    )
    with CaptureQueriesContext(connection) as second:
        page, _more = selectors.history(dm)
    assert len(first) == 3  # messages, reactions, link previews (no message has files)
    assert len(second) == 4  # messages, files, reactions, link previews
    assert len(page) == 25
    assert page[-1]["files"][0]["name"] == "a.txt"
    assert page[1]["reactions"] == []  # "plain 1"
    assert page[3]["reactions"][0]["users"] == [bo.pk]


def test_edit_delete_and_reactions(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    message = send(ann, dm, "Helo")
    with pytest.raises(PermissionDenied):
        actions.do_edit_message(actor=bo, message=message, body="Hacked")
    actions.do_edit_message(actor=ann, message=message, body="Hello **all**")
    data = selectors.history(dm)[0][0]
    assert (data["edited"], data["html"]) == (True, "<p>Hello <strong>all</strong></p>\n")
    assert actions.do_toggle_reaction(actor=bo, message=message, emoji="like") is True
    assert actions.do_toggle_reaction(actor=ann, message=message, emoji="like") is True
    assert actions.do_toggle_reaction(actor=ann, message=message, emoji="like") is False
    with pytest.raises(ValidationError):
        actions.do_toggle_reaction(actor=ann, message=message, emoji="<script>")
    data = selectors.history(dm)[0][0]
    assert data["reactions"] == [{"emoji": "like", "symbol": "👍", "count": 1, "users": [bo.pk]}]
    with pytest.raises(PermissionDenied):
        actions.do_delete_message(actor=bo, message=message)
    actions.do_delete_message(actor=ann, message=message)
    data = selectors.history(dm)[0][0]
    assert (data["deleted"], data["body"], data["html"], data["reactions"]) == (True, "", "", [])
    assert Reaction.objects.count() == 0
    assert selectors.search(ann, "Hello") == []


def test_markdown_is_sanitised(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    message = send(ann, dm, "<script>alert(1)</script> [x](javascript:alert(1)) _hi_")
    assert "<script>" not in message.body_html
    assert "javascript:" not in message.body_html.replace("[x](javascript:alert(1))", "")
    assert "<em>hi</em>" in message.body_html


def test_unread_counts_read_receipts_and_mute(make_user: Callable[..., User]) -> None:
    ann, bo, cy = make_user("Ann"), make_user("Bo"), make_user("Cy")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    talk = actions.do_create_group_conversation(actor=cy, name="Team", member_ids=[bo.pk, ann.pk])
    send(ann, dm, "one")
    last = send(ann, dm, "two")
    send(cy, talk, "three")
    assert selectors.unread_total(bo) == 3
    assert selectors.unread_total(ann) == 1  # own messages are read
    rows = {row.id: row.unread for row in selectors.conversation_rows(bo)}
    assert rows == {dm.pk: 2, talk.pk: 1}
    assert selectors.seen_by(dm, last) == []
    assert actions.do_mark_read(actor=bo, conversation=dm, seq=99) == 2  # capped at the newest
    assert actions.do_mark_read(actor=bo, conversation=dm, seq=1) == 2  # never backwards
    assert selectors.seen_by(dm, last) == [{"id": bo.pk, "name": "Bo"}]
    assert selectors.unread_total(bo) == 1
    actions.do_set_muted(actor=bo, conversation=talk, muted=True)
    assert selectors.unread_total(bo) == 0
    assert {row.id: row.muted for row in selectors.conversation_rows(bo)} == {
        dm.pk: False,
        talk.pk: True,
    }


def test_mentions_notify_members_only(
    make_user: Callable[..., User], django_capture_on_commit_callbacks
) -> None:
    ann, bo, cy, outsider = make_user("Ann"), make_user("Bo"), make_user("Cy"), make_user("Out")
    talk = actions.do_create_group_conversation(actor=ann, name="T", member_ids=[bo.pk, cy.pk])
    with django_capture_on_commit_callbacks(execute=True):
        message = send(ann, talk, f"@[Bo](user:{bo.pk}) and @[Out](user:{outsider.pk}) look")
    rows = list(Notification.objects.values_list("recipient_id", "kind", "post_id"))
    assert rows == [(bo.pk, Notification.Kind.MENTION, None)]
    assert f'href="/people/{bo.pk}/"' in message.body_html
    assert f"/people/{outsider.pk}/" not in message.body_html  # not a member: plain text
    # A muted conversation still notifies mentions; nobody else is notified.
    actions.do_set_muted(actor=cy, conversation=talk, muted=True)
    with django_capture_on_commit_callbacks(execute=True):
        send(ann, talk, f"@[Cy](user:{cy.pk}) ping")
    assert sorted(Notification.objects.values_list("recipient_id", flat=True)) == sorted(
        [bo.pk, cy.pk]
    )


def test_files_are_checked_and_only_members_download(
    make_user: Callable[..., User], client
) -> None:
    ann, bo, cy = make_user(), make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    with pytest.raises(ValidationError):
        actions.do_upload_file(uploader=ann, upload=SimpleUploadedFile("empty.txt", b""))
    stored = actions.do_upload_file(
        uploader=ann, upload=SimpleUploadedFile("../../notes.txt", b"hello")
    )
    assert (stored.name, stored.kind) == ("notes.txt", MessageFile.Kind.FILE)
    # Someone else's upload cannot be sent.
    with pytest.raises(ValidationError):
        actions.do_send_message(
            actor=bo, conversation=dm, body="", client_id="steal", file_ids=[stored.pk]
        )
    message, _ = actions.do_send_message(
        actor=ann, conversation=dm, body="notes", client_id="n", file_ids=[stored.pk]
    )
    client.force_login(bo)
    response = client.get(f"/chat/files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"hello"  # type: ignore[attr-defined]
    client.force_login(cy)
    assert client.get(f"/chat/files/{stored.pk}/").status_code == 404
    actions.do_delete_message(actor=ann, message=message)
    client.force_login(bo)
    assert client.get(f"/chat/files/{stored.pk}/").status_code == 404


def test_search_in_one_and_across_my_conversations(make_user: Callable[..., User]) -> None:
    ann, bo, cy = make_user(), make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    other = actions.do_start_direct(actor=ann, other_id=cy.pk)
    send(ann, dm, "The budget is ready")
    send(ann, other, "Budget meeting at 10")
    assert [m["body"] for m in selectors.search(ann, "budget")] == [
        "Budget meeting at 10",
        "The budget is ready",
    ]
    assert [m["body"] for m in selectors.search(bo, "budget")] == ["The budget is ready"]
    assert [m["body"] for m in selectors.search(ann, "BUDGET", conversation=other)] == [
        "Budget meeting at 10"
    ]
    assert selectors.search(ann, "") == []


def test_rename_only_group_conversations(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    with pytest.raises(ValidationError):
        actions.do_rename(actor=ann, conversation=dm, name="x")
    talk = actions.do_create_group_conversation(actor=ann, name="A", member_ids=[bo.pk])
    actions.do_rename(actor=bo, conversation=talk, name="B")
    assert Conversation.objects.get(pk=talk.pk).name == "B"
    with pytest.raises(ValidationError):
        actions.do_rename(actor=bo, conversation=talk, name=" ")


def test_direct_messages_notify_the_other_person_once_per_conversation(
    make_user: Callable[..., User], django_capture_on_commit_callbacks
) -> None:
    from torg.notifications import selectors as notification_selectors

    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    with django_capture_on_commit_callbacks(execute=True):
        send(ann, dm, "Hi Bo")
        send(ann, dm, "Are you there?")
    rows = list(Notification.objects.all())
    assert [(r.recipient_id, r.kind, r.reason, r.actor_count) for r in rows] == [
        (bo.pk, Notification.Kind.CHAT_MESSAGE, Notification.Reason.DIRECT_MESSAGE, 1)
    ]
    assert notification_selectors.target_url(rows[0]) == f"/chat/{dm.pk}/"
    assert notification_selectors.describe(rows[0]) == "Ann sent you a message"
    # A muted conversation sends nothing more.
    actions.do_set_muted(actor=bo, conversation=dm, muted=True)
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        send(ann, dm, "Still there?")
    assert not Notification.objects.exists()


def test_a_chat_mention_links_to_its_message(
    make_user: Callable[..., User], django_capture_on_commit_callbacks
) -> None:
    from torg.notifications import selectors as notification_selectors

    ann, bo = make_user("Ann"), make_user("Bo")
    talk = actions.do_create_group_conversation(actor=ann, name="T", member_ids=[bo.pk])
    with django_capture_on_commit_callbacks(execute=True):
        message = send(ann, talk, f"@[Bo](user:{bo.pk}) look")
    row = Notification.objects.get()
    assert notification_selectors.target_url(row) == f"/chat/{talk.pk}/#m{message.seq}"
    assert notification_selectors.describe(row) == "Ann mentioned you in a chat"


def test_an_archived_groups_chat_is_read_only(make_user: Callable[..., User]) -> None:
    from torg.governance.lifecycle import do_archive_group

    owner, member = make_user(), make_user()
    group = make_group(owner, "Old project", privacy="open")
    group_actions.do_add_member(group=group, user=member)
    chat = actions.do_open_group_chat(actor=member, group=group)
    send(member, chat, "Before archiving")
    do_archive_group(actor=owner, group=group)
    with pytest.raises(ValidationError):
        send(member, chat, "After archiving")
    assert list(chat.messages.values_list("body", flat=True)) == ["Before archiving"]
