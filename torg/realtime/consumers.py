"""The WebSocket endpoint (/ws/): one connection per open signed-in page.

Client → server messages (JSON):
  {"type": "subscribe", "post": <id>}          follow one open post (access checked)
  {"type": "resume", "last_event_id": <id>}    replay what was missed, or get {"type": "refresh"}
Server → client messages:
  {"type": "welcome", "last_event_id": <id>}
  {"type": "event", "id": <id>, "kind": "...", "ids": {...}, "counts": {...}}
  {"type": "subscribed", "post": <id>} / {"type": "error", "code": "not_found" | "bad_request"}
  {"type": "refresh"}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Count, Max
from django.utils import translation
from django.utils.translation import ngettext

from torg.accounts.models import User
from torg.groups.access import as_person, content_visible_groups
from torg.groups.models import Group, Membership
from torg.posts.access import PostNotFound, access_post, parse_id, visible_posts
from torg.posts.models import Comment, Reaction
from torg.realtime.events import (
    GROUP_PREFIX,
    NETWORK,
    group_channel,
    post_channel,
    resume_floor,
    user_channel,
)
from torg.realtime.hub import ASGISend, hub_for, server_send
from torg.realtime.models import RealtimeEvent

REPLAY_MAX = 200
MAX_POST_SUBSCRIPTIONS = 20
MEMBERSHIP_CHUNK = 500


def channels_for(user: User) -> set[str]:
    """The channel groups a connection of ``user`` joins on connect."""
    channels = {user_channel(user.pk)}
    channels.update(
        group_channel(pk) for pk in content_visible_groups(user).values_list("pk", flat=True)
    )
    if not user.is_guest:
        channels.add(NETWORK)
    return channels


def check_event(
    user: User,
    channel: str,
    kind: str,
    ids: dict[str, int],
) -> dict[str, Any] | None:
    """None if ``user`` may no longer see the event's target, else the counts to deliver."""
    if channel.startswith("user-") and channel != user_channel(user.pk):
        return None
    if channel == NETWORK and user.is_guest:
        return None
    counts: dict[str, Any] = {}
    if "group" in ids:
        if not content_visible_groups(user).filter(pk=ids["group"]).exists():
            return None
    elif "post" in ids:
        row = visible_posts(user).filter(pk=ids["post"]).values("comment_count", "reaction_count")
        found = row.first()
        if found is None:
            return None
        if channel.startswith("post-"):
            counts = {"comments": found["comment_count"], "reactions": found["reaction_count"]}
            if kind == "reaction.changed" and "comment" in ids:
                comment = Comment.objects.filter(pk=ids["comment"], post_id=ids["post"])
                reactions = comment.values_list("reaction_count", flat=True).first()
                if reactions is None:
                    return None
                counts["comment_reactions"] = reactions
            if kind == "reaction.changed":
                counts["kinds"] = reaction_kind_counts(ids["post"], ids.get("comment"))
    return counts


def users_seeing_group(group_id: int, users: Iterable[User]) -> set[int]:
    """Which of ``users`` may see group ``group_id``'s content: for each the same answer as
    ``content_visible_groups(user).filter(pk=group_id).exists()``, in one query (PostgreSQL)
    or a few."""
    return people_seeing_group(
        group_id, {user.pk: user.is_guest for user in users if as_person(user) is not None}
    )


def people_seeing_group(group_id: int, people: dict[int, bool]) -> set[int]:
    """``users_seeing_group`` for ``people`` given as {user id: is a guest}, all of them
    signed in and active (``as_person``): which may see group ``group_id``'s content.

    Open groups: every employee, and guests with a membership row; closed and secret groups:
    whoever has a membership row.
    """
    if not people:
        return set()
    if connection.vendor == "postgresql":
        return _people_seeing_group_postgresql(group_id, people)
    privacy = Group.objects.filter(pk=group_id).values_list("privacy", flat=True).first()
    if privacy is None:
        return set()
    open_group = privacy == Group.Privacy.OPEN
    seeing = {pk for pk, is_guest in people.items() if open_group and not is_guest}
    # Only the rest need a membership row: everyone for closed and secret groups, guests for
    # open ones.
    rest = sorted(set(people) - seeing)
    for start in range(0, len(rest), MEMBERSHIP_CHUNK):
        chunk = rest[start : start + MEMBERSHIP_CHUNK]
        seeing.update(
            Membership.objects.filter(group_id=group_id, user_id__in=chunk).values_list(
                "user_id", flat=True
            )
        )
    return seeing


def _people_seeing_group_postgresql(group_id: int, people: dict[int, bool]) -> set[int]:
    """One statement and two parameters however many people: the group's privacy and the
    membership rows of those who need one (the ids as one array, ``= ANY``).

    The ORM's ``user_id__in`` for 1,000 connections of a process is 1,000 placeholders built,
    quoted and parsed for every event: about 5 ms of CPU on the path of every delivery, where
    this takes a fraction of that.
    """
    everyone = list(people)
    guests = [pk for pk, is_guest in people.items() if is_guest]
    group_table = connection.ops.quote_name(Group._meta.db_table)
    membership_table = connection.ops.quote_name(Membership._meta.db_table)
    member_column = connection.ops.quote_name(Membership._meta.get_field("user").column)
    group_column = connection.ops.quote_name(Membership._meta.get_field("group").column)
    group_key = connection.ops.quote_name(str(Group._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.privacy, ARRAY(SELECT m.{member_column} FROM {membership_table} m"  # noqa: S608 - table/column names from models; values are parameters
            f" WHERE m.{group_column} = g.{group_key} AND m.{member_column} = ANY("
            "CASE WHEN g.privacy = %s THEN %s::bigint[] ELSE %s::bigint[] END))"
            f" FROM {group_table} g WHERE g.{group_key} = %s",
            [Group.Privacy.OPEN, guests, everyone, group_id],
        )
        row = cursor.fetchone()
    if row is None:
        return set()
    privacy, members = row
    seeing = set(members)
    if privacy == Group.Privacy.OPEN:
        seeing.update(pk for pk, is_guest in people.items() if not is_guest)
    return seeing


def _users_seeing_group_on_kept_connection(group_id: int, users: list[User]) -> set[int]:
    """``users_seeing_group`` in the consumers' database thread, keeping its connection.

    ``database_sync_to_async`` closes the connection around every call (CONN_MAX_AGE is 0),
    and opening one costs 3-15 ms here: on the path of every group event, in every process.
    The next ``database_sync_to_async`` call (a connect, a post check) still closes it. A
    connection that broke meanwhile is closed and the check tried once more.
    """
    try:
        return users_seeing_group(group_id, users)
    except DatabaseError:
        connection.close()
        return users_seeing_group(group_id, users)


def reaction_kind_counts(post_id: int, comment_id: int | None) -> dict[str, int]:
    """{kind: count} of the reactions on a post (``comment_id`` None) or one of its comments."""
    if comment_id is None:
        rows = Reaction.objects.filter(post_id=post_id, comment__isnull=True)
    else:
        rows = Reaction.objects.filter(comment_id=comment_id)
    counted = rows.order_by().values_list("kind").annotate(n=Count("id"))
    return {kind: n for kind, n in counted.values_list("kind", "n")}


def missed_events(user: User, channels: set[str], last_id: int) -> list[dict[str, Any]] | None:
    """Events after ``last_id`` for ``channels`` that ``user`` may see; None: refresh instead."""
    if last_id < resume_floor():
        return None  # events after last_id may have left the log
    rows = list(
        RealtimeEvent.objects.filter(pk__gt=last_id, channel__in=channels).order_by("pk")[
            : REPLAY_MAX + 1
        ]
    )
    if len(rows) > REPLAY_MAX:
        return None
    events = []
    for row in rows:
        counts = check_event(user, row.channel, row.kind, row.payload)
        if counts is not None:
            events.append(_client_event(row.pk, row.kind, row.payload, counts))
    return events


def client_texts(language: str) -> dict[str, dict[str, str]]:
    """The client's visible strings in ``language``, singular and plural ("%(count)s" inside)."""
    with translation.override(language):
        return {
            "new_posts": {
                "one": ngettext("%(count)s new post", "%(count)s new posts", 1),
                "other": ngettext("%(count)s new post", "%(count)s new posts", 2),
            },
            "new_comments": {
                "one": ngettext("%(count)s new comment", "%(count)s new comments", 1),
                "other": ngettext("%(count)s new comment", "%(count)s new comments", 2),
            },
            "comments": {
                "one": ngettext("%(count)s comment", "%(count)s comments", 1),
                "other": ngettext("%(count)s comment", "%(count)s comments", 2),
            },
            "reactions": {
                "one": ngettext("%(count)s reaction", "%(count)s reactions", 1),
                "other": ngettext("%(count)s reaction", "%(count)s reactions", 2),
            },
        }


def newest_event_id() -> int:
    return RealtimeEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0


def _client_event(
    event_id: int, kind: str, ids: dict[str, int], counts: dict[str, Any]
) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "event", "id": event_id, "kind": kind, "ids": ids}
    if counts:
        event["counts"] = counts
    return event


class RealtimeConsumer(AsyncJsonWebsocketConsumer):
    """One connection. Group channels are joined through the process's hub
    (``torg.realtime.hub``); user, post and network channels through the channel layer."""

    user: User
    user_id: int
    server_send: ASGISend
    ready: bool
    joined: set[str]
    replayed: set[int]

    async def connect(self) -> None:
        person = as_person(self.scope.get("user"))
        if person is None:
            await self.close(code=4401)
            return
        # The account itself rather than Channels' lazy wrapper around it (resolved by now):
        # the hub reads each connection's person for every group event, and every attribute
        # read through the wrapper costs a call.
        self.user = getattr(person, "_wrapped", person)
        self.user_id = person.pk
        self.server_send = server_send(self.base_send)
        self.joined = set()
        self.replayed = set()
        # Group events the hub hands over before the welcome went out wait here, as they
        # would in the connection's queue.
        self.ready = False
        self.early: list[str] = []
        await self._sync_channels()
        await self.accept()
        newest = await database_sync_to_async(newest_event_id)()
        await self.send_json(
            {"type": "welcome", "last_event_id": newest, "text": client_texts(self._language())}
        )
        # Ready only once the queue is empty: an event arriving while an earlier one is being
        # sent (a send can wait for the socket to drain) joins the queue behind it.
        while self.early:
            early, self.early = self.early, []
            for text in early:
                await self.send(text_data=text)
        self.ready = True

    async def hub_deliver(self, event_id: int, channel: str, text: str) -> None:
        """A group event the hub checked for this person (``GroupHub.deliver``)."""
        if event_id in self.replayed:
            self.replayed.discard(event_id)
            return
        if not self.ready:
            self.early.append(text)
            return
        try:
            await self.send(text_data=text)
        except Exception:  # a connection closing meanwhile; its disconnect follows
            return

    def hub_dropped(self, channel: str) -> None:
        self.joined.discard(channel)

    async def _join(self, channel: str) -> None:
        if channel.startswith(GROUP_PREFIX):
            await hub_for(self.channel_layer).join(channel, self)
        else:
            await self.channel_layer.group_add(channel, self.channel_name)

    async def _leave(self, channel: str) -> None:
        if channel.startswith(GROUP_PREFIX):
            await hub_for(self.channel_layer).leave(channel, self)
        else:
            await self.channel_layer.group_discard(channel, self.channel_name)

    def _language(self) -> str:
        cookies = self.scope.get("cookies") or {}
        chosen = self.user.language or cookies.get(settings.LANGUAGE_COOKIE_NAME, "")
        known = {code for code, _name in settings.LANGUAGES}
        return chosen if chosen in known else settings.LANGUAGE_CODE

    async def disconnect(self, code: int) -> None:
        for channel in list(getattr(self, "joined", set())):
            await self._leave(channel)

    async def _sync_channels(self) -> None:
        """Join the user's channels; leave group channels they may no longer see."""
        wanted = await database_sync_to_async(channels_for)(self.user)
        posts = {c for c in self.joined if c.startswith("post-")}
        for channel in self.joined - wanted - posts:
            await self._leave(channel)
        for channel in wanted - self.joined:
            await self._join(channel)
        self.joined = wanted | posts

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "subscribe":
            await self._subscribe(content.get("post"))
        elif kind == "resume":
            await self._resume(content.get("last_event_id"))
        else:
            await self.send_json({"type": "error", "code": "bad_request"})

    async def _subscribe(self, raw_post_id: Any) -> None:
        post_id = parse_id(raw_post_id)
        posts = [c for c in self.joined if c.startswith("post-")]
        if post_id is None or len(posts) >= MAX_POST_SUBSCRIPTIONS:
            await self.send_json({"type": "error", "code": "bad_request"})
            return
        try:
            await database_sync_to_async(access_post)(self.user, post_id)
        except PostNotFound:
            await self.send_json({"type": "error", "code": "not_found", "post": post_id})
            return
        channel = post_channel(post_id)
        await self.channel_layer.group_add(channel, self.channel_name)
        self.joined.add(channel)
        await self.send_json({"type": "subscribed", "post": post_id})

    async def _resume(self, raw_last_id: Any) -> None:
        last_id = raw_last_id if isinstance(raw_last_id, int) else None
        if last_id is None or isinstance(raw_last_id, bool) or last_id < 0:
            await self.send_json({"type": "error", "code": "bad_request"})
            return
        events = await database_sync_to_async(missed_events)(self.user, self.joined, last_id)
        if events is None:
            await self.send_json({"type": "refresh"})
            return
        for event in events:
            self.replayed.add(event["id"])
            await self.send_json(event)

    async def dispatch(self, message: dict[str, Any]) -> None:
        if message.get("type") == "realtime.event":
            # Channels runs close_old_connections before every handler: one hop into the
            # process's single database thread per connection and message, so 1,000 hops in
            # a row for one event reaching 1,000 connections (most of the fan-out's latency).
            # This handler's database work closes old connections itself
            # (database_sync_to_async) or handles a broken one (the batched group check).
            await self.realtime_event(message)
            return
        await super().dispatch(message)

    async def realtime_event(self, message: dict[str, Any]) -> None:
        """A group_send from ``torg.core.events.send_event_on_commit``."""
        event_id: int = message["id"]
        if event_id in self.replayed:
            self.replayed.discard(event_id)
            return
        channel: str = message["channel"]
        kind: str = message["kind"]
        ids: dict[str, int] = message["ids"]
        if kind == "membership.changed":
            await self._sync_channels()
        # Group channels' events (the large fan-out) come through the hub (hub_deliver).
        counts = await database_sync_to_async(check_event)(self.user, channel, kind, ids)
        if counts is None:
            # Removed from the group or lost access to the post: stop listening to it.
            if not channel.startswith("user-") and channel != NETWORK:
                await self._leave(channel)
                self.joined.discard(channel)
            return
        await self.send_json(_client_event(event_id, kind, ids, counts))
