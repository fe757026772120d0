"""The fast send path (issue 7 performance): plain text without parsing, one statement per
message on PostgreSQL, and the socket handing messages to the client in seq order even when
server processes publish them in another order or one is lost on the way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from torg.accounts.models import User
from torg.chat import actions, consumers, events
from torg.chat.access import ChatNotFound
from torg.chat.models import Conversation, Message, Participant
from torg.chat.tests.conftest import make_group, send
from torg.chat.tests.test_consumer import connected
from torg.core.markdown import render_markdown
from torg.groups import actions as group_actions
from torg.realtime.tests.conftest import run_async, session_cookie

db = database_sync_to_async

# Letters (some that NFC changes), digits, the signs plain text may hold and every sign that
# starts Markdown, a link, a mention or a hashtag.
ALPHABET = [
    *"abzAZ09 ,;?!'\"%$=+|()-.:_#*@/[]<>&~`\\\t\n",
    *("æ", "Å", "e\u0301", "ß", "²", "中", "\u00a0", "ﬁ"),
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(ALPHABET), min_size=1, max_size=14).map("".join))
def test_plain_text_renders_exactly_as_markdown_does(body: str) -> None:
    html = actions.plain_html(body)
    if html is not None:
        assert html == str(render_markdown(body))


def test_what_is_plain_and_what_is_not() -> None:
    assert actions.plain_html("123-4|benchmark message") == "<p>123-4|benchmark message</p>\n"
    assert actions.plain_html("Hei, kommer du? Ja: klokka 3.") == (
        "<p>Hei, kommer du? Ja: klokka 3.</p>\n"
    )
    for markdown in ("1. first", "- item", "see example.com", "a *b*", "#tag", "x\ny", "a "):
        assert actions.plain_html(markdown) is None, markdown


@pytest.mark.django_db(transaction=True)
def test_a_plain_send_is_one_statement_on_postgresql(make_user: Callable[..., User]) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk])
    send(bo, talk, "first")
    with CaptureQueriesContext(connection) as queries:
        message, created = actions.do_send_message_to(
            actor=ann, conversation_id=talk.pk, body="Hello there", client_id="c-1"
        )
    # PostgreSQL: check, number, read mark and insert in one statement (autocommit: no BEGIN
    # or COMMIT either). SQLite: the same three steps in one transaction (no UPDATE in WITH).
    statements = [q["sql"].split(" ", 1)[0] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert statements == ["WITH"]
    else:
        assert [s for s in statements if s not in ("BEGIN", "COMMIT")] == [
            "UPDATE",
            "INSERT",
            "UPDATE",
        ]
    assert created is True
    stored = Message.objects.get(pk=message.pk)
    assert (stored.seq, stored.body, stored.body_html, stored.sender_id) == (
        2,
        "Hello there",
        "<p>Hello there</p>\n",
        ann.pk,
    )
    assert Conversation.objects.get(pk=talk.pk).last_seq == 2
    assert Participant.objects.get(conversation=talk, user=ann).last_read_seq == 2
    assert Participant.objects.get(conversation=talk, user=bo).last_read_seq == 1
    # A retry answers the first message and writes nothing.
    again, created = actions.do_send_message_to(
        actor=ann, conversation_id=talk.pk, body="Hello there", client_id="c-1"
    )
    assert (again.pk, created) == (message.pk, False)
    assert Conversation.objects.get(pk=talk.pk).last_seq == 2
    # Markdown (no mention) takes the same statement, rendered.
    bold, _created = actions.do_send_message_to(
        actor=ann, conversation_id=talk.pk, body="**now**", client_id="c-2"
    )
    assert Message.objects.get(pk=bold.pk).body_html == "<p><strong>now</strong></p>\n"


@pytest.mark.django_db(transaction=True)
def test_the_fast_path_refuses_like_the_full_one(make_user: Callable[..., User]) -> None:
    from torg.governance.lifecycle import do_archive_group

    ann, bo, outsider = make_user(), make_user(), make_user()
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk])
    for conversation_id in (talk.pk, 10**9, "x"):
        with pytest.raises(ChatNotFound):
            actions.do_send_message_to(
                actor=outsider, conversation_id=conversation_id, body="Hi", client_id="o-1"
            )
    with pytest.raises(ValidationError):
        actions.do_send_message_to(actor=bo, conversation_id=talk.pk, body=" ", client_id="b-1")
    with pytest.raises(ValidationError):
        actions.do_send_message_to(actor=bo, conversation_id=talk.pk, body="Hi", client_id="")
    actions.do_remove_member(actor=ann, conversation=talk, user_id=bo.pk)
    with pytest.raises(ChatNotFound):
        actions.do_send_message_to(actor=bo, conversation_id=talk.pk, body="Hi", client_id="b-2")
    # A group's chat: the group's members, and read-only once archived.
    group = make_group(ann, "Project", privacy="secret")
    group_actions.do_add_member(group=group, user=bo)
    chat = actions.do_open_group_chat(actor=ann, group=group)
    sent, _created = actions.do_send_message_to(
        actor=bo, conversation_id=chat.pk, body="In the group", client_id="b-3"
    )
    assert sent.seq == 1
    with pytest.raises(ChatNotFound):
        actions.do_send_message_to(
            actor=outsider, conversation_id=chat.pk, body="Hi", client_id="o-2"
        )
    do_archive_group(actor=ann, group=group)
    with pytest.raises(ValidationError):
        actions.do_send_message_to(actor=bo, conversation_id=chat.pk, body="Hi", client_id="b-4")
    assert Message.objects.count() == 1
    assert Conversation.objects.get(pk=talk.pk).last_seq == 0
    assert Conversation.objects.get(pk=chat.pk).last_seq == 1


def _held_back(monkeypatch: pytest.MonkeyPatch) -> list[list[tuple[str, dict[str, Any]]]]:
    """Keep what chat would publish instead of publishing it (the test publishes it later)."""
    kept: list[list[tuple[str, dict[str, Any]]]] = []
    monkeypatch.setattr(events, "send_now", kept.append)
    return kept


@pytest.mark.django_db(transaction=True)
def test_messages_published_out_of_order_reach_the_client_in_order(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server processes commit seq 1 and 2, then publish 2 first: the client gets 1, 2."""
    ann, bo = make_user("Ann"), make_user("Bo")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk])
    bo_cookie = session_cookie(bo)
    publish = events.send_now

    async def body() -> None:
        ws, seqs = await connected(bo_cookie)
        assert seqs == {talk.pk: 0}
        kept = _held_back(monkeypatch)
        await db(send)(ann, talk, "one")
        await db(send)(ann, talk, "two")
        await db(send)(ann, talk, "three")
        assert [m[0][1]["seq"] for m in kept] == [1, 2, 3]
        for number in (1, 2, 0):  # 2, 3, then 1
            await db(publish)(kept[number])
        received = [await ws.receive_json_from(timeout=5) for _ in range(3)]
        assert [(e["seq"], e["message"]["body"]) for e in received] == [
            (1, "one"),
            (2, "two"),
            (3, "three"),
        ]
        assert await ws.receive_nothing(timeout=consumers.GAP_WAIT_SECONDS * 3)
        await ws.disconnect()

    run_async(body)


@pytest.mark.django_db(transaction=True)
def test_a_message_lost_on_the_way_is_read_from_the_database(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk])
    bo_cookie = session_cookie(bo)
    publish = events.send_now

    async def body() -> None:
        ws, _seqs = await connected(bo_cookie)
        kept = _held_back(monkeypatch)
        await db(send)(ann, talk, "lost")
        await db(send)(ann, talk, "arrives")
        await db(publish)(kept[1])  # seq 1 never comes
        first = await ws.receive_json_from(timeout=5)
        second = await ws.receive_json_from(timeout=5)
        assert [(e["kind"], e["seq"], e["message"]["body"]) for e in (first, second)] == [
            ("message.new", 1, "lost"),
            ("message.new", 2, "arrives"),
        ]
        await db(publish)(kept[0])  # late after all: already sent, not sent twice
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run_async(body)


@pytest.mark.django_db(transaction=True)
def test_a_removed_member_gets_no_held_message_read_from_the_database(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bo = make_user("Ann"), make_user("Bo")
    talk = actions.do_create_group_conversation(actor=ann, name="Crew", member_ids=[bo.pk])
    bo_cookie = session_cookie(bo)
    publish = events.send_now
    waited = consumers.GAP_WAIT_SECONDS
    monkeypatch.setattr(consumers, "GAP_WAIT_SECONDS", 0.5)

    async def body() -> None:
        ws, _seqs = await connected(bo_cookie)
        kept = _held_back(monkeypatch)
        await db(send)(ann, talk, "lost")
        await db(send)(ann, talk, "held")
        await db(publish)(kept[1])  # held back, waiting for seq 1
        await db(actions.do_remove_member)(actor=ann, conversation=talk, user_id=bo.pk)
        await db(publish)(kept[2])  # conversation.removed
        removed = await ws.receive_json_from(timeout=5)
        assert removed["kind"] == "conversation.removed"
        assert await ws.receive_nothing(timeout=0.5 + waited * 3)
        await ws.disconnect()

    run_async(body)
