"""The process's chat hub: one subscription per conversation, and one membership check for
all the process's connections of every event that arrived together."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.chat import actions, consumers, hub
from torg.chat.access import members_among
from torg.chat.tests.conftest import make_group, send
from torg.chat.tests.test_consumer import connected
from torg.groups import actions as group_actions
from torg.realtime.tests.conftest import run_async, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


def _listeners(layer: Any, group: str) -> set[str]:
    """The layer's channels subscribed to ``group`` (in-memory and Redis pub/sub layers)."""
    key = (
        layer._get_group_channel_name(group) if hasattr(layer, "_get_group_channel_name") else group
    )
    return set(layer.groups.get(key, ()))


def _this_loops_hub() -> hub.ChatHub:
    return hub._hubs[id(asyncio.get_running_loop())]


def test_one_subscription_per_conversation_for_all_connections_of_a_process(
    make_user: Callable[..., User],
) -> None:
    ann, bo, cy = make_user("Ann"), make_user("Bo"), make_user("Cy")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk, cy.pk])
    cookies = [session_cookie(person) for person in (ann, bo, cy)]

    async def body() -> None:
        sockets = [(await connected(cookie))[0] for cookie in cookies]
        the_hub = _this_loops_hub()
        assert {r.user.pk for r in the_hub.members[talk.pk]} == {ann.pk, bo.pk, cy.pk}
        layer = get_channel_layer()
        # The conversation's channel has one listener in this process: the hub.
        assert _listeners(layer, f"chat-{talk.pk}") == {the_hub.channel_name}
        await db(send)(ann, talk, "To all")
        for ws in sockets:
            event = await ws.receive_json_from(timeout=5)
            assert (event["kind"], event["seq"], event["message"]["body"]) == (
                "message.new",
                1,
                "To all",
            )
            assert await ws.receive_nothing(timeout=0.2)  # exactly once
        await sockets[1].disconnect()
        await asyncio.sleep(0.05)
        assert {r.user.pk for r in the_hub.members[talk.pk]} == {ann.pk, cy.pk}
        for ws in (sockets[0], sockets[2]):
            await ws.disconnect()
        await asyncio.sleep(0.05)
        assert talk.pk not in the_hub.members
        assert _listeners(layer, f"chat-{talk.pk}") == set()

    run_async(body)


def test_the_hub_stops_delivering_to_a_removed_member_only(
    make_user: Callable[..., User],
) -> None:
    ann, bo, cy = make_user("Ann"), make_user("Bo"), make_user("Cy")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk, cy.pk])
    bo_cookie, cy_cookie = session_cookie(bo), session_cookie(cy)

    def send_then_remove() -> None:
        # Published at commit, before the removal: checked at delivery, after it.
        send(ann, talk, "Queued")
        actions.do_remove_member(actor=ann, conversation=talk, user_id=bo.pk)

    async def body() -> None:
        bo_ws, _ = await connected(bo_cookie)
        cy_ws, _ = await connected(cy_cookie)
        await db(send_then_remove)()
        removed = await bo_ws.receive_json_from(timeout=5)
        assert (removed["kind"], removed["conversation"]) == ("conversation.removed", talk.pk)
        assert (await cy_ws.receive_json_from(timeout=5))["message"]["body"] == "Queued"
        await db(send)(cy, talk, "After")
        assert (await cy_ws.receive_json_from(timeout=5))["message"]["body"] == "After"
        assert await bo_ws.receive_nothing(timeout=0.3)
        assert {r.user.pk for r in _this_loops_hub().members[talk.pk]} == {cy.pk}
        await bo_ws.disconnect()
        await cy_ws.disconnect()

    run_async(body)


def test_one_check_answers_for_many_conversations_of_every_kind(
    make_user: Callable[..., User],
) -> None:
    """The delivery check for a batch equals ``members_among`` for each conversation: direct,
    group conversation and group chat, removed people, people who left the group, deactivated
    accounts and a conversation that does not exist."""
    ann, bo, cy, di = make_user("Ann"), make_user("Bo"), make_user("Cy"), make_user("Di")
    dm = actions.do_start_direct(actor=ann, other_id=bo.pk)
    crew = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk, cy.pk])
    actions.do_remove_member(actor=ann, conversation=crew, user_id=cy.pk)
    group = make_group(ann, "Events", privacy="secret")
    group_actions.do_add_member(group=group, user=cy)
    group_actions.do_add_member(group=group, user=di)
    team = actions.do_open_group_chat(actor=ann, group=group)
    group_actions.do_leave_group(actor=di, group=group)
    User.objects.filter(pk=bo.pk).update(is_active=False)
    everyone = {ann.pk, bo.pk, cy.pk, di.pk}
    asked = {dm.pk: everyone, crew.pk: everyone, team.pk: everyone, 999_999: everyone}

    consumers._kinds.clear()  # ids of earlier tests' conversations may come again
    answer = consumers._members_of_many(asked)

    assert answer == {dm.pk: {ann.pk}, crew.pk: {ann.pk}, team.pk: {ann.pk, cy.pk}, 999_999: set()}
    for conversation in (dm, crew, team):
        assert answer[conversation.pk] == members_among(conversation, everyone)
    with CaptureQueriesContext(connection) as queries:
        consumers._members_of_many(asked)
    # PostgreSQL: one statement for the batch; SQLite: direct and group conversations in one
    # query, one per group chat, and one for the unknown id (known kinds are cached).
    assert len(queries) == (1 if connection.vendor == "postgresql" else 3)
