"""Nobody sees a dashboard, a CSV or a nav link they are not entitled to; hidden = not found."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from torg.insights.rollup import do_roll_up_recent_days
from torg.insights.tests.conftest import World

pytestmark = pytest.mark.django_db
CSRF_MASK = re.compile(rb'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"')


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_signed_out_people_are_sent_to_sign_in(world: World) -> None:
    response = Client().get(reverse("insights:network"))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "next=" in response["Location"]


@pytest.mark.parametrize("name", ["network", "network_csv"])
def test_ordinary_people_and_group_admins_get_not_found_for_the_network(
    world: World, name: str
) -> None:
    args = ["daily"] if name == "network_csv" else []
    for person in (world.bo, world.ada):
        response = _client(person).get(reverse(f"insights:{name}", args=args))
        assert response.status_code == 404


def test_group_dashboard_entitlements(world: World) -> None:
    do_roll_up_recent_days(days=1)
    sales = reverse("insights:group", args=[world.sales.slug])
    secret = reverse("insights:group", args=[world.board.slug])
    secret_csv = reverse("insights:group_csv", args=[world.board.slug, "daily"])
    nonexistent = reverse("insights:group", args=["no-such-group"])
    assert _client(world.ada).get(sales).status_code == 200  # group admin
    assert _client(world.cora).get(sales).status_code == 200  # communications, open group
    assert _client(world.sam).get(sales).status_code == 200  # network admin
    assert _client(world.sam).get(secret).status_code == 404  # not a member of the secret group
    assert _client(world.dee).get(secret).status_code == 200  # admin of the secret group
    assert _client(world.bo).get(sales).status_code == 404  # plain member
    # Communications do not see secret groups: exactly like a group that does not exist.
    hidden = _client(world.cora).get(secret)
    missing = _client(world.cora).get(nonexistent)
    assert hidden.status_code == missing.status_code == 404
    assert CSRF_MASK.sub(b"", hidden.content) == CSRF_MASK.sub(b"", missing.content)
    assert _client(world.cora).get(secret_csv).status_code == 404
    assert _client(world.ada).get(secret_csv).status_code == 404


def test_group_lists_only_show_entitled_groups(world: World) -> None:
    cora = _client(world.cora).get(reverse("insights:index") + "?groups=1")
    assert cora.status_code == 200
    assert "Sales" in cora.content.decode()
    assert "Board Secret Plans" not in cora.content.decode()
    ada = _client(world.ada).get(reverse("insights:index"))
    assert ada.status_code == 200
    assert "Sales" in ada.content.decode()
    assert "Board Secret Plans" not in ada.content.decode()
    assert _client(world.bo).get(reverse("insights:index")).status_code == 404
    assert _client(world.cora).get(reverse("insights:index"))["Location"] == reverse(
        "insights:network"
    )


def test_nav_link_only_for_the_entitled(world: World) -> None:
    link = reverse("insights:index")
    assert link in _client(world.cora).get(reverse("insights:nav")).content.decode()
    assert link in _client(world.ada).get(reverse("insights:nav")).content.decode()
    assert _client(world.bo).get(reverse("insights:nav")).content == b""


def test_api_gives_the_same_figures_and_the_same_not_found(world: World) -> None:
    do_roll_up_recent_days(days=1)
    network = _client(world.cora).get("/api/v1/insights/network", {"period": 7}).json()
    assert network["totals"]["comments"] == 2
    assert network["totals"]["negative_comments"] == 1
    assert network["tables"][1]["rows"] == [["Engineering", 5, 5.0, 1.0]]
    assert _client(world.bo).get("/api/v1/insights/network").status_code == 404
    assert _client(world.cora).get("/api/v1/insights/network?period=12").status_code == 422
    sales = _client(world.ada).get(f"/api/v1/insights/groups/{world.sales.slug}").json()
    assert (sales["members"], sales["active_members"], sales["reach"]) == (3, 3, 0.333)
    hidden = _client(world.cora).get(f"/api/v1/insights/groups/{world.board.slug}")
    missing = _client(world.cora).get("/api/v1/insights/groups/no-such-group")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()


def test_post_text_in_top_posts_only_for_those_who_may_read_it(
    world: World, make_user: Any
) -> None:
    from torg.groups.actions import do_create_group
    from torg.posts.actions import do_create_post

    closed = do_create_group(actor=world.ada, name="Closed Circle", privacy="closed")
    do_create_post(author=world.ada, group=closed, body="Salary bands for next year")
    do_roll_up_recent_days(days=1)
    url = reverse("insights:group_csv", args=[closed.slug, "top_posts"])
    admin_csv = _client(world.ada).get(url).content.decode()
    assert "Salary bands" in admin_csv
    # Communications may see a closed group's figures, not its posts' text.
    comms = _client(world.cora).get(url)
    assert comms.status_code == 200
    assert "Salary bands" not in comms.content.decode()
    assert len(comms.content.decode().splitlines()) == 2  # header + the post's figures
    page = _client(world.cora).get(reverse("insights:group", args=[closed.slug]))
    assert "Salary bands" not in page.content.decode()
