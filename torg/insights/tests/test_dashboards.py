"""Exact figures on the dashboards for a seeded day, read from the rollup tables."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from torg.insights import selectors
from torg.insights.models import DailyActive, GroupDay, NetworkDay
from torg.insights.rollup import do_roll_up_recent_days
from torg.insights.tests.conftest import World
from torg.posts.models import Post

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_rollup_counts_the_seeded_day_exactly(world: World) -> None:
    do_roll_up_recent_days(days=1)
    today = timezone.localdate()
    day = NetworkDay.objects.get(day=today)
    # Ada posted, Bo and Cy commented, Cy reacted, Dee posted, Eve saw a post.
    assert set(DailyActive.objects.filter(day=today).values_list("user_id", flat=True)) == {
        world.ada.pk,
        world.bo.pk,
        world.cy.pk,
        world.dee.pk,
        world.eve.pk,
    }
    assert (day.people, day.active, day.weekly_active, day.monthly_active) == (9, 5, 5, 5)
    assert (day.posters, day.posts, day.comments, day.reactions, day.messages) == (4, 2, 2, 1, 0)
    assert (day.sad_reactions, day.negative_comments) == (1, 1)
    sales = GroupDay.objects.get(group=world.sales, day=today)
    # Eve read the post but is not a member: she counts as a reader, not an active member.
    assert (sales.members, sales.active_members, sales.readers) == (3, 3, 1)
    assert (sales.posts, sales.comments, sales.reactions) == (1, 2, 1)
    board = GroupDay.objects.get(group=world.board, day=today)
    assert (board.members, board.active_members, board.posts) == (1, 1, 1)


def test_rollup_is_safe_to_run_twice_and_counts_yesterday_separately(world: World) -> None:
    yesterday = timezone.now() - timedelta(days=1)
    Post.objects.filter(pk=world.board_post.pk).update(created_at=yesterday)
    do_roll_up_recent_days(days=2)
    do_roll_up_recent_days(days=2)
    today = timezone.localdate()
    assert NetworkDay.objects.count() == 2
    assert NetworkDay.objects.get(day=today - timedelta(days=1)).posts == 1
    assert NetworkDay.objects.get(day=today).posts == 1
    # Dee was active yesterday only, so she is in today's weekly figure but not today's daily.
    day = NetworkDay.objects.get(day=today)
    assert (day.active, day.weekly_active) == (4, 5)
    assert DailyActive.objects.filter(user=world.dee).count() == 1


def test_network_dashboard_shows_exact_figures_and_hides_small_segments(world: World) -> None:
    do_roll_up_recent_days(days=1)
    board = selectors.network_dashboard(period=7)
    assert board.totals == {
        "posts": 2,
        "comments": 2,
        "reactions": 1,
        "messages": 0,
        "sad_reactions": 1,
        "negative_comments": 1,
    }
    assert (board.sad_share, board.negative_comment_share) == (1.0, 0.5)
    assert board.stickiness == 1.0
    assert board.poster_share == 0.8
    assert board.departments.rows == [["Engineering", 5, 5.0, 1.0]]  # Legal (2) is hidden
    assert board.locations.rows == [["Oslo", 5, 5.0, 1.0]]
    response = _client(world.cora).get(reverse("insights:network"), {"period": "7"})
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="stat-dau">5</dd>' in html
    assert '<dd id="stat-posters">80 %</dd>' in html
    assert '<dd id="stat-negative">50 %</dd>' in html
    assert '<dd id="stat-posts">2</dd>' in html
    assert "Engineering" in html
    assert "Legal" not in html
    assert "Board Secret Plans" not in html
    assert "Merger" not in html


def test_network_csv_downloads(world: World) -> None:
    do_roll_up_recent_days(days=1)
    today = timezone.localdate().isoformat()
    response = _client(world.cora).get(
        reverse("insights:network_csv", args=["daily"]), {"period": "7"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode().splitlines() == [
        "day,active,weekly_active,monthly_active,posters,posts,comments,reactions,messages,"
        "sad_reactions,negative_comments",
        f"{today},5,5,5,4,2,2,1,0,1,1",
    ]
    segments = _client(world.cora).get(reverse("insights:network_csv", args=["departments"]))
    assert segments.content.decode().splitlines() == [
        "department,people,average_daily_active,active_share",
        "Engineering,5,5.0,1.0",
    ]
    missing = _client(world.cora).get(reverse("insights:network_csv", args=["nope"]))
    assert missing.status_code == 404


def test_group_dashboard_shows_exact_figures(world: World) -> None:
    do_roll_up_recent_days(days=1)
    board = selectors.group_dashboard(group=world.sales, period=30, with_text=True)
    assert (board.members, board.active_members) == (3, 3)
    assert board.totals == {"posts": 1, "comments": 2, "reactions": 1}
    assert board.reach == round(1 / 3, 3)
    hour = timezone.localtime(world.sales_post.created_at).hour
    # The post earned two comments and one reaction.
    assert board.best_hours.rows == [[hour, 1, 3, 3.0]]
    assert board.top_posts.rows == [
        [
            world.sales_post.pk,
            timezone.localdate().isoformat(),
            "Quarterly numbers are in",
            1,
            0.333,
            2,
            1,
            0,
        ]
    ]
    response = _client(world.ada).get(reverse("insights:group", args=[world.sales.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<dd id="stat-members">3</dd>' in html
    assert '<dd id="stat-reach">33 %</dd>' in html
    csv_response = _client(world.ada).get(
        reverse("insights:group_csv", args=[world.sales.slug, "daily"])
    )
    assert csv_response.content.decode().splitlines() == [
        "day,members,active_members,readers,reach,posts,comments,reactions",
        f"{timezone.localdate().isoformat()},3,3,1,0.333,1,2,1",
    ]


def test_period_is_one_of_the_offered_ones() -> None:
    assert selectors.parse_period("90") == 90
    assert selectors.parse_period("365") == 365
    assert selectors.parse_period("12") == 30
    assert selectors.parse_period("x") == 30
    assert selectors.parse_period(None) == 30


def test_dashboards_read_a_fixed_number_of_queries(
    world: World, django_assert_num_queries: Any
) -> None:
    do_roll_up_recent_days(days=1)
    client = _client(world.sam)
    client.get(reverse("insights:network"))  # warm the session
    # Session, user, network days, segments, engaging posts, frustrating posts.
    with django_assert_num_queries(6) as first:
        client.get(reverse("insights:network"))
    # More days of data, same number of queries.
    do_roll_up_recent_days(days=30)
    with django_assert_num_queries(len(first.captured_queries)):
        client.get(reverse("insights:network"))
    # Session, user, group lookup, admin check, may read posts, days, hours, top posts,
    # engaging posts, frustrating posts.
    with django_assert_num_queries(10):
        client.get(reverse("insights:group", args=[world.sales.slug]))


def test_periodic_rollup_is_registered() -> None:
    from torg.core import periodic

    names = [job.name for job in periodic.registered()]
    assert "torg.insights.tasks.roll_up_recent_days" in names


def test_network_dashboard_in_norwegian(world: World) -> None:
    do_roll_up_recent_days(days=1)
    world.cora.language = "nb"
    world.cora.save(update_fields=["language"])
    client = _client(world.cora)
    html = client.get(reverse("insights:network"), HTTP_ACCEPT_LANGUAGE="nb").content.decode()
    assert "Innsikt for hele nettverket" in html
    assert "Last ned «Per dag» som CSV" in html
