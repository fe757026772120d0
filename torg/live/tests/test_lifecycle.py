"""Reminders to the group's followers, the end of abandoned broadcasts, and the pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from torg.groups import actions as group_actions
from torg.groups.models import Membership
from torg.live import actions, paths, tasks
from torg.live.models import Broadcast
from torg.live.tests.conftest import World, client_for
from torg.notifications.models import GroupNotificationLevel, Notification


def test_reminder_goes_once_to_followers_of_the_group(world: World, make_user: Any) -> None:
    follower = make_user("Fia Follower")
    highlights = make_user("Hege Highlights")
    quiet = make_user("Kai Quiet")
    for person, level in [(follower, "all"), (highlights, "highlights"), (quiet, "off")]:
        group_actions.do_add_member(group=world.open, user=person, role=Membership.Role.MEMBER)
        GroupNotificationLevel.objects.create(user=person, group=world.open, level=level)
    starts = timezone.now() + timedelta(hours=2)
    broadcast = world.broadcast(scheduled_at=starts)

    # Not yet due: more than 15 minutes ahead.
    assert actions.do_send_due_reminders() == []
    assert actions.do_send_due_reminders(now=starts - timedelta(minutes=10)) == [broadcast.pk]
    rows = Notification.objects.filter(aggregation_key=f"live_reminder:p{broadcast.post_id}")
    assert sorted(rows.values_list("recipient__name", "reason")) == [
        ("Fia Follower", "group_all"),
        ("Hege Highlights", "group_highlights"),
    ]
    assert set(rows.values_list("kind", flat=True)) == {"live_reminder"}
    # Once only, also when the periodic task runs again.
    assert actions.do_send_due_reminders(now=starts - timedelta(minutes=5)) == []
    assert rows.count() == 2


def test_no_reminder_for_broadcasts_that_start_at_once_or_went_live(world: World) -> None:
    now_one = world.broadcast()
    assert now_one.reminded_at is not None
    later = world.broadcast(scheduled_at=timezone.now() + timedelta(minutes=5))
    actions.do_start_broadcast(actor=world.admin, broadcast=later, source="rtmp")
    assert tasks.send_due_live_reminders.call() == 0


def test_scheduling_is_for_group_admins_and_network_admins(world: World) -> None:
    with pytest.raises(PermissionDenied):
        actions.do_create_broadcast(actor=world.kari, group=world.open, title="Hi")
    group_actions.do_add_member(
        group=world.open, user=world.network_admin, role=Membership.Role.MEMBER
    )
    made = actions.do_create_broadcast(actor=world.network_admin, group=world.open, title="All")
    assert made.created_by_id == world.network_admin.pk


def test_abandoned_broadcast_ends_and_keeps_nothing_when_nothing_came(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.LIVE_RECONNECT_SECONDS = 60
    broadcast = world.broadcast()
    actions.do_start_broadcast(actor=world.admin, broadcast=broadcast, source="browser")
    fresh = world.broadcast(title="Still going")
    actions.do_start_broadcast(actor=world.admin, broadcast=fresh, source="browser")
    Broadcast.objects.filter(pk=broadcast.pk).update(
        last_media_at=timezone.now() - timedelta(seconds=61)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert actions.do_end_stale_broadcasts() == [broadcast.pk]
    broadcast.refresh_from_db()
    fresh.refresh_from_db()
    assert broadcast.state == "ended"
    assert broadcast.recording == Broadcast.Recording.EMPTY
    assert fresh.state == "live"


def test_reconnect_continues_the_same_playlist(world: World) -> None:
    """A dropped publisher comes back: the same broadcast, a new browser session."""
    broadcast = world.broadcast()
    first = actions.do_start_broadcast(actor=world.admin, broadcast=broadcast, source="browser")
    again = actions.do_start_broadcast(actor=world.admin, broadcast=broadcast, source="browser")
    assert (first.browser_session, again.browser_session) == (1, 2)
    assert again.started_at == first.started_at
    # Chunks of the old session are refused from now on.
    admin = client_for(world.admin)
    stale = admin.post(
        f"/live/{broadcast.pk}/chunks/1/5/", b"data", content_type="application/octet-stream"
    )
    assert stale.status_code == 400
    assert not paths.session_dir(broadcast, 1).exists()


def test_schedule_page_and_group_rail(world: World) -> None:
    admin = client_for(world.admin)
    starts = timezone.localtime() + timedelta(days=30)
    page = admin.get(f"/live/new/{world.open.slug}/")
    assert page.status_code == 200
    response = admin.post(
        f"/live/new/{world.open.slug}/",
        {"title": "", "description": "", "scheduled_at": ""},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = admin.post(
        f"/live/new/{world.open.slug}/",
        {
            "title": "Summer party",
            "description": "Bring snacks",
            "scheduled_at": starts.strftime("%Y-%m-%dT18:00"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    broadcast = Broadcast.objects.get()
    assert response["Location"] == f"/live/{broadcast.pk}/"
    assert broadcast.scheduled_at is not None
    assert timezone.localtime(broadcast.scheduled_at).hour == 18

    kari = client_for(world.kari)
    group_page = kari.get(f"/groups/{world.open.slug}/").content.decode()
    assert "Summer party" in group_page
    assert "Go live or schedule" not in group_page
    assert "Go live or schedule" in admin.get(f"/groups/{world.open.slug}/").content.decode()
    watch = kari.get(f"/live/{broadcast.pk}/").content.decode()
    assert "Upcoming" in watch
    assert "Bring snacks" in watch


def test_feed_cards_show_the_state_without_a_query_per_card(
    world: World, django_assert_max_num_queries: Any
) -> None:
    kari = client_for(world.kari)
    world.broadcast(title="One")
    kari.get("/")  # warm up (sessions, caches)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        html = kari.get("/").content.decode()
    assert html.count('class="live-bar live-bar-scheduled"') == 1
    for title in ["Two", "Three", "Four"]:
        world.broadcast(title=title)
    kari.get("/")  # marks the new posts as seen (the feed's own writes)
    with CaptureQueriesContext(connection) as four:
        html = kari.get("/").content.decode()
    assert html.count('class="live-bar live-bar-scheduled"') == 4
    live_queries = [q for q in four.captured_queries if "live_broadcast" in q["sql"]]
    assert len(live_queries) == 1
    assert len(four.captured_queries) == len(one.captured_queries)
