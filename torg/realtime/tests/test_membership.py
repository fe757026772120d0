"""Membership changes reach open connections at once, and access is re-checked at delivery."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.db import transaction

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.access import content_visible_groups
from torg.groups.models import Group, JoinRequest, Membership
from torg.people.models import Department
from torg.posts import actions as post_actions
from torg.realtime import consumers, events
from torg.realtime.models import RealtimeEvent
from torg.realtime.tests.conftest import communicator, run_async, session_cookie

db = database_sync_to_async


async def connected(cookie: bytes) -> Any:
    ws = communicator(cookie)
    ok, _code = await ws.connect()
    assert ok
    assert (await ws.receive_json_from(timeout=5))["type"] == "welcome"
    return ws


def logged_since(first_id: int) -> list[tuple[str, str, dict[str, int]]]:
    rows = RealtimeEvent.objects.filter(pk__gt=first_id).order_by("pk")
    return [(row.channel, row.kind, row.payload) for row in rows]


def newest() -> int:
    return consumers.newest_event_id()


def changed(*users: User) -> list[tuple[str, str, dict[str, int]]]:
    return [(f"user-{u.pk}", "membership.changed", {"user": u.pk}) for u in users]


def test_every_membership_write_path_publishes(make_user: Callable[..., User]) -> None:
    admin, joiner, asker, invitee, engineer = (make_user() for _ in range(5))
    open_group = group_actions.do_create_group(actor=admin, name="Open", privacy="open")
    closed = group_actions.do_create_group(actor=admin, name="Closed", privacy="closed")

    start = newest()
    group_actions.do_join_group(actor=joiner, group=open_group)
    assert logged_since(start) == changed(joiner)

    start = newest()
    group_actions.do_change_role(actor=admin, group=open_group, user=joiner, role="moderator")
    assert logged_since(start) == changed(joiner)

    start = newest()
    group_actions.do_leave_group(actor=joiner, group=open_group)
    assert logged_since(start) == changed(joiner)

    start = newest()
    request = group_actions.do_join_group(actor=asker, group=closed)
    assert isinstance(request, JoinRequest)
    # Asking changes no membership; the admin hears of it.
    assert logged_since(start) == [
        (f"user-{admin.pk}", "notification.created", {"group": closed.pk, "unread": 1})
    ]
    start = newest()
    group_actions.do_approve_join_request(actor=admin, join_request=request)
    assert logged_since(start) == [
        *changed(asker),
        (f"user-{asker.pk}", "notification.created", {"group": closed.pk, "unread": 1}),
    ]

    start = newest()
    group_actions.do_remove_member(actor=admin, group=closed, user=asker)
    assert logged_since(start) == changed(asker)

    group_actions.do_invite_to_group(actor=admin, group=closed, invitee=invitee)
    start = newest()
    group_actions.do_accept_invitation(actor=invitee, group=closed)
    assert logged_since(start) == changed(invitee)

    # Auto-membership: a rule adds everyone matching it (in bulk), removing it takes them out,
    # and a person whose department changes is synced.
    tech = Department.objects.create(name="Technology", slug="technology")
    User.objects.filter(pk__in=[engineer.pk, joiner.pk]).update(department=tech)
    start = newest()
    rule = group_actions.do_add_rule(actor=admin, group=closed, department=tech, location=None)
    assert logged_since(start) == changed(joiner, engineer)
    start = newest()
    engineer.refresh_from_db()
    engineer.department = None
    engineer.save(update_fields=["department"])
    group_actions.do_sync_auto_memberships(user=engineer)
    assert logged_since(start) == changed(engineer)
    start = newest()
    group_actions.do_remove_rule(actor=admin, rule=rule)
    assert logged_since(start) == changed(joiner)

    # Privacy: who may see the content changes for every employee.
    start = newest()
    group_actions.do_update_group(
        actor=admin,
        group=closed,
        name="Closed",
        description="",
        privacy="open",
        kind=closed.kind,
        parent=None,
    )
    assert logged_since(start) == [("network", "membership.changed", {"group": closed.pk})]
    start = newest()
    group_actions.do_update_group(
        actor=admin,
        group=closed,
        name="Renamed",
        description="",
        privacy="open",
        kind=closed.kind,
        parent=None,
    )
    assert logged_since(start) == []  # same privacy: nothing to recompute


def test_rolled_back_membership_change_publishes_nothing(make_user: Callable[..., User]) -> None:
    admin, joiner = make_user(), make_user()
    group = group_actions.do_create_group(actor=admin, name="Open", privacy="open")
    start = newest()
    with pytest.raises(RuntimeError), transaction.atomic():
        group_actions.do_join_group(actor=joiner, group=group)
        raise RuntimeError("roll back")
    assert logged_since(start) == []
    assert not Membership.objects.filter(group=group, user=joiner).exists()


def test_event_published_after_removal_is_not_delivered(make_user: Callable[..., User]) -> None:
    owner, member = make_user(), make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    group_actions.do_add_member(group=group, user=member)
    cookie = session_cookie(member)

    def remove_then_post() -> None:
        group_actions.do_remove_member(actor=owner, group=group, user=member)
        # Committed after the removal, but sent while the connection still listens to the
        # group: the consumer cannot leave the group channel before this function returns
        # (its database work waits for this same thread), so the post event is queued for
        # it. Only the access check at delivery keeps it out.
        post_actions.do_create_post(author=owner, group=group, body="After you left")
        assert [kind for _c, kind, _p in logged_since(0)][-2:] == [
            "membership.changed",
            "post.created",
        ]

    async def body() -> None:
        ws = await connected(cookie)
        await db(remove_then_post)()
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]) == ("membership.changed", {"user": member.pk})
        assert await ws.receive_nothing(timeout=0.5)
        # Resuming does not bring it back either.
        await ws.send_json_to({"type": "resume", "last_event_id": event["id"] - 1})
        replayed = await ws.receive_json_from(timeout=5)
        assert replayed["id"] == event["id"]
        assert await ws.receive_nothing(timeout=0.3)
        await ws.disconnect()

    run_async(body)


def test_joining_by_request_approval_subscribes_at_once(make_user: Callable[..., User]) -> None:
    owner, asker = make_user(), make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    request = group_actions.do_join_group(actor=asker, group=group)
    assert isinstance(request, JoinRequest)
    cookie = session_cookie(asker)

    async def body() -> None:
        ws = await connected(cookie)
        await db(post_actions.do_create_post)(author=owner, group=group, body="Before")
        assert await ws.receive_nothing(timeout=0.3)
        await db(group_actions.do_approve_join_request)(actor=owner, join_request=request)
        got = [await ws.receive_json_from(timeout=5) for _ in range(2)]
        # Sent in the order the after-commit hooks were registered (the notification task's
        # first), logged in the order they were written: compare in log order.
        got.sort(key=lambda e: e["id"])
        assert [(e["kind"], e["ids"]) for e in got] == [
            ("membership.changed", {"user": asker.pk}),
            ("notification.created", {"group": group.pk, "unread": 1}),
        ]
        post = await db(post_actions.do_create_post)(author=owner, group=group, body="After")
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]["post"]) == ("post.created", post.pk)
        await ws.disconnect()

    run_async(body)


def test_privacy_change_moves_employees_in_and_out(make_user: Callable[..., User]) -> None:
    owner, colleague, guest = make_user(), make_user(), make_user(is_guest=True)
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    cookies = session_cookie(colleague), session_cookie(guest)

    def set_privacy(privacy: str) -> None:
        group_actions.do_update_group(
            actor=owner,
            group=group,
            name="Team",
            description="",
            privacy=privacy,
            kind=group.kind,
            parent=None,
        )

    async def body() -> None:
        ws = await connected(cookies[0])
        guest_ws = await connected(cookies[1])
        await db(post_actions.do_create_post)(author=owner, group=group, body="Closed")
        assert await ws.receive_nothing(timeout=0.3)
        await db(set_privacy)("open")
        event = await ws.receive_json_from(timeout=5)
        assert (event["kind"], event["ids"]) == ("membership.changed", {"group": group.pk})
        post = await db(post_actions.do_create_post)(author=owner, group=group, body="Open")
        event = await ws.receive_json_from(timeout=5)
        assert event["ids"]["post"] == post.pk
        await db(set_privacy)("secret")
        # The colleague may no longer see the group: not even the change is delivered.
        await db(post_actions.do_create_post)(author=owner, group=group, body="Secret")
        assert await ws.receive_nothing(timeout=0.5)
        # Guests are not on the network channel and see only their own groups throughout.
        assert await guest_ws.receive_nothing(timeout=0.1)
        await ws.disconnect()
        await guest_ws.disconnect()

    run_async(body)


def test_group_checks_for_one_event_are_one_query(
    make_user: Callable[..., User], monkeypatch: pytest.MonkeyPatch
) -> None:
    owner = make_user()
    members = [make_user() for _ in range(4)]
    outsider = make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    for member in members:
        group_actions.do_add_member(group=group, user=member)
    cookies = [session_cookie(person) for person in [*members, outsider]]
    asked: list[list[int]] = []
    real = consumers.users_seeing_group

    def counted(group_id: int, users: list[User]) -> set[int]:
        asked.append(sorted(user.pk for user in users))
        return real(group_id, users)

    monkeypatch.setattr(consumers, "users_seeing_group", counted)

    async def body() -> None:
        sockets = [await connected(cookie) for cookie in cookies]
        # Sent straight to the group channel, so even the outsider's connection would get it
        # if it had joined; it has not, and the members' four checks are one call.
        await db(events.publish)(f"group-{group.pk}", "post.created", {"group": group.pk})
        for ws in sockets[:4]:
            assert (await ws.receive_json_from(timeout=5))["ids"] == {"group": group.pk}
        assert await sockets[4].receive_nothing(timeout=0.2)
        for ws in sockets:
            await ws.disconnect()

    run_async(body)
    assert asked == [sorted(member.pk for member in members)]


def test_users_seeing_group_agrees_with_the_access_rules(make_user: Callable[..., User]) -> None:
    owner = make_user()
    employee_member, employee, guest_member, guest = (
        make_user(),
        make_user(),
        make_user(is_guest=True),
        make_user(is_guest=True),
    )
    gone = make_user()
    people = [owner, employee_member, employee, guest_member, guest, gone]
    groups = [
        group_actions.do_create_group(actor=owner, name=f"{privacy} group", privacy=privacy)
        for privacy in Group.Privacy.values
    ]
    for group in groups:
        group_actions.do_add_member(group=group, user=employee_member)
        group_actions.do_add_member(group=group, user=guest_member)
        group_actions.do_add_member(group=group, user=gone)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    for group in groups:
        expected = {
            person.pk
            for person in people
            if content_visible_groups(person).filter(pk=group.pk).exists()
        }
        assert consumers.users_seeing_group(group.pk, people) == expected
    open_group = next(g for g in groups if g.privacy == "open")
    assert consumers.users_seeing_group(open_group.pk, people) == {
        owner.pk,
        employee_member.pk,
        employee.pk,
        guest_member.pk,
    }
    assert consumers.users_seeing_group(10**9, people) == set()


def test_publish_many_logs_in_order_and_sends_after_commit(
    transactional_db: Any,
) -> None:
    from channels.layers import get_channel_layer

    async def body() -> None:
        layer = get_channel_layer()
        assert layer is not None
        channel = await layer.new_channel()
        await layer.group_add("user-5", channel)
        await layer.group_add("user-6", channel)

        def publish_and_roll_back() -> None:
            with pytest.raises(RuntimeError), transaction.atomic():
                events.publish_many([("user-5", "x", {"n": 1})])
                raise RuntimeError("roll back")

        await db(publish_and_roll_back)()
        ids = await db(events.publish_many)(
            [("user-5", "x", {"n": 1}), ("user-6", "y", {"n": 2}), ("user-5", "z", {"n": 3})]
        )
        got = [await layer.receive(channel) for _ in range(3)]
        assert [(m["id"], m["channel"], m["kind"], m["ids"]) for m in got] == [
            (ids[0], "user-5", "x", {"n": 1}),
            (ids[1], "user-6", "y", {"n": 2}),
            (ids[2], "user-5", "z", {"n": 3}),
        ]
        rows = await db(lambda: list(RealtimeEvent.objects.values_list("pk", "kind")))()
        assert rows == list(zip(ids, ["x", "y", "z"], strict=True))

    run_async(body)


def test_publish_many_prunes_when_it_passes_a_hundredth_id(transactional_db: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    first = events.publish("user-1", "x", {})
    RealtimeEvent.objects.filter(pk=first).update(
        created_at=timezone.now() - events.WINDOW - timedelta(seconds=1)
    )
    events.publish_many([("user-1", "x", {}) for _ in range(events.PRUNE_EVERY)])
    assert RealtimeEvent.objects.filter(pk=first, kind=events.PRUNED).count() == 1
    assert RealtimeEvent.objects.filter(kind="x").count() == events.PRUNE_EVERY


def test_group_check_survives_a_broken_kept_connection(make_user: Callable[..., User]) -> None:
    from django.db import connection

    owner = make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    connection.ensure_connection()
    connection.connection.close()  # the server went away under the kept connection
    assert consumers._users_seeing_group_on_kept_connection(group.pk, [owner]) == {owner.pk}


def test_group_check_is_one_statement_on_postgresql_however_many_people(
    make_user: Callable[..., User],
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    owner = make_user()
    members = [make_user() for _ in range(3)]
    guest_member, guest, outsider = make_user(is_guest=True), make_user(is_guest=True), make_user()
    closed = group_actions.do_create_group(actor=owner, name="Closed team", privacy="closed")
    open_group = group_actions.do_create_group(actor=owner, name="Open team", privacy="open")
    for group in (closed, open_group):
        for person in (*members, guest_member):
            group_actions.do_add_member(group=group, user=person)
    people = [owner, *members, guest_member, guest, outsider]
    insiders = {owner.pk, guest_member.pk, *(member.pk for member in members)}
    # SQLite: the privacy, then the membership rows in chunks of MEMBERSHIP_CHUNK.
    statements = 1 if connection.vendor == "postgresql" else 2
    for group, expected in (
        (closed, insiders),
        (open_group, insiders | {outsider.pk}),  # every employee; guests only as members
    ):
        with CaptureQueriesContext(connection) as queries:
            assert consumers.users_seeing_group(group.pk, people) == expected
        assert len(queries) == statements
    with CaptureQueriesContext(connection) as queries:
        assert consumers.users_seeing_group(10**9, people) == set()
        assert consumers.users_seeing_group(closed.pk, []) == set()
    assert len(queries) == 1  # no statement at all for nobody


def test_hub_writes_to_the_servers_send_beneath_the_session_middleware(
    make_user: Callable[..., User],
) -> None:
    """The hub skips Channels' session middleware (it passes ``websocket.send`` on untouched)
    and writes to the ASGI server's own send: here the test communicator's output queue."""
    from channels.layers import get_channel_layer

    from torg.realtime.hub import hub_for

    owner, member = make_user(), make_user()
    group = group_actions.do_create_group(actor=owner, name="Team", privacy="closed")
    group_actions.do_add_member(group=group, user=member)
    post = post_actions.do_create_post(author=owner, group=group, body="Hi")
    cookie = session_cookie(member)

    async def body() -> None:
        ws = await connected(cookie)
        (receiver,) = hub_for(get_channel_layer()).members[events.group_channel(group.pk)]
        assert receiver.server_send == ws.output_queue.put
        assert receiver.server_send != receiver.base_send  # type: ignore[attr-defined]
        ids = {"post": post.pk, "author": owner.pk, "group": group.pk}
        event_id = await db(events.publish)(events.group_channel(group.pk), "post.created", ids)
        assert await ws.receive_json_from(timeout=5) == {
            "type": "event",
            "id": event_id,
            "kind": "post.created",
            "ids": ids,
        }
        assert await ws.receive_nothing(timeout=0.1)
        # The consumer's own sends still go through its usual path, after the hub's.
        await ws.send_json_to({"type": "subscribe", "post": post.pk})
        assert await ws.receive_json_from(timeout=5) == {"type": "subscribed", "post": post.pk}
        await ws.disconnect()

    run_async(body)


def test_server_send_keeps_a_session_wrapper_that_acts_on_websocket_sends() -> None:
    from channels.sessions import InstanceSessionWrapper

    from torg.realtime.hub import server_send

    async def raw(message: dict[str, Any]) -> None:
        return None

    class Saving(InstanceSessionWrapper):  # type: ignore[misc]
        save_message_types = ["http.response.start", "websocket.send"]

    plain = InstanceSessionWrapper({"cookies": {}}, raw)
    saving = Saving({"cookies": {}}, raw)
    assert server_send(plain.send) is raw
    assert server_send(saving.send) == saving.send
    assert server_send(raw) is raw
