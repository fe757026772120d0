"""bench.insights ``events`` mode at tiny scale: the timed rollup writes exactly the rows the
seeded events call for, and the page measurement replays what the pages read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bench import insights
from torg.accounts.models import User
from torg.chat.models import Conversation, Message
from torg.feed.models import PostSeen
from torg.groups.models import Group, Membership
from torg.people.models import Department
from torg.posts.models import Comment, Post, Reaction

pytestmark = pytest.mark.django_db

# The tables of the issue-8 rollup; other insights tables may be added and are not checked here.
CORE = ["DailyActive", "NetworkDay", "SegmentDay", "GroupDay", "PostDay", "GroupHour"]


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def dataset() -> dict[str, object]:
    """Three days: day 0 (two days ago), day 1 (yesterday), day 2 (today)."""
    today = timezone.localdate()
    d0, d1, d2 = (today - dt.timedelta(days=n) for n in (2, 1, 0))
    sales = Department.objects.create(name="Sales", slug="sales")
    u1, u2, u3, u4 = (
        User.objects.create_user(
            f"u{n}@example.com", "pw-123456789", name=f"U{n}", department=sales
        )
        for n in range(1, 5)
    )
    User.objects.filter(pk=u1.pk).update(is_staff=True)
    User.objects.update(date_joined=at(d0, 0) - dt.timedelta(days=30))
    g1 = Group.objects.create(name="One", slug="one", privacy="open")
    g2 = Group.objects.create(name="Two", slug="two", privacy="open")
    for group, user in ((g1, u1), (g1, u2), (g2, u3)):
        Membership.objects.create(group=group, user=user)
    Membership.objects.update(created_at=at(d0, 0) - dt.timedelta(days=1))

    def post(user: User, group: Group, when: dt.datetime) -> Post:
        return Post.objects.create(author=user, group=group, body="Hei", created_at=when)

    p1 = post(u1, g1, at(d0, 10))
    p2 = post(u2, g1, at(d1, 11))
    post(u3, g2, at(d1, 11))
    post(u1, g1, at(d2, 9))
    Comment.objects.create(post=p1, author=u2, body="Bra", created_at=at(d0, 12))
    reaction = Reaction.objects.create(post=p2, user=u1, kind="like")
    Reaction.objects.filter(pk=reaction.pk).update(created_at=at(d1, 13))
    PostSeen.objects.create(post=p1, user=u4, seen_at=at(d0, 14))
    chat = Conversation.objects.create(kind="direct", direct_key=f"{u3.pk}:{u4.pk}")
    Message.objects.create(
        conversation=chat, seq=1, sender=u4, client_id="c1", body="Hei", created_at=at(d2, 8)
    )
    return {"today": today, "admin": u1, "days": [d0, d1, d2]}


def test_timed_backfill_and_hourly_run_write_exact_rows(dataset: dict[str, object]) -> None:
    today = dataset["today"]
    assert isinstance(today, dt.date)
    insights.empty_rollups()
    backfill = insights.time_rollup("backfill", today=today, days=3)
    assert backfill.days == dataset["days"]
    assert len(backfill.day_seconds) == 3  # one timing per day, from do_roll_up_day
    assert backfill.queries > 0 and backfill.seconds > 0
    # Active: day 0 u1 (post), u2 (comment), u4 (seen); day 1 u2, u3 (posts), u1 (reaction);
    # day 2 u1 (post), u4 (chat message). Every group and department gets a row every day; a
    # PostDay per group post; GroupHour per (group, hour) with posts that day.
    assert {k: backfill.rows[k] for k in CORE} == {
        "DailyActive": 8,
        "NetworkDay": 3,
        "SegmentDay": 3,
        "GroupDay": 6,
        "PostDay": 4,
        "GroupHour": 4,
    }
    hourly = insights.time_rollup("hourly run", today=today, days=2)
    assert hourly.days == dataset["days"][1:]
    assert {k: hourly.rows[k] for k in CORE} == {
        "DailyActive": 5,
        "NetworkDay": 2,
        "SegmentDay": 2,
        "GroupDay": 4,
        "PostDay": 3,
        "GroupHour": 3,
    }
    # Recomputing two days left the table totals as they were.
    assert {k: insights.rollup_rows()[k] for k in CORE} == {k: backfill.rows[k] for k in CORE}


def test_pages_are_measured_against_a_replay_of_their_own_queries(
    dataset: dict[str, object],
) -> None:
    today = dataset["today"]
    assert isinstance(today, dt.date)
    insights.time_rollup("backfill", today=today, days=3)
    pages = [
        ("network", "/insights/network/?period=30"),
        ("group", "/insights/groups/one/?period=30"),
        ("nowhere", "/insights/no-such-page/here/"),
    ]
    results, notes = insights.measure_pages(pages, dataset["admin"], iterations=2, warmup=0)
    assert [r.name for r in results] == ["network", "group"]
    assert notes == ["nowhere: /insights/no-such-page/here/ does not exist (yet), skipped"]
    for result in results:
        assert len(result.page) == len(result.bare) == 2
        assert result.queries > 0
    network = results[0]
    # The network dashboard reads rollups (and at most the texts of posts it names): no
    # comment, reaction, seen-by or chat table.
    assert "insights_networkday" in network.tables
    assert not set(network.tables) & {
        "posts_comment",
        "posts_reaction",
        "feed_postseen",
        "chat_message",
    }
