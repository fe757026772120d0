"""Realtime events: log one row in the caller's transaction, deliver it after commit.

Events carry a kind and ids, never content; the consumer re-checks access before delivering.
Channel groups: ``group-<id>`` (a group's members and, for open groups, employees),
``user-<id>`` (one person), ``post-<id>`` (everyone with the post open) and ``network``
(every employee: posts on profiles, which have no group).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import Max, Q
from django.utils import timezone

from torg.realtime.models import RealtimeEvent

if TYPE_CHECKING:
    from torg.posts.models import Comment, Post

# A reconnecting client gets what it missed within this window; older means "refresh".
WINDOW = timedelta(hours=1)
MAX_EVENTS = 10_000
PRUNE_EVERY = 100

NETWORK = "network"
PRUNED = "pruned"
GROUP_PREFIX = "group-"


def group_channel(group_id: int) -> str:
    return f"{GROUP_PREFIX}{group_id}"


def user_channel(user_id: int) -> str:
    return f"user-{user_id}"


def post_channel(post_id: int) -> str:
    return f"post-{post_id}"


def publish(channel: str, kind: str, ids: dict[str, int]) -> int:
    """Log the event in the current transaction and send it to ``channel`` after commit."""
    clean = {str(key): int(value) for key, value in ids.items()}
    event = RealtimeEvent.objects.create(channel=channel, kind=kind, payload=clean)
    if event.pk % PRUNE_EVERY == 0:
        prune(newest_id=event.pk)
    _send_on_commit([(event.pk, channel, kind, clean)])
    return event.pk


def publish_many(events: Iterable[tuple[str, str, dict[str, int]]]) -> list[int]:
    """``publish`` for many events at once: one insert, one send after commit for them all.

    Fan-outs (a notification for each of 5,000 people, 500 new members of a group) would
    otherwise cost one insert and one round trip to the channel layer per event.
    """
    wanted = [
        (channel, kind, {str(k): int(v) for k, v in ids.items()}) for channel, kind, ids in events
    ]
    if not wanted:
        return []
    if connection.vendor == "postgresql":
        ids = _insert_postgresql(wanted)
    else:
        rows = [RealtimeEvent(channel=c, kind=k, payload=p) for c, k, p in wanted]
        RealtimeEvent.objects.bulk_create(rows)
        ids = [row.pk for row in rows]
    first, last = min(ids), max(ids)
    if last // PRUNE_EVERY > (first - 1) // PRUNE_EVERY:  # a multiple of PRUNE_EVERY in range
        prune(newest_id=last)
    _send_on_commit([(pk, *event) for pk, event in zip(ids, wanted, strict=True)])
    return ids


def _insert_postgresql(events: list[tuple[str, str, dict[str, int]]]) -> list[int]:
    """Insert ``events`` in one statement of three array parameters; their ids, in order.

    ``bulk_create`` prepares every value of every row through its field (5,000 notifications'
    events: 20,000 values, about a quarter of ``notify_post_created``'s CPU). The rows are
    inserted in the arrays' order (``ORDER BY n``), so the sequence hands out ascending ids in
    that order.
    """
    table = connection.ops.quote_name(RealtimeEvent._meta.db_table)
    column_of = {field.name: str(field.column) for field in RealtimeEvent._meta.concrete_fields}
    columns = ", ".join(
        connection.ops.quote_name(column_of[name])
        for name in ("channel", "kind", "payload", "created_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT e.channel, e.kind, e.payload, %s"  # noqa: S608 - table/column names from the model; values are parameters
            " FROM unnest(%s::varchar[], %s::varchar[], %s::jsonb[])"
            " WITH ORDINALITY AS e(channel, kind, payload, n) ORDER BY e.n RETURNING id",
            [
                timezone.now(),
                [channel for channel, _kind, _payload in events],
                [kind for _channel, kind, _payload in events],
                [json.dumps(payload) for _channel, _kind, payload in events],
            ],
        )
        return sorted(row[0] for row in cursor.fetchall())


def _send_on_commit(events: list[tuple[int, str, str, dict[str, int]]]) -> None:
    """After commit (like ``torg.core.events.send_event_on_commit``), send ``events``
    (id, channel, kind, ids) in order."""
    messages = [
        (
            channel,
            {"type": "realtime.event", "channel": channel, "id": pk, "kind": kind, "ids": payload},
        )
        for pk, channel, kind, payload in events
    ]
    transaction.on_commit(lambda: _send_all(messages), robust=True)


def _send_all(messages: list[tuple[str, dict[str, Any]]]) -> None:
    """Send ``messages`` (channel group, message) in order."""
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is None or _publish_to_redis(layer, messages):
        return

    async def send() -> None:
        for group, message in messages:
            await layer.group_send(group, message)

    deliver = async_to_sync(send)
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        deliver()
        return
    # A loop runs in this thread (see torg.core.events.send_event_on_commit): use a helper.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(deliver).result()


_redis_clients: dict[str, Any] = {}
# Filled once per address, under a lock: two threads racing to fill it made two clients, and the
# replaced one, garbage-collected, closed the socket the other thread was publishing on.
_redis_clients_lock = threading.Lock()


def _publish_to_redis(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> bool:
    """With channels_redis's pub/sub layer: PUBLISH every message, one pipeline per Redis host,
    on a kept connection. False for any other layer (the caller uses ``group_send``).

    ``group_send`` from sync code runs a new event loop, so the layer opens a new Redis
    connection for every call, and sends one message per round trip. This writes exactly what
    ``RedisPubSubLoopLayer.group_send`` writes (channel ``<prefix>__group__<group>``, the
    layer's serializer, the same host for a name), so consumers cannot tell the difference;
    torg/realtime/tests (run with TORG_TEST_REDIS_URL) deliver through it.
    """
    from channels.layers import DEFAULT_CHANNEL_LAYER
    from channels_redis.pubsub import RedisPubSubChannelLayer
    from channels_redis.utils import _consistent_hash, decode_hosts
    from django.conf import settings

    if not isinstance(layer, RedisPubSubChannelLayer):
        return False
    layer_settings: dict[str, Any] = settings.CHANNEL_LAYERS[DEFAULT_CHANNEL_LAYER]
    config: dict[str, Any] = layer_settings.get("CONFIG", {})
    hosts = decode_hosts(config.get("hosts"))
    if any(set(host) != {"address"} for host in hosts):
        return False  # Sentinel or extra connection options: leave it to the layer
    import redis

    prefix = config.get("prefix", "asgi")
    pipelines: dict[int, Any] = {}
    for group, message in messages:
        name = f"{prefix}__group__{group}"
        shard = _consistent_hash(name, len(hosts))
        if shard not in pipelines:
            address = hosts[shard]["address"]
            client = _redis_clients.get(address)
            if client is None:
                with _redis_clients_lock:
                    client = _redis_clients.get(address)
                    if client is None:
                        client = _redis_clients[address] = redis.Redis.from_url(address)
            pipelines[shard] = client.pipeline(transaction=False)
        pipelines[shard].publish(name, layer.serialize(message))
    for pipeline in pipelines.values():
        pipeline.execute()
    return True


def prune(*, newest_id: int | None = None) -> int:
    """Drop events older than the window or beyond the newest ``MAX_EVENTS``.

    One marker row (kind "pruned") keeps the highest id dropped, so a client resuming from
    before it gets a refresh hint instead of a silently incomplete replay.
    """
    cutoff = timezone.now() - WINDOW
    stale = RealtimeEvent.objects.filter(Q(created_at__lt=cutoff) | Q(kind=PRUNED))
    floors = [stale.aggregate(floor=Max("pk"))["floor"]]
    if newest_id is not None and newest_id > MAX_EVENTS:
        floors.append(newest_id - MAX_EVENTS)
    floor = max((f for f in floors if f is not None), default=None)
    if floor is None:
        return 0
    gone = RealtimeEvent.objects.filter(pk__lte=floor)
    dropped = gone.exclude(kind=PRUNED).count()
    gone.delete()
    RealtimeEvent.objects.create(
        pk=floor, channel="", kind=PRUNED, created_at=cutoff - timedelta(seconds=1)
    )
    return dropped


def resume_floor() -> int:
    """The highest event id no longer (reliably) in the log; 0 when nothing has left it."""
    cutoff = timezone.now() - WINDOW
    stale = RealtimeEvent.objects.filter(Q(created_at__lt=cutoff) | Q(kind=PRUNED))
    return stale.aggregate(floor=Max("pk"))["floor"] or 0


# --- hooks called by actions (inside their transaction) ---------------------------------------


def post_created(post: Post) -> None:
    ids = {"post": post.pk, "author": post.author_id}
    if post.group_id is not None:
        publish(group_channel(post.group_id), "post.created", {**ids, "group": post.group_id})
    else:
        publish(NETWORK, "post.created", ids)


def comment_created(comment: Comment) -> None:
    ids = {"post": comment.post_id, "comment": comment.pk, "author": comment.author_id}
    if comment.parent_id is not None:
        ids["parent"] = comment.parent_id  # open pages put a reply under its comment
    publish(post_channel(comment.post_id), "comment.created", ids)


def reaction_changed(target: Post | Comment) -> None:
    """A reaction on a post or a comment was set, changed or removed."""
    from torg.posts.models import Comment

    if isinstance(target, Comment):
        ids = {"post": target.post_id, "comment": target.pk}
    else:
        ids = {"post": target.pk}
    publish(post_channel(ids["post"]), "reaction.changed", ids)


def notify_user(user_id: int, kind: str, ids: dict[str, int]) -> None:
    """Tell one person something happened (e.g. a new notification; ``ids["unread"]`` is
    the new unread count for the bell). ``ids`` holding "group" or "post" makes the consumer
    re-check the person may still see them before delivering."""
    publish(user_channel(user_id), kind, ids)


def membership_changed(user_id: int) -> None:
    """Someone joined or left groups (or their role changed): their open connections
    recompute their group channels at once."""
    publish(user_channel(user_id), "membership.changed", {"user": user_id})


def memberships_changed(user_ids: Iterable[int]) -> None:
    """``membership_changed`` for many people (bulk adds and removals), one insert."""
    publish_many(
        (user_channel(user_id), "membership.changed", {"user": user_id})
        for user_id in sorted(set(user_ids))
    )


def group_access_changed(group_id: int) -> None:
    """A group's privacy changed: who may see its content changed for every employee (guests
    see only groups they belong to, so they are unaffected). Every employee connection
    recomputes its channels; the event itself reaches those who may see the group."""
    publish(NETWORK, "membership.changed", {"group": group_id})
