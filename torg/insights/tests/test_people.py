"""People: helpful contributors and leaders' presence — exact figures from the scenario of
test_topics.py, who may see names, pinned query counts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from torg.accounts.models import User
from torg.insights.models import ContributorDay
from torg.insights.people import people_board
from torg.insights.rollup import do_roll_up_recent_days
from torg.insights.tests import test_topics
from torg.insights.tests.test_topics import Scene, at, move_post
from torg.posts.actions import do_create_post

scene = test_topics.scene  # the seeded scenario, shared with test_topics.py

pytestmark = pytest.mark.django_db

CONTRIBUTOR_HEADER = (
    "person,answers,best_answers,votes_received,reactions_received,comments_received,posts,comments"
)
# person, answers, best answers, up-votes received, reactions received, comments received,
# posts, comments — open groups and profiles, the last 7 days:
# Ada: best answer to Bo's question, up-voted by Bo; 2 Sales posts that got 4 reactions (Cy's
# sad on each, Bo's and Eve's likes) and 4 comments from others.
ADA = ["Ada", 1, 1, 1, 4, 4, 2, 1]
# Bo: answered Eve's profile question; his own "Anyone?" on his question is no answer; two
# answers on his question are comments received.
BO = ["Bo", 1, 0, 0, 0, 2, 3, 4]
CY = ["Cy", 1, 0, 1, 0, 0, 1, 3]  # her answer got Eve's up-vote; her old post is 10 days back
EVE = ["Eve", 0, 0, 0, 0, 1, 3, 0]  # Bo's answer on her question
# In Sales only: Bo's profile post and his answer on Eve's profile question do not count.
BO_SALES = ["Bo", 0, 0, 0, 0, 2, 2, 3]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def leaders(scene: Scene) -> Scene:
    """Ada manages Bo and Cy, Dee manages Eve, Gus manages Fay; Sam manages an ex-employee."""
    w = scene.world
    User.objects.filter(pk__in=[w.bo.pk, w.cy.pk]).update(manager=w.ada)
    User.objects.filter(pk=w.ada.pk).update(job_title="Head of Sales")
    User.objects.filter(pk=w.eve.pk).update(manager=w.dee)
    User.objects.filter(pk=w.fay.pk).update(manager=w.gus)
    gone = User.objects.create_user("gone@example.com", "pw-123456789", name="Gone", manager=w.sam)
    User.objects.filter(pk=gone.pk).update(is_active=False)
    return scene


def test_network_contributors_are_exact_and_leave_out_secret_groups(scene: Scene) -> None:
    board = people_board(period=7)
    # Dee wrote only in the secret Board group: she is not on the network list.
    assert board.contributors.rows == [ADA, BO, CY, EVE]


def test_group_contributors_are_exact(scene: Scene) -> None:
    board = people_board(period=7, group=scene.world.sales)
    assert board.contributors.rows == [ADA, CY, BO_SALES]
    assert board.leaders is None
    secret = people_board(period=7, group=scene.world.board)
    assert secret.contributors.rows == [["Dee", 0, 0, 0, 0, 0, 3, 0]]


def test_leaders_are_people_with_active_direct_reports(leaders: Scene) -> None:
    board = people_board(period=7)
    assert board.leaders is not None and board.leader_figures is not None
    # Dee's posts are all in the secret group, Gus wrote nothing; Sam's only report has left.
    assert board.leaders.rows == [
        ["Ada", "Head of Sales", 2, 2, 1],
        ["Dee", "", 1, 0, 0],
        ["Gus", "", 1, 0, 0],
    ]
    figures = board.leader_figures
    assert (figures.leaders, figures.present, figures.present_share) == (3, 1, 0.333)
    assert (figures.posts, figures.comments) == (2, 1)


def test_network_people_page_csv_and_api(leaders: Scene) -> None:
    client = _client(leaders.world.cora)
    html = client.get(reverse("insights:people"), {"period": "7"}).content.decode()
    assert "<td>Ada</td>" in html
    assert '<dd id="stat-leaders">3</dd>' in html
    assert '<dd id="stat-leaders-share">33 %</dd>' in html
    csv = client.get(reverse("insights:people_csv", args=["contributors"]), {"period": "7"})
    assert csv.content.decode().splitlines() == [
        CONTRIBUTOR_HEADER,
        "Ada,1,1,1,4,4,2,1",
        "Bo,1,0,0,0,2,3,4",
        "Cy,1,0,1,0,0,1,3",
        "Eve,0,0,0,0,1,3,0",
    ]
    leaders_csv = client.get(reverse("insights:people_csv", args=["leaders"]), {"period": "7"})
    assert leaders_csv.content.decode().splitlines() == [
        "person,job_title,direct_reports,posts,comments",
        "Ada,Head of Sales,2,2,1",
        "Dee,,1,0,0",
        "Gus,,1,0,0",
    ]
    data = client.get("/api/v1/insights/people", {"period": 7}).json()
    assert data["names_hidden"] is False
    assert data["leaders"] == {
        "leaders": 3,
        "present": 1,
        "present_share": 0.333,
        "posts": 2,
        "comments": 1,
    }
    tables = {t["key"]: t["rows"] for t in data["tables"]}
    assert tables["contributors"] == [ADA, BO, CY, EVE]


def test_group_people_for_its_admin(scene: Scene) -> None:
    client = _client(scene.world.ada)
    url = reverse("insights:group_people", args=[scene.world.sales.slug])
    html = client.get(url, {"period": "7"}).content.decode()
    assert "<td>Cy</td>" in html
    assert "Leadership presence" not in html
    csv = client.get(
        reverse("insights:group_people_csv", args=[scene.world.sales.slug, "contributors"]),
        {"period": "7"},
    )
    assert csv.content.decode().splitlines() == [
        CONTRIBUTOR_HEADER,
        "Ada,1,1,1,4,4,2,1",
        "Cy,1,0,1,0,0,1,3",
        "Bo,0,0,0,0,2,2,3",
    ]
    data = client.get(f"/api/v1/insights/groups/{scene.world.sales.slug}/people?period=7").json()
    assert data["tables"][0]["rows"] == [ADA, CY, BO_SALES]


def test_people_permissions(scene: Scene) -> None:
    w = scene.world
    for person in (w.bo, w.ada, w.dee):
        assert _client(person).get(reverse("insights:people")).status_code == 404
        assert _client(person).get("/api/v1/insights/people").status_code == 404
    # The secret group's people: its admin only; others get a nonexistent group's 404.
    secret = reverse("insights:group_people", args=[w.board.slug])
    assert _client(w.dee).get(secret).status_code == 200
    for outsider in (w.cora, w.sam, w.eve):
        client = _client(outsider)
        assert client.get(secret).status_code == 404
        assert (
            client.get(
                reverse("insights:group_people_csv", args=[w.board.slug, "contributors"])
            ).status_code
            == 404
        )
        assert client.get(f"/api/v1/insights/groups/{w.board.slug}/people").status_code == 404
    # A closed group: communications may open its dashboard but not see who its members are.
    do_create_post(author=w.fay, group=scene.legal, body="Contract review #legal")
    do_roll_up_recent_days(days=1)
    closed = reverse("insights:group_people", args=[scene.legal.slug])
    cora = _client(w.cora)
    html = cora.get(closed).content.decode()
    assert 'id="names-hidden"' in html
    # Random tokens (CSRF, CSP nonce) may spell "Fay" by chance: look at the page without them.
    without_tokens = re.sub(
        r"(?:hx-headers|nonce)=(?:'[^']*'|\"[^\"]*\")"
        r"|name=\"csrfmiddlewaretoken\" value=\"[^\"]*\"",
        "",
        html,
    )
    assert "Fay" not in without_tokens
    assert (
        cora.get(
            reverse("insights:group_people_csv", args=[scene.legal.slug, "contributors"])
        ).status_code
        == 404
    )
    data = cora.get(f"/api/v1/insights/groups/{scene.legal.slug}/people").json()
    assert (data["names_hidden"], data["tables"]) == (True, [])
    assert "<td>Fay</td>" in _client(w.fay).get(closed).content.decode()


def test_contributor_rollup_is_safe_to_run_twice(scene: Scene) -> None:
    before = list(
        ContributorDay.objects.order_by("user_id", "group_id", "day").values_list(
            "user_id", "group_id", "day", "posts", "comments_received"
        )
    )
    do_roll_up_recent_days(days=2)
    do_roll_up_recent_days(days=2)
    after = list(
        ContributorDay.objects.order_by("user_id", "group_id", "day").values_list(
            "user_id", "group_id", "day", "posts", "comments_received"
        )
    )
    assert before == after
    assert len(after) > 0


def test_people_pages_read_a_fixed_number_of_queries(
    leaders: Scene, django_assert_num_queries: Any
) -> None:
    client = _client(leaders.world.sam)
    client.get(reverse("insights:people"))
    # Session, user, contributors, leaders, leaders' activity.
    with django_assert_num_queries(5):
        client.get(reverse("insights:people"))
    admin = _client(leaders.world.ada)
    url = reverse("insights:group_people", args=[leaders.world.sales.slug])
    admin.get(url)
    # Session, user, group lookup, admin check, may see members, contributors.
    with django_assert_num_queries(6):
        admin.get(url)
    for n in range(4):
        post = do_create_post(author=leaders.world.bo, group=leaders.world.sales, body=f"x{n}")
        move_post(post, at(n + 2, 12))
    do_roll_up_recent_days(days=7)
    assert ContributorDay.objects.filter(day__lt=timezone.localdate()).count() > 4
    with django_assert_num_queries(5):
        client.get(reverse("insights:people"), {"period": "30"})
    with django_assert_num_queries(6):
        admin.get(url, {"period": "30"})
