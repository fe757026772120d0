"""The WebSocket consumer against the real ASGI app, session auth and in-memory channel layer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from channels.db import database_sync_to_async
from django.utils import timezone

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts import comment_actions, reaction_actions
from torg.realtime import events
from torg.realtime.models import RealtimeEvent
from torg.realtime.tests.conftest import communicator, run_async, session_cookie

db = database_sync_to_async


def make_group(owner: User, name: str, privacy: str = "closed") -> Group:
    return group_actions.do_create_group(actor=owner, name=name, privacy=privacy)


async def connected(cookie: bytes) -> tuple[Any, int]:
    ws = communicator(cookie)
    ok, _code = await ws.connect()
    assert ok
    welcome = await ws.receive_json_from(timeout=5)
    assert welcome["type"] == "welcome"
    return ws, welcome["last_event_id"]


def test_anonymous_connection_is_closed(transactional_db: Any) -> None:
    async def body() -> None:
        ws = communicator()
        ok, code = await ws.connect()
        assert (ok, code) == (False, 4401)

    run_async(body)


def test_inactive_user_is_closed(make_user: Callable[..., User]) -> None:
    user = make_user()
    cookie = session_cookie(user)
    User.objects.filter(pk=user.pk).update(is_active=False)

    async def body() -> None:
        ok, code = await communicator(cookie).connect()
        assert (ok, code) == (False, 4401)

    run_async(body)


def test_member_receives_post_event_after_commit(make_user: Callable[..., User]) -> None:
    owner, member = make_user(), make_user()
    group = make_group(owner, "Team")
    group_actions.do_add_member(group=group, user=member)
    cookie = session_cookie(member)

    async def body() -> None:
        ws, _last = await connected(cookie)
        post = await db(post_actions.do_create_post)(author=owner, group=group, body="Hi")
        event = await ws.receive_json_from(timeout=5)
        row = await db(RealtimeEvent.objects.get)(kind="post.created")
        assert event == {
            "type": "event",
            "id": row.pk,
            "kind": "post.created",
            "ids": {"post": post.pk, "author": owner.pk, "group": group.pk},
        }
        assert row.channel == f"group-{group.pk}"
        assert await ws.receive_nothing(timeout=0.2)
        await ws.disconnect()

    run_async(body)


def test_no_event_for_group_the_user_cannot_see(make_user: Callable[..., User]) -> None:
    owner, outsider = make_user(), make_user()
    closed = make_group(owner, "Closed team")
    open_group = make_group(owner, "Open team", privacy="open")
    cookie = session_cookie(outsider)

    async def body() -> None:
        ws, _last = await connected(cookie)
        await db(post_actions.do_create_post)(author=owner, group=closed, body="Secret plans")
        assert await ws.receive_nothing(timeout=0.3)
        # Even an event sent straight to the channel group is re-checked and dropped.
        await db(events.publish)(f"group-{closed.pk}", "post.created", {"group": closed.pk})
        assert await ws.receive_nothing(timeout=0.3)
        post = await db(post_actions.do_create_post)(author=owner, group=open_group, body="Hi")
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]["post"]) == ("post.created", post.pk)
        await ws.disconnect()

    run_async(body)


def test_rolled_back_change_sends_nothing(make_user: Callable[..., User]) -> None:
    owner = make_user()
    group = make_group(owner, "Team")
    cookie = session_cookie(owner)

    def create_and_roll_back() -> None:
        from django.db import transaction

        try:
            with transaction.atomic():
                post_actions.do_create_post(author=owner, group=group, body="Oops")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass

    def logged() -> list[tuple[str, str]]:
        return list(RealtimeEvent.objects.order_by("pk").values_list("channel", "kind"))

    # Creating the group made the owner a member: that is the only event so far.
    assert logged() == [(f"user-{owner.pk}", "membership.changed")]

    async def body() -> None:
        ws, _last = await connected(cookie)
        await db(create_and_roll_back)()
        assert await ws.receive_nothing(timeout=0.3)
        assert await db(logged)() == [(f"user-{owner.pk}", "membership.changed")]
        await ws.disconnect()

    run_async(body)


def test_removed_member_gets_no_further_events(make_user: Callable[..., User]) -> None:
    owner, member = make_user(), make_user()
    group = make_group(owner, "Team")
    group_actions.do_add_member(group=group, user=member)
    cookie = session_cookie(member)

    def post_then_remove() -> None:
        post_actions.do_create_post(author=owner, group=group, body="Two")
        assert RealtimeEvent.objects.filter(kind="post.created").count() == 2
        group_actions.do_remove_member(actor=owner, group=group, user=member)

    async def body() -> None:
        ws, _last = await connected(cookie)
        await db(post_actions.do_create_post)(author=owner, group=group, body="One")
        assert (await ws.receive_json_from(timeout=5))["kind"] == "post.created"
        # An event already queued for the connection when the person is removed is dropped:
        # "Two" is sent when its transaction commits, but the consumer's access check (in the
        # same thread-sensitive ORM thread) only runs after the removal. The removal itself
        # reaches the person as membership.changed.
        await db(post_then_remove)()
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]) == ("membership.changed", {"user": member.pk})
        assert await ws.receive_nothing(timeout=0.3)
        await db(post_actions.do_create_post)(author=owner, group=group, body="Three")
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run_async(body)


def test_post_subscription_counts_and_access(make_user: Callable[..., User]) -> None:
    owner, member, outsider = make_user(), make_user(), make_user()
    group = make_group(owner, "Team")
    group_actions.do_add_member(group=group, user=member)
    post = post_actions.do_create_post(author=owner, group=group, body="Discuss")
    member_cookie, outsider_cookie = session_cookie(member), session_cookie(outsider)

    async def body() -> None:
        ws, _last = await connected(member_cookie)
        spy, _last = await connected(outsider_cookie)
        await spy.send_json_to({"type": "subscribe", "post": post.pk})
        assert await spy.receive_json_from(timeout=5) == {
            "type": "error",
            "code": "not_found",
            "post": post.pk,
        }
        await spy.send_json_to({"type": "subscribe", "post": "x"})
        assert await spy.receive_json_from(timeout=5) == {"type": "error", "code": "bad_request"}
        await ws.send_json_to({"type": "subscribe", "post": post.pk})
        assert await ws.receive_json_from(timeout=5) == {"type": "subscribed", "post": post.pk}

        comment = await db(comment_actions.do_create_comment)(actor=owner, post=post, body="Yes")
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"], event["counts"]) == (
            "comment.created",
            {"post": post.pk, "comment": comment.pk, "author": owner.pk},
            {"comments": 1, "reactions": 0},
        )
        reply = await db(comment_actions.do_create_comment)(
            actor=member, post=post, body="Agreed", parent_id=comment.pk
        )
        event = await ws.receive_json_from(timeout=5)
        assert (event["ids"], event["counts"]) == (
            {"post": post.pk, "comment": reply.pk, "author": member.pk, "parent": comment.pk},
            {"comments": 2, "reactions": 0},
        )
        await db(reaction_actions.do_react_to_post)(actor=owner, post=post, kind="like")
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["counts"]) == (
            "reaction.changed",
            {"comments": 2, "reactions": 1, "kinds": {"like": 1}},
        )
        await db(reaction_actions.do_react_to_post)(actor=member, post=post, kind="love")
        event = await ws.receive_json_from(timeout=5)
        assert event["counts"] == {"comments": 2, "reactions": 2, "kinds": {"like": 1, "love": 1}}
        await db(reaction_actions.do_react_to_comment)(actor=member, comment=comment, kind="like")
        event = await ws.receive_json_from(timeout=5)
        assert (event["ids"], event["counts"]) == (
            {"post": post.pk, "comment": comment.pk},
            {"comments": 2, "reactions": 2, "comment_reactions": 1, "kinds": {"like": 1}},
        )
        await db(reaction_actions.do_unreact)(actor=owner, target=post)
        event = await ws.receive_json_from(timeout=5)
        assert event["counts"] == {"comments": 2, "reactions": 1, "kinds": {"love": 1}}
        assert await spy.receive_nothing(timeout=0.2)
        await ws.disconnect()
        await spy.disconnect()

    run_async(body)


def test_notify_user_reaches_only_that_person(make_user: Callable[..., User]) -> None:
    alice, bob = make_user(), make_user()
    cookie_a, cookie_b = session_cookie(alice), session_cookie(bob)

    async def body() -> None:
        wa, _last = await connected(cookie_a)
        wb, _last = await connected(cookie_b)
        await db(events.notify_user)(alice.pk, "notification.created", {"unread": 3})
        event = await wa.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]) == ("notification.created", {"unread": 3})
        assert await wb.receive_nothing(timeout=0.2)
        await wa.disconnect()
        await wb.disconnect()

    run_async(body)


def test_joining_a_group_subscribes_open_connections(make_user: Callable[..., User]) -> None:
    owner, newcomer = make_user(), make_user()
    group = make_group(owner, "Team")
    cookie = session_cookie(newcomer)

    def join() -> None:
        group_actions.do_add_member(group=group, user=newcomer)

    async def body() -> None:
        ws, _last = await connected(cookie)
        await db(join)()
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]) == ("membership.changed", {"user": newcomer.pk})
        post = await db(post_actions.do_create_post)(author=owner, group=group, body="Welcome")
        event = await ws.receive_json_from(timeout=5)
        assert event["ids"]["post"] == post.pk
        await ws.disconnect()

    run_async(body)


def test_resume_replays_missed_events_for_own_groups(make_user: Callable[..., User]) -> None:
    owner, member, outsider_owner = make_user(), make_user(), make_user()
    group = make_group(owner, "Team")
    other = make_group(outsider_owner, "Elsewhere")
    group_actions.do_add_member(group=group, user=member)
    cookie = session_cookie(member)

    async def body() -> None:
        ws, last = await connected(cookie)
        await ws.disconnect()
        first = await db(post_actions.do_create_post)(author=owner, group=group, body="A")
        await db(post_actions.do_create_post)(author=outsider_owner, group=other, body="B")
        second = await db(post_actions.do_create_post)(author=owner, group=group, body="C")
        ws, _newest = await connected(cookie)
        await ws.send_json_to({"type": "resume", "last_event_id": last})
        got = [await ws.receive_json_from(timeout=5) for _ in range(2)]
        assert [e["ids"]["post"] for e in got] == [first.pk, second.pk]
        assert await ws.receive_nothing(timeout=0.2)
        # Resuming from the first leaves only the second.
        await ws.send_json_to({"type": "resume", "last_event_id": got[0]["id"]})
        assert (await ws.receive_json_from(timeout=5))["id"] == got[1]["id"]
        await ws.send_json_to({"type": "resume", "last_event_id": "7"})
        assert await ws.receive_json_from(timeout=5) == {"type": "error", "code": "bad_request"}
        await ws.disconnect()

    run_async(body)


def test_resume_beyond_window_gets_refresh_hint(make_user: Callable[..., User]) -> None:
    owner = make_user()
    group = make_group(owner, "Team")
    cookie = session_cookie(owner)
    old = post_actions.do_create_post(author=owner, group=group, body="Old")
    new = post_actions.do_create_post(author=owner, group=group, body="New")
    old_event = RealtimeEvent.objects.get(payload__post=old.pk)
    RealtimeEvent.objects.filter(pk=old_event.pk).update(
        created_at=timezone.now() - events.WINDOW - timedelta(minutes=1)
    )

    async def body() -> None:
        ws, _last = await connected(cookie)
        # A client that saw the event before the old one missed it, and it left the window.
        await ws.send_json_to({"type": "resume", "last_event_id": old_event.pk - 1})
        assert await ws.receive_json_from(timeout=5) == {"type": "refresh"}
        # A client that saw the old one missed only the new one, still in the window.
        await ws.send_json_to({"type": "resume", "last_event_id": old_event.pk})
        assert (await ws.receive_json_from(timeout=5))["ids"]["post"] == new.pk
        await ws.disconnect()

    run_async(body)


def test_resume_with_nothing_newer_replays_nothing(make_user: Callable[..., User]) -> None:
    owner = make_user()
    cookie = session_cookie(owner)

    async def body() -> None:
        ws, last = await connected(cookie)
        await ws.send_json_to({"type": "resume", "last_event_id": last + 5})
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run_async(body)


def test_too_many_missed_events_gets_refresh_hint(make_user: Callable[..., User]) -> None:
    from torg.realtime.consumers import REPLAY_MAX

    owner = make_user()
    group = make_group(owner, "Team")
    cookie = session_cookie(owner)
    start = events.publish(f"group-{group.pk}", "post.created", {"group": group.pk})
    RealtimeEvent.objects.bulk_create(
        [
            RealtimeEvent(channel=f"group-{group.pk}", kind="post.created", payload={})
            for _ in range(REPLAY_MAX + 1)
        ]
    )

    async def body() -> None:
        ws, _last = await connected(cookie)
        await ws.send_json_to({"type": "resume", "last_event_id": start})
        assert await ws.receive_json_from(timeout=5) == {"type": "refresh"}
        await ws.disconnect()

    run_async(body)


def test_prune_drops_old_and_excess_events(transactional_db: Any) -> None:
    stale = events.publish("user-1", "x", {})
    fresh = events.publish("user-1", "x", {})
    RealtimeEvent.objects.filter(pk=stale).update(
        created_at=timezone.now() - events.WINDOW - timedelta(seconds=1)
    )
    assert events.resume_floor() == stale
    assert events.prune() == 1
    assert list(RealtimeEvent.objects.order_by("pk").values_list("pk", "kind")) == [
        (stale, events.PRUNED),
        (fresh, "x"),
    ]
    assert events.resume_floor() == stale
    assert events.prune(newest_id=fresh + events.MAX_EVENTS) == 1
    assert list(RealtimeEvent.objects.order_by("pk").values_list("pk", "kind")) == [
        (fresh, events.PRUNED)
    ]
    assert events.resume_floor() == fresh


def test_publish_prunes_every_hundredth_event(transactional_db: Any) -> None:
    first = events.publish("user-1", "x", {})
    RealtimeEvent.objects.filter(pk=first).update(
        created_at=timezone.now() - events.WINDOW - timedelta(seconds=1)
    )
    while events.publish("user-1", "x", {}) % events.PRUNE_EVERY != 0:
        pass
    assert RealtimeEvent.objects.filter(pk=first, kind=events.PRUNED).count() == 1
    assert RealtimeEvent.objects.filter(kind="x", pk__lte=first).count() == 0


def test_welcome_carries_texts_in_the_persons_language(make_user: Callable[..., User]) -> None:
    norwegian, english = make_user(language="nb"), make_user()
    cookies = session_cookie(norwegian), session_cookie(english)

    async def body() -> None:
        texts = []
        for cookie in cookies:
            ws = communicator(cookie)
            assert (await ws.connect())[0]
            texts.append((await ws.receive_json_from())["text"])
            await ws.disconnect()
        assert texts == [
            {
                "new_posts": {"one": "%(count)s nytt innlegg", "other": "%(count)s nye innlegg"},
                "new_comments": {
                    "one": "%(count)s ny kommentar",
                    "other": "%(count)s nye kommentarer",
                },
                "comments": {"one": "%(count)s kommentar", "other": "%(count)s kommentarer"},
                "reactions": {"one": "%(count)s reaksjon", "other": "%(count)s reaksjoner"},
            },
            {
                "new_posts": {"one": "%(count)s new post", "other": "%(count)s new posts"},
                "new_comments": {
                    "one": "%(count)s new comment",
                    "other": "%(count)s new comments",
                },
                "comments": {"one": "%(count)s comment", "other": "%(count)s comments"},
                "reactions": {"one": "%(count)s reaction", "other": "%(count)s reactions"},
            },
        ]

    run_async(body)


def test_profile_posts_reach_employees_but_not_guests(make_user: Callable[..., User]) -> None:
    author, colleague, guest = make_user(), make_user(), make_user(is_guest=True)
    cookies = session_cookie(colleague), session_cookie(guest)

    async def body() -> None:
        employee_ws, _last = await connected(cookies[0])
        guest_ws, _last = await connected(cookies[1])
        post = await db(post_actions.do_create_post)(author=author, group=None, body="Hello all")
        event = await employee_ws.receive_json_from()
        assert (event["kind"], event["ids"]) == (
            "post.created",
            {"post": post.pk, "author": author.pk},
        )
        assert await guest_ws.receive_nothing(timeout=0.3)
        await employee_ws.disconnect()
        await guest_ws.disconnect()

    run_async(body)


def test_deleted_post_stops_its_events(make_user: Callable[..., User]) -> None:
    owner, member = make_user(), make_user()
    group = make_group(owner, "Team")
    group_actions.do_add_member(group=group, user=member)
    post = post_actions.do_create_post(author=owner, group=group, body="Soon gone")
    cookie = session_cookie(member)

    async def body() -> None:
        ws, _last = await connected(cookie)
        await ws.send_json_to({"type": "subscribe", "post": post.pk})
        assert await ws.receive_json_from() == {"type": "subscribed", "post": post.pk}
        await db(post_actions.do_delete_post)(actor=owner, post=post)
        await db(events.reaction_changed)(post)
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run_async(body)


def test_event_sent_from_a_thread_with_a_running_loop(transactional_db: Any) -> None:
    """Sync code run inside an event loop's thread (as under Playwright) still delivers."""
    import asyncio

    from channels.layers import get_channel_layer

    async def body() -> None:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add("user-77", channel)
        # Called directly in the loop's thread, as unsafe sync code would.
        events.publish("user-77", "notification.created", {"unread": 1})
        message = await asyncio.wait_for(layer.receive(channel), timeout=5)
        assert (message["kind"], message["ids"]) == ("notification.created", {"unread": 1})

    run_async(body)


def test_one_subscription_per_process_for_a_group_however_many_connections(
    make_user: Callable[..., User],
) -> None:
    """Group channels are joined through the process's hub: the layer holds one subscriber
    for the group whatever the number of connections, each connection gets the event once,
    and the subscription goes when the last connection leaves."""
    from channels.layers import get_channel_layer

    owner, first, second = make_user(), make_user(), make_user()
    group = make_group(owner, "Hub team")
    for person in (first, second):
        group_actions.do_add_member(group=group, user=person)
    cookies = [session_cookie(person) for person in (owner, first, second, first)]
    channel = events.group_channel(group.pk)

    async def body() -> None:
        layer = get_channel_layer()
        # The pub/sub layer (TORG_TEST_REDIS_URL) keys its groups by a prefixed name.
        named = getattr(layer, "_get_group_channel_name", None)
        key = named(channel) if named else channel
        sockets = [(await connected(cookie))[0] for cookie in cookies]
        (subscriber,) = layer.groups[key]
        assert "hub." in subscriber
        post = await db(post_actions.do_create_post)(author=owner, group=group, body="Hello")
        for ws in sockets:
            event = await ws.receive_json_from(timeout=5)
            assert (event["kind"], event["ids"]) == (
                "post.created",
                {"post": post.pk, "author": owner.pk, "group": group.pk},
            )
            assert await ws.receive_nothing(timeout=0.1)
        for ws in sockets:
            await ws.disconnect()
        assert key not in layer.groups

    run_async(body)
