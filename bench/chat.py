"""Chat benchmark (issue 7): delivery latency under load, and history paging in a big table.

    .venv/bin/python -m bench.chat \\
        --database-url postgres://postgres@127.0.0.1:5432/torg_bench_chat \\
        --redis-url redis://127.0.0.1:6379/7

1. Delivery. ``--clients`` (1,000) signed-in people in ``--conversations`` (200) group
   conversations (5 each) hold one chat WebSocket each (``/ws/chat/`` on ``--servers`` uvicorn
   processes sharing Redis; clients spread round-robin, all in this process on one asyncio
   loop). Together they send ``--rate`` (200) messages a second for ``--seconds``: each client
   sends every clients/rate seconds (random phase), a body carrying its send time. Every other
   member records when the ``message.new`` event arrived. Reported: send-to-receive latency
   p50/p99 (receive minus send, same clock), send-to-ack latency, messages lost (acknowledged
   but not delivered to every other member after the drain: the clients read until every
   acknowledged message has reached every member, at most 30 s after the last ack),
   out-of-order arrivals (a seq lower than one already received on that connection) and gaps
   seen (a seq more than one ahead: the client would fetch the missing ones), and the CPU time
   spent per message during the measured seconds by the servers, their PostgreSQL backends,
   Redis (shared with anything else on the machine) and this process (the clients), from
   /proc: a figure that depends little on how busy the machine is.
   Baseline in the same run: the same clients, conversations and rate on the bare channel
   layer (channels_redis ``RedisPubSubChannelLayer.group_send`` to 1,000 receiver channels in
   200 groups; no Django, consumers or database), measured the same way.
2. History. ``--messages`` (1,000,000) messages are loaded with COPY (once) into the database:
   40 % in one conversation, the rest spread over the benchmark conversations. Then pages of
   50 (``GET /api/v1/chat/conversations/<id>/messages?before=<seq>``, over HTTP with a session,
   keep-alive) at random depths of the big conversation, and the newest page: p50/p95/p99.

The dataset (people ``chat<n>@bench-chat.torg.example``, conversations, messages, sessions) is
made on first use in the database given (created if missing; migrated). Messages sent during
part 1 are deleted at the end. Nothing here is imported by Torg.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from bench.feed import git_revision, machine
from bench.realtime import (
    COMPRESSION,
    ORIGIN,
    ROOT,
    _free_port,
    _raise_open_files,
    _run,
    _wait_for_port,
    ensure_database,
    percentile,
    sign_in,
)

EMAIL = "chat{n}@bench-chat.torg.example"
CONVERSATION = "Bench chat {n}"
HISTORY = "Bench chat history"
MEMBERS = 5
PAGE = 50


def start_torg(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """uvicorn serving torg.asgi; a long ping timeout, so a starved client is not hung up on."""
    command = [sys.executable, "-m", "uvicorn", "torg.asgi:application", "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning", "--backlog", "4096"]
    command += ["--ws-ping-interval", "20", "--ws-ping-timeout", "300"]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    _wait_for_port(port, process, timeout=300)  # a loaded machine imports Django slowly
    return process


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` (and their threads), from /proc; gone ones count 0."""
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / _TICKS
    return total


def redis_pids() -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "redis-server":
                        pids.append(int(entry))
            except OSError:
                continue
    return pids


def database_backend_pids() -> list[int]:
    """PostgreSQL server processes serving this database (the servers' connections)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    connection.close()
    return pids


@dataclass
class CpuMeter:
    """CPU seconds spent during the measured window: servers, PostgreSQL, Redis, this process."""

    servers: list[int] = field(default_factory=list)
    database: list[int] = field(default_factory=list)
    start: dict[str, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)

    def _now(self) -> dict[str, float]:
        return {
            "servers": cpu_seconds(self.servers),
            "PostgreSQL": cpu_seconds(self.database),
            "Redis (shared)": cpu_seconds(redis_pids()),
            "clients": cpu_seconds([os.getpid()]),
        }

    def begin(self) -> None:
        self.start = self._now()

    def end(self) -> None:
        self.spent = {k: v - self.start[k] for k, v in self._now().items()}

    def line(self, messages: int) -> str:
        parts = [
            f"{name} {1000 * seconds / max(messages, 1):.2f}"
            for name, seconds in self.spent.items()
            if name != "servers" or self.servers
        ]
        return "CPU ms per message: " + ", ".join(parts)


# --- dataset ------------------------------------------------------------------------------------


def setup_django(database_url: str, redis_url: str) -> None:
    os.environ["TORG_DATABASE_URL"] = database_url
    os.environ["TORG_REDIS_URL"] = redis_url
    os.environ.setdefault("TORG_CACHE_PREFIX", f"torgbenchchat{os.getpid()}")
    os.environ["TORG_TASK_BACKEND"] = "django.tasks.backends.dummy.DummyBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "torg.settings"
    import django

    django.setup()


def prepare(clients: int, conversations: int, messages: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from torg.accounts.models import User
    from torg.chat.models import Conversation, Participant

    call_command("migrate", verbosity=0)
    existing = set(
        User.objects.filter(email__endswith="@bench-chat.torg.example").values_list(
            "email", flat=True
        )
    )
    password = make_password("not-used-bench")
    User.objects.bulk_create(
        [
            User(email=EMAIL.format(n=n), name=f"Chat Person {n}", password=password)
            for n in range(clients)
            if EMAIL.format(n=n) not in existing
        ],
        batch_size=1000,
    )
    by_email = dict(
        User.objects.filter(email__endswith="@bench-chat.torg.example").values_list("email", "pk")
    )
    ids = [by_email[EMAIL.format(n=n)] for n in range(clients)]
    rooms: list[int] = []
    for n in range(conversations):
        room, created = Conversation.objects.get_or_create(
            kind=Conversation.Kind.GROUP, name=CONVERSATION.format(n=n), created_by_id=ids[0]
        )
        if created:
            Participant.objects.bulk_create(
                [
                    Participant(conversation=room, user_id=uid)
                    for uid in ids[n * MEMBERS : (n + 1) * MEMBERS]
                ]
            )
        rooms.append(room.pk)
    history, created = Conversation.objects.get_or_create(
        kind=Conversation.Kind.GROUP, name=HISTORY, created_by_id=ids[0]
    )
    if created:
        Participant.objects.create(conversation=history, user_id=ids[0])
    load_messages(messages, history.pk, rooms, ids)
    members = {room: ids[n * MEMBERS : (n + 1) * MEMBERS] for n, room in enumerate(rooms)}
    return {"ids": ids, "rooms": rooms, "members": members, "history": history.pk}


def load_messages(total: int, history: int, rooms: list[int], ids: list[int]) -> None:
    """COPY ``total`` messages in once: 40 % into ``history``, the rest over ``rooms``."""
    from django.db import connection

    from torg.chat.models import Conversation, Message

    have = Message.objects.count()
    if have >= total:
        return
    started = time.monotonic()
    in_history = int(total * 0.4)
    per_room = (total - in_history) // len(rooms)
    now = dt.datetime.now(dt.UTC)
    plan = [(history, in_history, ids[0:1])]
    plan += [(room, per_room, ids[n * MEMBERS : (n + 1) * MEMBERS]) for n, room in enumerate(rooms)]
    Message.objects.filter(conversation_id__in=[p[0] for p in plan]).delete()
    columns = "conversation_id, seq, sender_id, client_id, body, body_html, reply_count, created_at"
    raw = connection.connection if connection.connection else None
    if raw is None:
        connection.ensure_connection()
        raw = connection.connection
    with raw.cursor() as cursor:
        with cursor.copy(f"COPY chat_message ({columns}) FROM STDIN") as copy:
            for conversation_id, count, senders in plan:
                start = now - dt.timedelta(seconds=count * 30)
                for seq in range(1, count + 1):
                    sender = senders[seq % len(senders)]
                    body = f"History message {seq} in {conversation_id}: lorem ipsum dolor sit"
                    copy.write_row(
                        (
                            conversation_id,
                            seq,
                            sender,
                            f"bench-{conversation_id}-{seq}",
                            body,
                            f"<p>{body}</p>\n",
                            0,
                            start + dt.timedelta(seconds=seq * 30),
                        )
                    )
        raw.commit()
        cursor.execute("ANALYZE chat_message")
    for conversation_id, count, _senders in plan:
        Conversation.objects.filter(pk=conversation_id).update(last_seq=count, last_message_at=now)
    print(f"  loaded {total:,} messages with COPY in {time.monotonic() - started:.1f} s")


# --- delivery -----------------------------------------------------------------------------------


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # ms, send → other member received
    acks: list[float] = field(default_factory=list)  # ms, send → ack
    sent: dict[Any, tuple[int, float]] = field(default_factory=dict)  # key → (room, sent at)
    received: set[tuple[Any, int]] = field(default_factory=set)  # (key, receiver)
    acked: set[Any] | None = None  # keys acknowledged (Torg); None: every send counts
    out_of_order: int = 0
    gaps: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    cpu: CpuMeter = field(default_factory=CpuMeter)
    drain: float | None = None  # seconds from the end of sending to the last delivery

    def lost(self, members: dict[int, list[int]], senders: dict[Any, int]) -> int:
        missing = 0
        for key, (room, _t) in self.sent.items():
            if self.acked is not None and key not in self.acked:
                continue  # never acknowledged: not promised (counted as unacknowledged)
            for uid in members[room]:
                if uid != senders[key] and (key, uid) not in self.received:
                    missing += 1
        return missing


class Receiver:
    """Per connection and conversation: the last seq seen, for order and gap counting."""

    def __init__(self) -> None:
        self.last: dict[int, int] = {}

    def see(self, tally: Tally, room: int, seq: int) -> None:
        last = self.last.get(room)
        if last is not None:
            if seq == last:
                tally.duplicates += 1
                return
            if seq < last:
                tally.out_of_order += 1
                return
            if seq > last + 1:
                tally.gaps += 1
        self.last[room] = seq


async def torg_delivery(
    *,
    data: dict[str, Any],
    cookies: list[str],
    ports: list[int],
    rate: float,
    seconds: float,
    warmup: float,
    server_pids: list[int],
) -> tuple[Tally, dict[Any, int]]:
    import websockets

    tally, senders = Tally(acked=set()), {}
    tally.cpu.servers = server_pids
    ids: list[int] = data["ids"]
    # Client ids unique to this run: a message left by an earlier run (one whose clean-up did
    # not happen) would make a send an idempotent retry (no event) instead of a new message.
    run = f"{time.time_ns():x}"
    room_of = {uid: room for room, members in data["members"].items() for uid in members}
    measuring = {"on": False}
    stop = asyncio.Event()
    drained = asyncio.Event()
    connected = 0
    waiting: list[dict[str, float]] = []  # each client's sends not acknowledged yet

    def unacked() -> int:
        return sum(len(pending) for pending in waiting)

    async def client(index: int) -> None:
        nonlocal connected
        uid = ids[index]
        room = room_of[uid]
        url = f"ws://127.0.0.1:{ports[index % len(ports)]}/ws/chat/"
        headers = {"Cookie": cookies[index], "Origin": ORIGIN}
        receiver = Receiver()
        async with websockets.connect(
            url,
            additional_headers=headers,
            open_timeout=120,
            max_queue=None,
            compression=COMPRESSION["compression"],
            ping_timeout=None,  # a busy shared machine: measure latency, do not hang up
        ) as ws:
            welcome = json.loads(await ws.recv())
            receiver.last[room] = welcome["conversations"][str(room)]
            connected += 1
            pending: dict[str, float] = {}
            waiting.append(pending)

            async def reader() -> None:
                async for raw in ws:
                    now = time.time()
                    event = json.loads(raw)
                    if event["type"] == "ack":
                        sent_at = pending.pop(event["client_id"], None)
                        if sent_at is not None and event["client_id"] in senders:
                            tally.acks.append((now - sent_at) * 1000)
                            assert tally.acked is not None
                            tally.acked.add(event["client_id"])
                        continue
                    if event["type"] == "error":
                        tally.errors.append(str(event))
                        continue
                    if event["type"] != "event" or event["kind"] != "message.new":
                        continue
                    message = event["message"]
                    receiver.see(tally, event["conversation"], event["seq"])
                    if message["sender"]["id"] == uid:
                        continue
                    key = message["body"].split("|", 1)[0]
                    if key in tally.sent:
                        tally.received.add((key, uid))
                        tally.latencies.append((now - tally.sent[key][1]) * 1000)

            read = asyncio.create_task(reader())
            await started.wait()
            interval = len(ids) / rate
            await asyncio.sleep(random.random() * interval)
            number = 0
            next_at = time.monotonic()
            while not stop.is_set():
                number += 1
                key = f"{uid}-{number}-{run}"
                sent_at = time.time()
                if measuring["on"]:
                    tally.sent[key] = (room, sent_at)
                    senders[key] = uid
                pending[key] = sent_at
                await ws.send(
                    json.dumps(
                        {
                            "type": "send",
                            "conversation": room,
                            "client_id": key,
                            "body": f"{key}|benchmark message",
                        }
                    )
                )
                next_at += interval
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
            # Drain: read until every acknowledged message reached every member (or time out).
            await drained.wait()
            read.cancel()

    started = asyncio.Event()
    tasks = []
    for start in range(0, len(ids), 50):
        tasks += [asyncio.create_task(client(i)) for i in range(start, min(start + 50, len(ids)))]
        while connected < min(start + 50, len(ids)):
            await asyncio.sleep(0.05)
            for task in tasks:
                if task.done() and task.exception():
                    raise task.exception()  # type: ignore[misc]
    print(f"  {connected:,} chat connections open", flush=True)
    started.set()
    await asyncio.sleep(warmup)
    tally.cpu.database = await asyncio.to_thread(database_backend_pids)
    measuring["on"] = True
    tally.cpu.begin()
    await asyncio.sleep(seconds)
    measuring["on"] = False
    tally.cpu.end()
    stop.set()
    # Drain: wait for every ack (up to a minute), then up to 30 s for the deliveries still in
    # flight; what has not arrived by then counts as lost.
    stopped = time.monotonic()
    while unacked() and time.monotonic() < stopped + 60:
        await asyncio.sleep(0.2)
    acked_at = time.monotonic()
    while tally.lost(data["members"], senders) and time.monotonic() < acked_at + 30:
        await asyncio.sleep(0.2)
    tally.drain = time.monotonic() - stopped
    drained.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    return tally, senders


async def bare_delivery(
    *, data: dict[str, Any], redis_url: str, rate: float, seconds: float, warmup: float
) -> tuple[Tally, dict[Any, int]]:
    """The same traffic on the bare channel layer: group_send to receiver channels."""
    from channels_redis.pubsub import RedisPubSubChannelLayer

    layer = RedisPubSubChannelLayer(hosts=[redis_url], prefix=f"benchbare{os.getpid()}")
    tally, senders = Tally(), {}
    ids: list[int] = data["ids"]
    room_of = {uid: room for room, members in data["members"].items() for uid in members}
    measuring = {"on": False}
    stop = asyncio.Event()
    channels: dict[int, str] = {}
    for uid in ids:
        channels[uid] = await layer.new_channel()
        await layer.group_add(f"room{room_of[uid]}", channels[uid])
    seqs: dict[int, int] = {}

    async def receive(uid: int) -> None:
        receiver = Receiver()
        while True:
            message = await layer.receive(channels[uid])
            now = time.time()
            receiver.see(tally, message["room"], message["seq"])
            if message["sender"] == uid:
                continue
            key = message["key"]
            if key in tally.sent:
                tally.received.add((key, uid))
                tally.latencies.append((now - tally.sent[key][1]) * 1000)

    async def send(uid: int) -> None:
        interval = len(ids) / rate
        await asyncio.sleep(random.random() * interval)
        room = room_of[uid]
        number = 0
        next_at = time.monotonic()
        while not stop.is_set():
            number += 1
            key = f"{uid}-{number}"
            sent_at = time.time()
            if measuring["on"]:
                tally.sent[key] = (room, sent_at)
                senders[key] = uid
            seqs[room] = seqs.get(room, 0) + 1
            await layer.group_send(
                f"room{room}",
                {"type": "x", "key": key, "room": room, "seq": seqs[room], "sender": uid},
            )
            next_at += interval
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    receivers = [asyncio.create_task(receive(uid)) for uid in ids]
    sending = [asyncio.create_task(send(uid)) for uid in ids]
    await asyncio.sleep(warmup)
    measuring["on"] = True
    tally.cpu.begin()
    await asyncio.sleep(seconds)
    measuring["on"] = False
    tally.cpu.end()
    stop.set()
    await asyncio.gather(*sending, return_exceptions=True)
    await asyncio.sleep(5)
    for task in receivers:
        task.cancel()
    await asyncio.gather(*receivers, return_exceptions=True)
    await layer.flush()
    return tally, senders


def report(label: str, tally: Tally, senders: dict[Any, int], data: dict[str, Any]) -> None:
    lat = tally.latencies
    print(
        f"  {label:26} p50 {percentile(lat, 50):7.1f} ms  p99 {percentile(lat, 99):7.1f} ms  "
        f"max {max(lat) if lat else float('nan'):7.1f} ms  ({len(tally.sent):,} messages, "
        f"{len(lat):,} deliveries)"
    )
    if tally.acks:
        print(
            f"  {'':26} send→ack p50 {percentile(tally.acks, 50):6.1f} ms  "
            f"p99 {percentile(tally.acks, 99):6.1f} ms"
        )
    if tally.acked is not None:
        print(
            f"  {'':26} acknowledged {len(tally.acked):,} of {len(tally.sent):,} by the end "
            f"of the drain ({tally.drain or 0:.1f} s after the last send)"
        )
    print(
        f"  {'':26} lost {tally.lost(data['members'], senders)}  out-of-order "
        f"{tally.out_of_order}  gaps {tally.gaps}  duplicates {tally.duplicates}  "
        f"errors {len(tally.errors)}"
    )
    print(f"  {'':26} {tally.cpu.line(len(tally.sent))}")
    for error in tally.errors[:3]:
        print(f"  {'':26} {error}")


def statements_per_send(data: dict[str, Any]) -> list[str]:
    """The SQL one plain socket send runs (the server's ``_send``, in this process)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from torg.accounts.models import User
    from torg.chat import consumers

    room = data["rooms"][0]
    user = User.objects.get(pk=data["members"][room][0])
    content = {"conversation": room, "client_id": f"probe-{time.time_ns()}", "body": "probe|x"}
    with CaptureQueriesContext(connection) as queries:
        consumers._send(user, content)
    return [query["sql"] for query in queries.captured_queries]


# --- history ------------------------------------------------------------------------------------


def history_pages(port: int, cookie: str, conversation: int, requests: int) -> dict[str, Any]:
    from torg.chat.models import Conversation

    newest = Conversation.objects.get(pk=conversation).last_seq
    http_conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "Host": "localhost"}

    def get(path: str) -> float:
        started = time.perf_counter()
        http_conn.request("GET", path, headers=headers)
        response = http_conn.getresponse()
        body = response.read()
        took = (time.perf_counter() - started) * 1000
        assert response.status == 200, (response.status, body[:200])
        assert len(json.loads(body)["messages"]) == PAGE
        return took

    base = f"/api/v1/chat/conversations/{conversation}/messages"
    for _ in range(20):
        get(f"{base}?limit={PAGE}")  # warm up
    newest_times = [get(f"{base}?limit={PAGE}") for _ in range(requests // 4)]
    deep = [
        get(f"{base}?before={random.randint(PAGE + 1, newest)}&limit={PAGE}")
        for _ in range(requests)
    ]
    catch_up = [
        get(f"{base}?after={random.randint(0, newest - PAGE - 1)}&limit={PAGE}")
        for _ in range(requests // 4)
    ]
    http_conn.close()
    return {"newest": newest_times, "deep": deep, "after": catch_up, "total": newest}


def explain(conversation: int) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT * FROM chat_message WHERE conversation_id = %s "
            "AND parent_id IS NULL AND seq < %s ORDER BY seq DESC LIMIT 51",
            [conversation, 200_000],
        )
        return "\n".join("    " + row[0] for row in cursor.fetchall())


# --- command line -------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.chat", description=__doc__)
    parser.add_argument("mode", nargs="?", default="all", choices=["all", "delivery", "history"])
    parser.add_argument("--database-url", default=os.environ.get("TORG_BENCH_DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("TORG_BENCH_REDIS_URL", ""))
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200, help="messages a second, in total")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--servers", type=int, default=2, help="uvicorn processes for Torg")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument(
        "--no-compression",
        action="store_true",
        help="clients do not offer permessage-deflate (browsers do; servers accept it by default)",
    )
    args = parser.parse_args(argv)
    if args.clients != args.conversations * MEMBERS:
        parser.error(f"--clients must be --conversations × {MEMBERS}")
    if not args.redis_url:
        parser.error("--redis-url (or TORG_BENCH_REDIS_URL) is required")
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("--database-url must be a PostgreSQL URL (several processes share it)")
    if args.database_url.rstrip("/").rsplit("/", 1)[-1] == "torg_bench":
        parser.error("use a database of its own (torg_bench belongs to the feed benchmark)")
    if args.no_compression:
        COMPRESSION["compression"] = None
    _raise_open_files()
    ensure_database(args.database_url)
    setup_django(args.database_url, args.redis_url)
    from django.conf import settings
    from django.contrib.sessions.models import Session
    from django.db import connection, connections

    started = time.monotonic()
    data = prepare(args.clients, args.conversations, args.messages)
    from torg.chat.models import Message

    print(f"date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M UTC}")
    print(f"machine: {machine()}")
    print(f"uptime before: {uptime()}")
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        print(f"database: PostgreSQL {cursor.fetchone()[0]}; Redis at {args.redis_url}")
    print(f"code under test: git {git_revision()} + working tree")
    print(
        f"dataset ready in {time.monotonic() - started:.1f} s "
        f"({args.clients:,} people, {args.conversations} conversations, "
        f"{Message.objects.count():,} messages)"
    )
    cookies = sign_in(data["ids"])
    first_new_message = Message.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    statements = statements_per_send(data)
    print(
        f"database statements per plain send: {len(statements)} "
        f"({'; '.join(sql.split(' ', 1)[0] for sql in statements)})"
    )
    connections.close_all()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TORG_")}
    env.update(
        DJANGO_SETTINGS_MODULE="torg.settings",
        TORG_DATABASE_URL=args.database_url,
        TORG_REDIS_URL=args.redis_url,
        TORG_CACHE_PREFIX=os.environ["TORG_CACHE_PREFIX"],
        TORG_SECRET_KEY=settings.SECRET_KEY,
        TORG_ALLOWED_HOSTS="localhost,127.0.0.1",
        TORG_TASK_BACKEND="django.tasks.backends.dummy.DummyBackend",
    )
    ports = [_free_port() for _ in range(args.servers)]
    processes = [start_torg(port, env) for port in ports]
    try:
        if args.mode in ("all", "delivery"):
            print(
                f"\nDelivery: {args.clients:,} clients in {args.conversations} conversations, "
                f"{args.rate:g} messages/s for {args.seconds:g} s (+{args.warmup:g} s warm-up), "
                f"{args.servers} Torg processes:",
                flush=True,
            )
            baseline: dict[str, Any] = {}

            async def bare_run() -> None:
                baseline["result"] = await bare_delivery(
                    data=data,
                    redis_url=args.redis_url,
                    rate=args.rate,
                    seconds=args.seconds,
                    warmup=args.warmup,
                )

            _run(bare_run())
            bare, bare_senders = baseline["result"]
            print(f"  uptime after baseline: {uptime()}", flush=True)

            holder: dict[str, Any] = {}

            async def torg_run() -> None:
                holder["result"] = await torg_delivery(
                    data=data,
                    cookies=cookies,
                    ports=ports,
                    rate=args.rate,
                    seconds=args.seconds,
                    warmup=args.warmup,
                    server_pids=[process.pid for process in processes],
                )

            _run(torg_run())
            torg, torg_senders = holder["result"]
            print(f"  uptime after Torg: {uptime()}")
            report("bare channel layer", bare, bare_senders, data)
            report("Torg chat (/ws/chat/)", torg, torg_senders, data)
            stored = Message.objects.filter(pk__gt=first_new_message).count()
            print(f"  messages stored during the run: {stored:,}")
        if args.mode in ("all", "history"):
            result = history_pages(ports[0], cookies[0], data["history"], args.requests)
            print(
                f"\nHistory: pages of {PAGE} in a conversation of {result['total']:,} messages "
                f"({Message.objects.count():,} in the table), over HTTP:"
            )
            for name, label in (
                ("newest", "newest page"),
                ("deep", "before=<random seq>"),
                ("after", "after=<random seq>"),
            ):
                times = result[name]
                print(
                    f"  {label:22} p50 {percentile(times, 50):6.1f} ms  "
                    f"p95 {percentile(times, 95):6.1f} ms  p99 {percentile(times, 99):6.1f} ms  "
                    f"({len(times)} requests)"
                )
            print("  plan of the page query:")
            print(explain(data["history"]))
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        # Servers stopped: no send of this run is still being stored.
        Message.objects.filter(pk__gt=first_new_message).delete()
        Session.objects.filter(session_key__in=[c.split("=", 1)[1] for c in cookies]).delete()
    print(f"uptime after: {uptime()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
