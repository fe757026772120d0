"""The chat WebSocket on the real ASGI app: delivery after commit, order and gaps, idempotent
retries, removal (including events already queued) and durability across a restart."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from torg.accounts.models import User
from torg.chat import actions
from torg.chat.models import Message
from torg.chat.tests.conftest import chat_socket, make_group, send
from torg.groups import actions as group_actions
from torg.realtime.tests.conftest import run_async, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


async def connected(cookie: bytes) -> tuple[Any, dict[str, int]]:
    ws = chat_socket(cookie)
    ok, _code = await ws.connect()
    assert ok
    welcome = await ws.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return ws, {int(k): v for k, v in welcome["conversations"].items()}


def test_anonymous_is_closed(transactional_db: Any) -> None:
    async def body() -> None:
        ok, code = await chat_socket().connect()
        assert (ok, code) == (False, 4401)

    run_async(body)


def test_send_is_acknowledged_after_commit_and_delivered_in_order(
    make_user: Callable[..., User],
) -> None:
    ann, bo, cy = make_user("Ann"), make_user("Bo"), make_user("Cy")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    ann_cookie, bo_cookie, cy_cookie = session_cookie(ann), session_cookie(bo), session_cookie(cy)

    async def body() -> None:
        sender, seqs = await connected(ann_cookie)
        assert seqs == {dm.pk: 0}
        receiver, _ = await connected(bo_cookie)
        outsider, outsider_seqs = await connected(cy_cookie)
        assert outsider_seqs == {}
        for number in range(1, 6):
            await sender.send_json_to(
                {
                    "type": "send",
                    "conversation": dm.pk,
                    "client_id": f"k{number}",
                    "body": f"#{number}",
                }
            )
        acks, own_events = [], []
        while len(acks) < 5 or len(own_events) < 5:
            answer = await sender.receive_json_from()
            (acks if answer["type"] == "ack" else own_events).append(answer)
        assert [a["message"]["seq"] for a in acks] == [1, 2, 3, 4, 5]
        # Acknowledged means committed: each acked message is already in the database.
        stored = await db(
            lambda: list(Message.objects.order_by("seq").values_list("seq", "body"))
        )()
        assert stored == [(n, f"#{n}") for n in range(1, 6)]
        received = [await receiver.receive_json_from() for _ in range(5)]
        assert [(e["kind"], e["seq"], e["message"]["body"]) for e in received] == [
            ("message.new", n, f"#{n}") for n in range(1, 6)
        ]
        assert received[0]["message"]["sender"] == {"id": ann.pk, "name": "Ann"}
        assert await outsider.receive_nothing(timeout=0.3)
        for ws in (sender, receiver, outsider):
            await ws.disconnect()

    run_async(body)


def test_a_client_that_missed_messages_sees_the_gap_and_fetches_them(
    make_user: Callable[..., User],
) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    bo_cookie = session_cookie(bo)

    async def body() -> None:
        ws, _ = await connected(bo_cookie)
        await db(send)(ann, dm, "one")
        first = await ws.receive_json_from()
        assert first["seq"] == 1
        await ws.disconnect()
        # While disconnected: two more messages (and a thread reply) that never reach Bo live.
        await db(send)(ann, dm, "two")
        await db(send)(ann, dm, "three")
        ws, seqs = await connected(bo_cookie)
        assert seqs[dm.pk] == 3  # the welcome says the conversation is at 3; Bo has 1: a gap
        await db(send)(ann, dm, "four")
        live = await ws.receive_json_from()
        assert live["seq"] == 4  # after the gap: the client holds it back and asks
        await ws.send_json_to({"type": "sync", "conversation": dm.pk, "after": first["seq"]})
        fetched = await ws.receive_json_from()
        assert fetched["type"] == "messages"
        assert [m["seq"] for m in fetched["messages"]] == [2, 3, 4]
        assert [m["body"] for m in fetched["messages"]] == ["two", "three", "four"]
        assert fetched["more"] is False
        await ws.send_json_to({"type": "sync", "conversation": dm.pk, "after": "x"})
        assert (await ws.receive_json_from())["code"] == "invalid"
        await ws.disconnect()

    run_async(body)


def test_retry_after_a_lost_ack_returns_the_same_message(make_user: Callable[..., User]) -> None:
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    ann_cookie, bo_cookie = session_cookie(ann), session_cookie(bo)
    payload = {"type": "send", "conversation": dm.pk, "client_id": "retry-1", "body": "Only once"}

    async def body() -> None:
        receiver, _ = await connected(bo_cookie)
        first_try = chat_socket(ann_cookie)
        await first_try.connect()
        await first_try.receive_json_from()
        await first_try.send_json_to(payload)
        # The network drops before the ack is read: the client reconnects and sends again.
        await first_try.receive_output(timeout=5)
        await first_try.disconnect()
        second_try, _ = await connected(ann_cookie)
        await second_try.send_json_to(payload)
        ack = await second_try.receive_json_from()
        assert (ack["type"], ack["created"], ack["client_id"]) == ("ack", False, "retry-1")
        assert ack["message"]["seq"] == 1
        event = await receiver.receive_json_from()
        assert (event["seq"], event["message"]["body"]) == (1, "Only once")
        assert await receiver.receive_nothing(timeout=0.3)  # no second message.new
        assert await db(Message.objects.count)() == 1
        await receiver.disconnect()
        await second_try.disconnect()

    run_async(body)


def test_removed_member_stops_receiving_including_queued_events(
    make_user: Callable[..., User],
) -> None:
    ann, bo, cy = make_user(), make_user(), make_user()
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk, cy.pk])
    bo_cookie = session_cookie(bo)

    def send_then_remove() -> None:
        # "Two" is sent to Bo's channel when its transaction commits; Bo's connection checks
        # membership before delivering it, which (same ORM thread) runs after the removal.
        send(ann, talk, "Two")
        actions.do_remove_member(actor=ann, conversation=talk, user_id=bo.pk)

    async def body() -> None:
        ws, _ = await connected(bo_cookie)
        await db(send)(ann, talk, "One")
        assert (await ws.receive_json_from())["message"]["body"] == "One"
        await db(send_then_remove)()
        event = await ws.receive_json_from()
        assert (event["kind"], event["conversation"]) == ("conversation.removed", talk.pk)
        assert await ws.receive_nothing(timeout=0.3)
        await db(send)(cy, talk, "Three")
        assert await ws.receive_nothing(timeout=0.3)
        await ws.send_json_to({"type": "sync", "conversation": talk.pk, "after": 0})
        assert (await ws.receive_json_from())["code"] == "not_found"
        await ws.send_json_to(
            {"type": "send", "conversation": talk.pk, "client_id": "x", "body": "Hi?"}
        )
        refused = await ws.receive_json_from()
        assert (refused["code"], refused["client_id"]) == ("not_found", "x")
        await ws.disconnect()

    run_async(body)


def test_leaving_the_group_leaves_its_chat_at_once(make_user: Callable[..., User]) -> None:
    owner, member = make_user(), make_user()
    group = make_group(owner, "Events", privacy="secret")
    group_actions.do_add_member(group=group, user=member)
    chat = actions.do_open_group_chat(actor=owner, group=group)
    cookie = session_cookie(member)

    def send_then_leave() -> None:
        send(owner, chat, "Queued")
        group_actions.do_leave_group(actor=member, group=group)

    async def body() -> None:
        ws, seqs = await connected(cookie)
        assert chat.pk in seqs
        await db(send)(owner, chat, "Hello")
        assert (await ws.receive_json_from())["message"]["body"] == "Hello"
        await db(send_then_leave)()
        assert await ws.receive_nothing(timeout=0.3)
        await db(send)(owner, chat, "After")
        assert await ws.receive_nothing(timeout=0.3)
        await ws.send_json_to({"type": "open", "conversation": chat.pk})
        assert (await ws.receive_json_from())["code"] == "not_found"
        await ws.disconnect()

    run_async(body)


def test_typing_and_read_receipts(make_user: Callable[..., User]) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    ann_cookie, bo_cookie = session_cookie(ann), session_cookie(bo)

    async def body() -> None:
        a, _ = await connected(ann_cookie)
        b, _ = await connected(bo_cookie)
        await a.send_json_to({"type": "typing", "conversation": dm.pk})
        typing = await b.receive_json_from()
        assert (typing["kind"], typing["user"], typing["name"]) == ("typing", ann.pk, "Ann")
        assert await a.receive_nothing(timeout=0.2)  # not echoed to the typist
        assert await db(Message.objects.count)() == 0  # typing is never stored
        await db(send)(ann, dm, "Seen?")
        await a.receive_json_from()
        await b.receive_json_from()
        await b.send_json_to({"type": "read", "conversation": dm.pk, "seq": 1})
        receipt = await a.receive_json_from()
        assert (receipt["kind"], receipt["user"], receipt["seq"]) == ("read", bo.pk, 1)
        await a.disconnect()
        await b.disconnect()

    run_async(body)


def test_an_acknowledged_message_survives_a_restart(make_user: Callable[..., User]) -> None:
    """After the ack the process may die: another process, with its own connection, reads it."""
    ann, bo = make_user(), make_user()
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    ann_cookie, bo_cookie = session_cookie(ann), session_cookie(bo)
    acked: dict[str, Any] = {}

    async def send_and_crash() -> None:
        ws, _ = await connected(ann_cookie)
        await ws.send_json_to(
            {"type": "send", "conversation": dm.pk, "client_id": "durable", "body": "Keep me"}
        )
        answer = await ws.receive_json_from()
        while answer["type"] != "ack":  # its own message.new may come first
            answer = await ws.receive_json_from()
        acked.update(answer["message"])
        # No clean disconnect: the server "dies" here.

    run_async(send_and_crash)
    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        script = (
            "import sqlite3, sys, json; c = sqlite3.connect(sys.argv[1]); "
            "print(json.dumps(c.execute('select seq, body from chat_message where id=?', "
            "(int(sys.argv[2]),)).fetchone()))"
        )
        argv = [settings_dict["NAME"], str(acked["id"])]
    else:
        script = (
            "import psycopg, sys, json; c = psycopg.connect(sys.argv[1]); "
            "print(json.dumps(c.execute('select seq, body from chat_message where id=%s', "
            "(int(sys.argv[2]),)).fetchone()))"
        )
        dsn = (
            f"host={settings_dict['HOST'] or 'localhost'} port={settings_dict['PORT'] or 5432} "
            f"dbname={settings_dict['NAME']} user={settings_dict['USER']} "
            f"password={settings_dict['PASSWORD'] or ''}"
        )
        argv = [dsn, str(acked["id"])]
    output = subprocess.run(
        [sys.executable, "-c", script, *argv],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("DJANGO")},
    ).stdout
    assert json.loads(output) == [1, "Keep me"]

    async def new_connection_catches_up() -> None:
        ws, seqs = await connected(bo_cookie)
        assert seqs[dm.pk] == 1
        await ws.send_json_to({"type": "sync", "conversation": dm.pk, "after": 0})
        fetched = await ws.receive_json_from()
        assert [(m["seq"], m["body"]) for m in fetched["messages"]] == [(1, "Keep me")]
        await ws.disconnect()

    run_async(new_connection_catches_up)
