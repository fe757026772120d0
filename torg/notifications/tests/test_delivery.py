"""Who gets what: every setting changes the exact set of recipients."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

from django.utils import timezone

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, JoinRequest, Membership
from torg.notifications import actions
from torg.notifications.models import Notification, PostFollow
from torg.notifications.rules import default_level
from torg.notifications.tests.conftest import World, recipients
from torg.posts.actions import do_create_post
from torg.posts.comment_actions import do_create_comment
from torg.posts.models import Post
from torg.posts.reaction_actions import do_react, do_unreact

Committed = Callable[[], AbstractContextManager[Any]]
Kind = Notification.Kind


def mention(person: User) -> str:
    return f"@[{person.name}](user:{person.pk})"


def post(committed: Committed, author: User, group: Group | None, body: str = "Hello") -> Post:
    with committed():
        return do_create_post(author=author, group=group, body=body)


def comment(committed: Committed, author: User, on: Post, body: str = "Nice", **kw: Any) -> Any:
    with committed():
        return do_create_comment(actor=author, post=on, body=body, **kw)


# --- group levels ------------------------------------------------------------------------------


def test_default_levels_by_group_kind(world: World, make_user: Callable[..., User]) -> None:
    network_admin = make_user("Nina Network", is_staff=True)
    news = group_actions.do_create_group(actor=world.admin, name="News", kind="announcements")
    everyone = group_actions.do_create_group(
        actor=network_admin, name="Everyone", is_company_wide=True
    )
    assert [default_level(g) for g in (news, everyone, world.open)] == [
        "all",
        "highlights",
        "mentions",
    ]


def test_team_group_default_sends_nothing_for_a_plain_post(
    world: World, committed: Committed
) -> None:
    post(committed, world.kari, world.open)
    assert recipients() == []


def test_level_all_highlights_and_off(world: World, committed: Committed) -> None:
    actions.do_set_group_level(actor=world.ola, group=world.open, level="all")
    actions.do_set_group_level(actor=world.per, group=world.open, level="highlights")
    by_member = post(committed, world.kari, world.open)
    assert recipients(Kind.GROUP_POST, post=by_member) == ["Ola"]
    by_admin = post(committed, world.admin, world.open)
    assert recipients(Kind.GROUP_POST, post=by_admin) == ["Ola", "Per"]
    reasons = dict(
        Notification.objects.filter(post=by_admin).values_list("recipient__name", "reason")
    )
    assert reasons == {"Ola": "group_all", "Per": "group_highlights"}

    actions.do_set_group_level(actor=world.ola, group=world.open, level="off")
    mentioning = post(committed, world.admin, world.open, f"Hi {mention(world.ola)}")
    assert recipients(post=mentioning) == ["Per"]


def test_announcement_group_notifies_every_member(world: World, committed: Committed) -> None:
    news = group_actions.do_create_group(actor=world.admin, name="News", kind="announcements")
    for person in (world.kari, world.ola):
        group_actions.do_add_member(group=news, user=person)
    item = post(committed, world.admin, news)
    assert recipients(Kind.GROUP_POST, post=item) == ["Kari", "Ola"]


def test_mentions_preset_sets_every_group_to_mentions(world: World, committed: Committed) -> None:
    for group in (world.open, world.closed):
        actions.do_set_group_level(actor=world.ola, group=group, level="all")
    assert actions.do_apply_mentions_preset(actor=world.ola) == 3
    post(committed, world.admin, world.open)
    post(committed, world.admin, world.closed)
    assert recipients(Kind.GROUP_POST) == []
    item = post(committed, world.admin, world.closed, f"Look {mention(world.ola)}")
    assert recipients(post=item) == ["Ola"]
    mine = post(committed, world.ola, world.open)
    comment(committed, world.kari, mine)
    assert recipients(Kind.REPLY, post=mine) == ["Ola"]


# --- mentions, replies, follows ----------------------------------------------------------------


def test_mention_in_post_and_comment(world: World, committed: Committed) -> None:
    item = post(
        committed, world.kari, world.open, f"{mention(world.ola)} and {mention(world.kari)}"
    )
    assert recipients(Kind.MENTION, post=item) == ["Ola"]
    note = comment(committed, world.per, item, f"cc {mention(world.admin)}")
    assert recipients(Kind.MENTION, comment=note) == ["Ada Admin"]


def test_secret_group_content_never_notifies_outsiders(world: World, committed: Committed) -> None:
    actions.do_set_group_level(actor=world.ola, group=world.secret, level="all")
    item = post(
        committed, world.kari, world.secret, f"{mention(world.outsider)} {mention(world.ola)}"
    )
    comment(committed, world.per, item, f"{mention(world.outsider)} see this")
    assert recipients(recipient=world.outsider) == []
    assert recipients(post=item) == ["Kari", "Ola"]


def test_replies_and_follows(world: World, committed: Committed) -> None:
    item = post(committed, world.kari, world.open)
    first = comment(committed, world.ola, item)
    assert recipients(post=item) == ["Kari"]
    comment(committed, world.per, item, parent_id=first.pk)
    assert recipients(Kind.REPLY, post=item) == ["Kari", "Ola"]
    # Kari's reply notification was updated in place: Ola and Per, newest first.
    kari_reply = Notification.objects.get(recipient=world.kari, kind=Kind.REPLY)
    assert (kari_reply.actor_count, kari_reply.recent_actor_ids) == (
        2,
        [world.per.pk, world.ola.pk],
    )
    comment(committed, world.admin, item)
    assert recipients(Kind.FOLLOWED_COMMENT, post=item) == ["Ola", "Per"]


def test_unfollow_stops_replies_and_follow_starts_them(world: World, committed: Committed) -> None:
    item = post(committed, world.kari, world.open)
    actions.do_set_post_follow(actor=world.kari, post=item, following=False)
    actions.do_set_post_follow(actor=world.admin, post=item, following=True)
    comment(committed, world.ola, item)
    assert recipients(post=item) == ["Ada Admin"]
    actions.do_set_post_follow(actor=world.kari, post=item, following=True)
    comment(committed, world.per, item)
    assert recipients(Kind.REPLY, post=item) == ["Kari"]
    assert recipients(Kind.FOLLOWED_COMMENT, post=item) == ["Ada Admin", "Ola"]


def test_commenting_follows_but_keeps_an_unfollow(world: World, committed: Committed) -> None:
    item = post(committed, world.kari, world.open)
    actions.do_set_post_follow(actor=world.ola, post=item, following=False)
    comment(committed, world.ola, item)
    comment(committed, world.per, item)
    follows = dict(PostFollow.objects.filter(post=item).values_list("user__name", "following"))
    assert follows == {"Kari": True, "Ola": False, "Per": True}


# --- reactions and aggregation -----------------------------------------------------------------


def test_reactions_aggregate_into_one_unread_notification(
    world: World, committed: Committed
) -> None:
    item = post(committed, world.kari, world.open)
    with committed():
        do_react(actor=world.kari, target=item, kind="like")
        do_react(actor=world.ola, target=item, kind="like")
        do_react(actor=world.per, target=item, kind="love")
        do_unreact(actor=world.ola, target=item)
        do_react(actor=world.ola, target=item, kind="wow")
    row = Notification.objects.get(kind=Kind.REACTION)
    assert (row.recipient, row.actor, row.actor_count) == (world.kari, world.ola, 2)
    assert row.recent_actor_ids == [world.ola.pk, world.per.pk]
    actions.do_mark_all_read(actor=world.kari)
    with committed():
        do_react(actor=world.admin, target=item, kind="like")
    assert Notification.objects.filter(kind=Kind.REACTION).count() == 2
    fresh = Notification.objects.get(kind=Kind.REACTION, read_at__isnull=True)
    assert (fresh.actor, fresh.actor_count) == (world.admin, 1)


# --- mutes -------------------------------------------------------------------------------------


def test_muted_group_sends_nothing_until_the_mute_ends(world: World, committed: Committed) -> None:
    for person in (world.ola, world.per):
        actions.do_set_group_level(actor=person, group=world.open, level="all")
    actions.do_mute(actor=world.ola, target_kind="group", target_id=world.open.pk, duration="1h")
    post(committed, world.kari, world.open)
    assert recipients(Kind.GROUP_POST) == ["Per"]
    # A mute that ended one second ago no longer holds anything back.
    ended = timezone.now() - timedelta(hours=1, seconds=1)
    actions.do_mute(
        actor=world.ola, target_kind="group", target_id=world.open.pk, duration="1h", now=ended
    )
    item = post(committed, world.kari, world.open)
    assert recipients(Kind.GROUP_POST, post=item) == ["Ola", "Per"]


def test_forever_mute_of_a_post_and_unmute(world: World, committed: Committed) -> None:
    item = post(committed, world.kari, world.open)
    mute = actions.do_mute(
        actor=world.kari, target_kind="post", target_id=item.pk, duration="forever"
    )
    assert mute.until is None
    comment(committed, world.ola, item)
    assert recipients(recipient=world.kari) == []
    actions.do_unmute(actor=world.kari, mute=mute)
    comment(committed, world.per, item)
    assert recipients(recipient=world.kari) == ["Kari"]


def test_muted_person(world: World, committed: Committed) -> None:
    actions.do_set_group_level(actor=world.ola, group=world.open, level="all")
    actions.do_set_group_level(actor=world.per, group=world.open, level="all")
    actions.do_mute(actor=world.ola, target_kind="person", target_id=world.admin.pk, duration="1w")
    post(committed, world.admin, world.open, f"{mention(world.ola)}")
    assert recipients() == ["Per"]
    mine = post(committed, world.ola, world.closed)
    with committed():
        do_react(actor=world.admin, target=mine, kind="like")
        do_react(actor=world.kari, target=mine, kind="like")
    row = Notification.objects.get(kind=Kind.REACTION)
    assert (row.recipient, row.actor, row.actor_count) == (world.ola, world.kari, 1)


# --- membership --------------------------------------------------------------------------------


def test_removed_member_gets_nothing_more(world: World, committed: Committed) -> None:
    for group in (world.open, world.closed):
        actions.do_set_group_level(actor=world.ola, group=group, level="all")
    items = {g.privacy: post(committed, world.kari, g) for g in (world.open, world.closed)}
    for item in items.values():
        comment(committed, world.ola, item)
    Notification.objects.all().delete()
    for group in (world.open, world.closed):
        group_actions.do_remove_member(actor=world.admin, group=group, user=world.ola)
        post(committed, world.admin, group)
    for item in items.values():
        comment(committed, world.per, item)
    assert recipients(recipient=world.ola) == []
    assert recipients() == ["Kari", "Kari"]


def test_join_request_approval_and_invitation(world: World, committed: Committed) -> None:
    group_actions.do_change_role(
        actor=world.admin, group=world.closed, user=world.per, role=Membership.Role.MODERATOR
    )
    with committed():
        request = group_actions.do_join_group(actor=world.outsider, group=world.closed)
    assert isinstance(request, JoinRequest)
    assert recipients(Kind.JOIN_REQUEST) == ["Ada Admin", "Per"]
    with committed():
        group_actions.do_approve_join_request(actor=world.per, join_request=request)
    assert recipients(Kind.REQUEST_APPROVED) == ["Otto Outsider"]
    with committed():
        group_actions.do_invite_to_group(
            actor=world.admin, group=world.secret, invitee=world.outsider
        )
    assert recipients(Kind.INVITATION, group=world.secret) == ["Otto Outsider"]


def test_recipients_get_a_realtime_event_with_their_unread_count(
    world: World, committed: Committed
) -> None:
    from torg.realtime.models import RealtimeEvent

    item = post(committed, world.kari, world.open)
    comment(committed, world.ola, item)
    comment(committed, world.per, item)
    events = list(
        RealtimeEvent.objects.filter(kind="notification.created")
        .order_by("id")
        .values_list("channel", "payload")
    )
    assert events == [
        (f"user-{world.kari.pk}", {"post": item.pk, "unread": 1}),
        (f"user-{world.kari.pk}", {"post": item.pk, "unread": 1}),
        (f"user-{world.ola.pk}", {"post": item.pk, "unread": 1}),
    ]


def test_post_gaining_traction_is_a_highlight_once(
    world: World, committed: Committed, monkeypatch: Any
) -> None:
    from torg.notifications import rules

    monkeypatch.setattr(rules, "HIGHLIGHT_REACTIONS", 2)
    for person in (world.ola, world.per):
        actions.do_set_group_level(actor=person, group=world.open, level="highlights")
    item = post(committed, world.kari, world.open)
    with committed():
        do_react(actor=world.ola, target=item, kind="like")
    assert recipients(Kind.GROUP_POST) == []
    with committed():
        do_react(actor=world.admin, target=item, kind="like")
    assert recipients(Kind.GROUP_POST) == ["Ola", "Per"]
    Notification.objects.update(read_at=timezone.now())
    with committed():
        do_react(actor=world.per, target=item, kind="like")
    assert recipients(Kind.GROUP_POST) == ["Ola", "Per"]


def test_new_notifications_get_every_column_and_an_unread_one_made_meanwhile_stays(
    world: World, committed: Committed
) -> None:
    """``_insert_new`` (one statement on PostgreSQL, ``bulk_create`` elsewhere) writes the
    template's columns with each recipient and reason, and leaves alone a recipient who got an
    unread notification for the same target in the meantime."""
    from torg.notifications.delivery import _insert_new

    item = post(committed, world.kari, world.open)
    key = f"test:p{item.pk}"
    now = timezone.now().replace(microsecond=0)
    earlier = now - timedelta(minutes=5)
    Notification.objects.create(
        recipient=world.per,
        kind=Kind.MENTION,
        reason="mentioned",
        aggregation_key=key,
        created_at=earlier,
        updated_at=earlier,
    )
    template = Notification(
        kind=Kind.GROUP_POST,
        post=item,
        group_id=world.open.pk,
        actor_id=world.kari.pk,
        actor_count=1,
        recent_actor_ids=[world.kari.pk],
        data={"note": 'ÆØÅ "quoted"'},
        aggregation_key=key,
        created_at=now,
        updated_at=now,
    )
    _insert_new(template, [(world.ola.pk, "group_all"), (world.per.pk, "group_highlights")])
    fields = ["recipient_id", "kind", "reason", "post_id", "comment_id", "group_id", "actor_id"]
    fields += ["actor_count", "recent_actor_ids", "data", "created_at", "updated_at", "read_at"]
    rows = Notification.objects.filter(aggregation_key=key).order_by("recipient_id")
    by_recipient = {row["recipient_id"]: row for row in rows.values(*fields)}
    assert by_recipient == {
        world.ola.pk: {
            "recipient_id": world.ola.pk,
            "kind": "group_post",
            "reason": "group_all",
            "post_id": item.pk,
            "comment_id": None,
            "group_id": world.open.pk,
            "actor_id": world.kari.pk,
            "actor_count": 1,
            "recent_actor_ids": [world.kari.pk],
            "data": {"note": 'ÆØÅ "quoted"'},
            "created_at": now,
            "updated_at": now,
            "read_at": None,
        },
        world.per.pk: {
            "recipient_id": world.per.pk,
            "kind": "mention",
            "reason": "mentioned",
            "post_id": None,
            "comment_id": None,
            "group_id": None,
            "actor_id": None,
            "actor_count": 1,
            "recent_actor_ids": [],
            "data": {},
            "created_at": earlier,
            "updated_at": earlier,
            "read_at": None,
        },
    }


def test_recipient_filters_send_the_ids_as_one_array_on_postgresql(
    world: World, committed: Committed
) -> None:
    """``id_among``: one ``= ANY(array)`` parameter on PostgreSQL, ``IN`` elsewhere; the same
    rows either way."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from torg.notifications.rules import levels_for_members

    actions.do_set_group_level(actor=world.ola, group=world.open, level="all")
    people = [world.ola.pk, world.per.pk, world.kari.pk]
    with CaptureQueriesContext(connection) as queries:
        levels = levels_for_members(world.open, people)
    assert levels == {world.ola.pk: "all", world.per.pk: "mentions", world.kari.pk: "mentions"}
    (query,) = queries.captured_queries
    if connection.vendor == "postgresql":
        assert "= ANY(" in query["sql"] and " IN (" not in query["sql"]
    else:
        assert " IN (" in query["sql"]
