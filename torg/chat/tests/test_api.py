"""The REST API at /api/v1/chat: every endpoint, its answers and its refusals."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from torg.accounts.models import User
from torg.chat import actions
from torg.chat.models import ChatSettings, Message, Participant
from torg.chat.tests.conftest import logged_in, make_group, send
from torg.groups import actions as group_actions

pytestmark = pytest.mark.django_db
BASE = "/api/v1/chat"


def test_conversations_members_and_settings(make_user: Callable[..., User]) -> None:
    ann, bo, cy = make_user("Ann"), make_user("Bo"), make_user("Cy")
    api = logged_in(ann)
    started = api.post(
        f"{BASE}/conversations/direct", {"user_id": bo.pk}, content_type="application/json"
    )
    assert started.status_code == 200
    dm = started.json()
    assert (dm["kind"], dm["title"], [m["name"] for m in dm["members"]]) == (
        "direct",
        "Bo",
        ["Ann", "Bo"],
    )
    assert (
        api.post(
            f"{BASE}/conversations/direct", {"user_id": 10**9}, content_type="application/json"
        ).status_code
        == 404
    )

    created = api.post(
        f"{BASE}/conversations",
        {"name": "Crew", "member_ids": [bo.pk]},
        content_type="application/json",
    )
    assert created.status_code == 201
    crew = created.json()["id"]
    bad = api.post(
        f"{BASE}/conversations",
        {"name": " ", "member_ids": [bo.pk]},
        content_type="application/json",
    )
    assert (bad.status_code, bad.json()) == (400, {"detail": "Give the conversation a name."})

    added = api.post(
        f"{BASE}/conversations/{crew}/members",
        {"user_ids": [cy.pk]},
        content_type="application/json",
    )
    assert sorted(m["id"] for m in added.json()["members"]) == sorted([ann.pk, bo.pk, cy.pk])
    renamed = api.patch(
        f"{BASE}/conversations/{crew}",
        {"name": "Crew 2", "muted": True},
        content_type="application/json",
    )
    assert (renamed.json()["title"], renamed.json()["muted"]) == ("Crew 2", True)
    refused = logged_in(bo).delete(f"{BASE}/conversations/{crew}/members/{cy.pk}")
    assert refused.status_code == 403
    assert api.delete(f"{BASE}/conversations/{crew}/members/{cy.pk}").status_code == 204
    assert not Participant.objects.filter(conversation_id=crew, user=cy).exists()
    assert logged_in(cy).get(f"{BASE}/conversations/{crew}").status_code == 404

    listed = api.get(f"{BASE}/conversations").json()
    assert {row["id"] for row in listed} == {dm["id"], crew}
    assert api.get(f"{BASE}/conversations/{dm['id']}").json()["members"][0]["presence"] == "offline"

    assert api.put(
        f"{BASE}/settings", {"share_presence": False}, content_type="application/json"
    ).json() == {"share_presence": False}
    assert ChatSettings.objects.get(user=ann).share_presence is False


def test_group_chat_by_slug(make_user: Callable[..., User]) -> None:
    owner, member, outsider = make_user(), make_user(), make_user()
    group = make_group(owner, "Team")
    group_actions.do_add_member(group=group, user=member)
    opened = logged_in(member).post(f"{BASE}/groups/{group.slug}")
    assert (opened.status_code, opened.json()["kind"], opened.json()["title"]) == (
        200,
        "team",
        "Team",
    )
    assert logged_in(outsider).post(f"{BASE}/groups/{group.slug}").status_code == 404


def test_messages_send_retry_history_edit_delete_react_thread(
    make_user: Callable[..., User],
) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    api = logged_in(ann)
    url = f"{BASE}/conversations/{dm.pk}/messages"
    first = api.post(
        url, {"client_id": "c-1", "body": "Hello *Bo*"}, content_type="application/json"
    )
    assert first.status_code == 201
    message = first.json()
    assert (message["seq"], message["html"]) == (1, "<p>Hello <em>Bo</em></p>\n")
    retry = api.post(
        url, {"client_id": "c-1", "body": "Hello *Bo*"}, content_type="application/json"
    )
    assert (retry.status_code, retry.json()["id"]) == (200, message["id"])
    assert Message.objects.count() == 1
    empty = api.post(url, {"client_id": "c-2", "body": "   "}, content_type="application/json")
    assert (empty.status_code, empty.json()) == (400, {"detail": "Write something, or add a file."})

    reply = logged_in(bo).post(
        url,
        {"client_id": "r", "body": "Reply", "parent": message["id"]},
        content_type="application/json",
    )
    assert reply.json()["parent"] == message["id"]
    thread = api.get(f"{BASE}/messages/{message['id']}/thread").json()
    assert [m["body"] for m in thread] == ["Hello *Bo*", "Reply"]

    page = api.get(f"{url}?limit=10").json()
    assert ([m["seq"] for m in page["messages"]], page["more"]) == ([1], False)
    assert [m["seq"] for m in api.get(f"{url}?after=0").json()["messages"]] == [1, 2]
    assert api.get(f"{url}?before=1&after=1").status_code == 400
    assert api.get(f"{url}?limit=0").status_code == 400

    edited = api.patch(
        f"{BASE}/messages/{message['id']}", {"body": "Hello Bo"}, content_type="application/json"
    )
    assert (edited.json()["edited"], edited.json()["body"]) == (True, "Hello Bo")
    assert (
        logged_in(bo)
        .patch(f"{BASE}/messages/{message['id']}", {"body": "x"}, content_type="application/json")
        .status_code
        == 403
    )
    reacted = logged_in(bo).post(
        f"{BASE}/messages/{message['id']}/reactions",
        {"emoji": "love"},
        content_type="application/json",
    )
    assert (reacted.json()["reacted"], reacted.json()["message"]["reactions"][0]["users"]) == (
        True,
        [bo.pk],
    )
    assert (
        api.post(
            f"{BASE}/messages/{message['id']}/reactions",
            {"emoji": "nope"},
            content_type="application/json",
        ).status_code
        == 400
    )

    assert logged_in(bo).post(
        f"{BASE}/conversations/{dm.pk}/read", {"seq": 2}, content_type="application/json"
    ).json() == {"last_read_seq": 2}
    assert api.get(f"{BASE}/messages/{message['id']}/seen-by").json() == [
        {"id": bo.pk, "name": "Bo"}
    ]
    assert logged_in(bo).get(f"{BASE}/unread").json() == {"unread": 0}
    assert api.get(f"{BASE}/unread").json() == {"unread": 1}  # Bo's reply

    found = api.get(f"{BASE}/search?q=hello").json()
    assert [m["id"] for m in found] == [message["id"]]
    assert api.get(f"{BASE}/search?q=hello&conversation={dm.pk}").json()[0]["id"] == message["id"]

    deleted = api.delete(f"{BASE}/messages/{message['id']}")
    assert (deleted.json()["deleted"], deleted.json()["body"]) == (True, "")


def test_file_upload_and_send(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    api = logged_in(ann)
    uploaded = api.post(f"{BASE}/files", {"file": SimpleUploadedFile("notes.txt", b"hi there")})
    assert uploaded.status_code == 201
    stored = uploaded.json()
    assert (stored["name"], stored["kind"], stored["size"]) == ("notes.txt", "file", 8)
    empty = api.post(f"{BASE}/files", {"file": SimpleUploadedFile("e.txt", b"")})
    assert (empty.status_code, empty.json()) == (400, {"detail": "The file is empty."})
    sent = api.post(
        f"{BASE}/conversations/{dm.pk}/messages",
        {"client_id": "f", "body": "", "files": [stored["id"]]},
        content_type="application/json",
    )
    assert sent.status_code == 201
    assert [f["name"] for f in sent.json()["files"]] == ["notes.txt"]
    send(bo, dm, "thanks")
