"""Every endpoint of /api/v1/feed."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow
from torg.posts.models import Post

API_PREFIX = "/api/v1/feed"


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _ids(org: dict[str, Any], body: dict[str, Any], field: str = "posts") -> list[str]:
    by_pk = {v.pk: k for k, v in org["p"].items()}
    return [by_pk[item["id"]] for item in body[field]]


def test_home_feed_api_pages_and_refuses_bad_input(org: dict[str, Any]) -> None:
    client = _client(org["me"])
    first = client.get(f"{API_PREFIX}/home?limit=4").json()
    assert _ids(org, first) == ["guest_own", "mine_own", "company", "tag_open"]
    second = client.get(f"{API_PREFIX}/home", {"limit": 4, "cursor": first["next_cursor"]}).json()
    assert _ids(org, second) == ["alice_profile", "alice_open", "followed_open", "mine_closed"]
    third = client.get(f"{API_PREFIX}/home", {"limit": 4, "cursor": second["next_cursor"]}).json()
    assert _ids(org, third) == ["mine_open"]
    assert third["next_cursor"] is None
    top = client.get(f"{API_PREFIX}/home?order=top").json()
    assert len(top["posts"]) == 9
    assert client.get(f"{API_PREFIX}/home?order=best").status_code == 422
    assert client.get(f"{API_PREFIX}/home?limit=0").status_code == 422
    assert client.get(f"{API_PREFIX}/home?limit=51").status_code == 422
    assert client.get(f"{API_PREFIX}/home?cursor=nope").status_code == 400
    cursor = first["next_cursor"]
    assert client.get(f"{API_PREFIX}/home", {"order": "top", "cursor": cursor}).status_code == 400
    assert Client().get(f"{API_PREFIX}/home").status_code == 401


def test_group_people_topic_feeds(org: dict[str, Any]) -> None:
    from torg.posts import actions as post_actions

    me, g, p = org["me"], org["g"], org["p"]
    post_actions.do_pin_post(actor=org["owner"], post=p["mine_open"])
    client = _client(me)
    body = client.get(f"{API_PREFIX}/groups/{g['mine_open'].slug}").json()
    assert _ids(org, body, "pinned") == ["mine_open"]
    assert _ids(org, body) == ["guest_own", "mine_own"]
    closed = client.get(f"{API_PREFIX}/groups/{g['other_closed'].slug}").json()
    assert closed["posts"] == []
    assert client.get(f"{API_PREFIX}/groups/{g['other_secret'].slug}").status_code == 404
    assert client.get(f"{API_PREFIX}/groups/nope").status_code == 404
    people = client.get(f"{API_PREFIX}/people/{org['alice'].pk}").json()
    assert _ids(org, people) == ["alice_profile", "alice_open"]
    assert client.get(f"{API_PREFIX}/people/99999999").status_code == 404
    topic = client.get(f"{API_PREFIX}/topics/Fjord").json()
    assert _ids(org, topic) == ["tag_open"]
    assert client.get(f"{API_PREFIX}/topics/hemmelig").status_code == 404


def test_follow_endpoints(org: dict[str, Any]) -> None:
    me, bob = org["me"], org["bob"]
    client = _client(me)
    response = client.post(f"{API_PREFIX}/follows/people/{bob.pk}")
    assert response.status_code == 200
    assert response.json() == {"following": True}
    assert PersonFollow.objects.filter(follower=me, followee=bob).exists()
    assert client.delete(f"{API_PREFIX}/follows/people/{bob.pk}").json() == {"following": False}
    assert not PersonFollow.objects.filter(follower=me, followee=bob).exists()
    assert client.post(f"{API_PREFIX}/follows/people/{me.pk}").status_code == 400
    assert client.post(f"{API_PREFIX}/follows/people/0").status_code == 404
    assert client.delete(f"{API_PREFIX}/follows/topics/fjord").json() == {"following": False}
    assert not HashtagFollow.objects.filter(user=me).exists()
    assert client.post(f"{API_PREFIX}/follows/topics/FJORD").json() == {"following": True}
    assert HashtagFollow.objects.filter(user=me).count() == 1
    assert client.post(f"{API_PREFIX}/follows/topics/hemmelig").status_code == 404


def test_in_feed_endpoint(org: dict[str, Any]) -> None:
    me, g = org["me"], org["g"]
    client = _client(me)

    def put(slug: str, value: Any) -> Any:
        return client.put(
            f"{API_PREFIX}/groups/{slug}/in-feed",
            data=json.dumps({"in_feed": value}),
            content_type="application/json",
        )

    assert put(g["mine_open"].slug, False).json() == {"in_feed": False}
    assert GroupFeedSetting.objects.get(user=me, group=g["mine_open"]).in_feed is False
    assert put(g["mine_open"].slug, True).json() == {"in_feed": True}
    assert put(g["other_open"].slug, True).json() == {"in_feed": True}
    assert put(g["other_closed"].slug, True).status_code == 403
    assert put(g["other_secret"].slug, True).status_code == 404
    assert put(g["other_open"].slug, "maybe").status_code == 422


def test_seen_by_endpoint(org: dict[str, Any]) -> None:
    me, bob, p = org["me"], org["bob"], org["p"]
    _client(me).get("/")  # the home page records what it shows
    body = _client(bob).get(f"{API_PREFIX}/posts/{p['mine_open'].pk}/seen-by").json()
    assert body["count"] == 1
    assert [person["name"] for person in body["people"]] == ["Mette Me"]
    assert _client(me).get(f"{API_PREFIX}/posts/{p['mine_open'].pk}/seen-by").status_code == 404
    assert _client(bob).get(f"{API_PREFIX}/posts/99999999/seen-by").status_code == 404
    assert Post.objects.get(pk=p["mine_open"].pk).seen_count == 1
