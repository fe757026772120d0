"""Every endpoint under /api/v1/live, with exact answers."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from torg.live import actions
from torg.live.models import Broadcast
from torg.live.tests.conftest import World, client_for

BASE = "/api/v1/live"


def test_requires_sign_in(db: Any) -> None:
    assert Client().get(f"{BASE}/broadcasts/1").status_code == 401


def test_schedule_then_status(world: World) -> None:
    admin = client_for(world.admin)
    starts = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    response = admin.post(
        f"{BASE}/broadcasts",
        {
            "group_id": world.open.pk,
            "title": "  Town hall  ",
            "description": "Q3 results",
            "scheduled_at": starts.isoformat(),
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    broadcast = Broadcast.objects.get()
    assert body == {
        "id": broadcast.pk,
        "post_id": broadcast.post_id,
        "group": world.open.slug,
        "title": "Town hall",
        "state": "scheduled",
        "source": "",
        "scheduled_at": body["scheduled_at"],
        "started_at": None,
        "ended_at": None,
        "viewers": 0,
        "peak_viewers": 0,
        "playlist_url": f"/live/{broadcast.pk}/hls/index.m3u8",
        "has_video": False,
        "recording": "pending",
        "rtmp": {"server": "rtmp://testserver:1935/live", "stream_key": broadcast.stream_key},
    }
    assert broadcast.scheduled_at == starts
    assert broadcast.post.body == "Town hall\n\nQ3 results"
    assert broadcast.post.group_id == world.open.pk

    # A member sees the status, but not the key.
    kari = client_for(world.kari)
    seen = kari.get(f"{BASE}/broadcasts/{broadcast.pk}").json()
    assert seen["rtmp"] is None
    assert seen["state"] == "scheduled"


def test_create_refusals(world: World) -> None:
    kari = client_for(world.kari)
    response = kari.post(
        f"{BASE}/broadcasts",
        {"group_id": world.open.pk, "title": "Mine"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert response.json() == {"detail": "Only the group's admins can go live in this group."}
    admin = client_for(world.admin)
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = admin.post(
        f"{BASE}/broadcasts",
        {"group_id": world.open.pk, "title": "Late", "scheduled_at": past},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "The start time must be in the future."}
    response = admin.post(
        f"{BASE}/broadcasts",
        {"group_id": world.open.pk, "title": "   "},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Give the broadcast a title."}
    # An outsider naming a secret group: the group is not found.
    outsider = client_for(world.outsider)
    response = outsider.post(
        f"{BASE}/broadcasts",
        {"group_id": world.secret.pk, "title": "Hi"},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert Broadcast.objects.count() == 0


def test_start_viewers_rotate_and_stop(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    broadcast = world.broadcast()
    admin = client_for(world.admin)
    kari = client_for(world.kari)

    assert (
        kari.post(
            f"{BASE}/broadcasts/{broadcast.pk}/start",
            {"source": "rtmp"},
            content_type="application/json",
        ).status_code
        == 403
    )
    response = admin.post(
        f"{BASE}/broadcasts/{broadcast.pk}/start",
        {"source": "rtmp"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert (response.json()["state"], response.json()["source"]) == ("live", "rtmp")
    # Live from RTMP: the browser cannot take over.
    response = admin.post(
        f"{BASE}/broadcasts/{broadcast.pk}/start",
        {"source": "browser"},
        content_type="application/json",
    )
    assert response.status_code == 400

    # Two people watching (heartbeats from the player).
    assert kari.post(f"/live/{broadcast.pk}/heartbeat/", {"watching": "1"}).json()["viewers"] == 1
    assert admin.post(f"/live/{broadcast.pk}/heartbeat/", {"watching": "1"}).json()["viewers"] == 2
    assert kari.post(f"/live/{broadcast.pk}/heartbeat/", {"watching": "1"}).json()["viewers"] == 2
    assert kari.get(f"{BASE}/broadcasts/{broadcast.pk}/viewers").json() == {
        "viewers": 2,
        "peak_viewers": 2,
    }

    old_key = broadcast.stream_key
    assert kari.post(f"{BASE}/broadcasts/{broadcast.pk}/stream-key").status_code == 403
    response = admin.post(f"{BASE}/broadcasts/{broadcast.pk}/stream-key")
    assert response.status_code == 200
    broadcast.refresh_from_db()
    assert response.json() == {
        "server": "rtmp://testserver:1935/live",
        "stream_key": broadcast.stream_key,
    }
    assert broadcast.stream_key != old_key

    assert kari.post(f"{BASE}/broadcasts/{broadcast.pk}/stop").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"{BASE}/broadcasts/{broadcast.pk}/stop")
    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "ended"
    assert body["viewers"] == 0
    assert body["peak_viewers"] == 2
    assert body["rtmp"] is None
    broadcast.refresh_from_db()
    # Nothing was streamed: the recording step found nothing to keep.
    assert broadcast.recording == Broadcast.Recording.EMPTY
    response = admin.post(f"{BASE}/broadcasts/{broadcast.pk}/stop")
    assert response.status_code == 400
    assert response.json() == {"detail": "This broadcast has already ended."}
    response = admin.post(
        f"{BASE}/broadcasts/{broadcast.pk}/start",
        {"source": "rtmp"},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_hidden_broadcast_is_404_everywhere_in_the_api(world: World) -> None:
    secret = world.broadcast(group=world.secret)
    actions.do_start_broadcast(actor=world.admin, broadcast=secret, source="rtmp")
    outsider = client_for(world.outsider)
    for method, path in [
        ("get", f"{BASE}/broadcasts/{secret.pk}"),
        ("get", f"{BASE}/broadcasts/{secret.pk}/viewers"),
        ("post", f"{BASE}/broadcasts/{secret.pk}/stop"),
        ("post", f"{BASE}/broadcasts/{secret.pk}/stream-key"),
        ("post", f"{BASE}/broadcasts/{secret.pk}/start"),
    ]:
        hidden = getattr(outsider, method)(path, content_type="application/json")
        missing = getattr(outsider, method)(
            path.replace(f"/broadcasts/{secret.pk}", "/broadcasts/999999"),
            content_type="application/json",
        )
        assert (hidden.status_code, hidden.json()) == (404, {"detail": "Not found"}), path
        assert (missing.status_code, missing.json()) == (404, {"detail": "Not found"}), path
    secret.refresh_from_db()
    assert secret.state == "live"
