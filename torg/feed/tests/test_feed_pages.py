"""The home feed, group and profile hooks, topic pages, feed settings and seen-by pages."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django.test import Client

from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow, PostSeen
from torg.feed.tests.conftest import post


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_home_shows_feed_tabs_composer_and_records_seen(org: dict[str, Any]) -> None:
    me, p = org["me"], org["p"]
    response = _client(me).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="feed-posts"' in html
    assert 'href="/?order=top"' in html
    assert "Your groups" in html
    assert 'name="body"' in html  # the composer
    for key in ("mine_open", "alice_profile", "tag_open", "company"):
        assert f'id="post-{p[key].pk}"' in html
    for key in ("alice_secret", "tag_secret", "mine_hidden", "deleted", "bob_profile"):
        assert f'id="post-{p[key].pk}"' not in html
    assert PostSeen.objects.filter(user=me).count() == 8  # the 9 shown minus my own
    assert _client(me).get("/?order=top").status_code == 200


def test_home_pages_with_htmx_and_without(org: dict[str, Any]) -> None:
    me, group = org["me"], org["g"]["mine_open"]
    for i in range(25):
        post(org["bob"], group, f"more {i}", minutes_ago=200 + i)
    client = _client(me)
    html = client.get("/").content.decode()
    assert 'hx-trigger="revealed"' in html
    assert "Load more" in html
    revealed = re.search(r'<[^>]*hx-trigger="revealed"[^>]*>', html)
    assert revealed is not None
    next_url = re.search(r'hx-get="([^"]+)"', revealed.group(0)).group(1).replace("&amp;", "&")
    partial = client.get(next_url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    body = partial.content.decode()
    assert "<html" not in body
    assert body.count('class="card post-card"') == 14
    full = client.get(next_url)
    assert "<html" in full.content.decode()


def test_home_empty_state_and_bad_params(make_user: Any) -> None:
    lonely = make_user("Lone Wolf")
    client = _client(lonely)
    assert "Join a group to fill your feed" in client.get("/").content.decode()
    assert client.get("/?cursor=nonsense").status_code == 400
    assert client.get("/?order=sideways").status_code == 400


def test_group_page_has_feed_and_follow_toggle(org: dict[str, Any]) -> None:
    me, g, p = org["me"], org["g"], org["p"]
    client = _client(me)
    html = client.get(f"/groups/{g['mine_open'].slug}/").content.decode()
    assert f'id="post-{p["mine_open"].pk}"' in html
    assert "Hide from my feed" in html
    assert f'name="group" value="{g["mine_open"].slug}"' in html  # composer for members
    other = client.get(f"/groups/{g['other_open'].slug}/").content.decode()
    assert "Follow group" in other
    assert f'name="group" value="{g["other_open"].slug}"' not in other
    closed = client.get(f"/groups/{g['other_closed'].slug}/").content.decode()
    assert f'id="post-{p["alice_closed"].pk}"' not in closed
    response = client.post(
        f"/feed/groups/{g['other_open'].slug}/in-feed/",
        {"in_feed": "1", "next": f"/groups/{g['other_open'].slug}/"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{g['other_open'].slug}/"
    assert GroupFeedSetting.objects.get(user=me, group=g["other_open"]).in_feed is True
    assert (
        client.post(f"/feed/groups/{g['other_secret'].slug}/in-feed/", {"in_feed": "1"}).status_code
        == 404
    )
    assert (
        client.post(f"/feed/groups/{g['other_open'].slug}/in-feed/", {"in_feed": "x"}).status_code
        == 400
    )
    client.post(f"/feed/groups/{g['other_closed'].slug}/in-feed/", {"in_feed": "1"})
    assert not GroupFeedSetting.objects.filter(user=me, group=g["other_closed"]).exists()
    page = client.get(f"/feed/groups/{g['mine_open'].slug}/", headers={"HX-Request": "true"})
    assert page.status_code == 200


def test_profile_timeline_and_follow_button(org: dict[str, Any]) -> None:
    me, alice, bob, p = org["me"], org["alice"], org["bob"], org["p"]
    client = _client(me)
    html = client.get(f"/people/{alice.pk}/").content.decode()
    assert f'id="post-{p["alice_profile"].pk}"' in html
    assert f'id="post-{p["alice_secret"].pk}"' not in html
    assert "Unfollow" in html
    response = client.post(f"/feed/people/{bob.pk}/follow/", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "Unfollow" in response.content.decode()
    assert PersonFollow.objects.filter(follower=me, followee=bob).exists()
    assert client.post(f"/feed/people/{bob.pk}/unfollow/").status_code == 302
    assert not PersonFollow.objects.filter(follower=me, followee=bob).exists()
    assert client.post(f"/feed/people/{me.pk}/follow/").status_code == 302
    assert client.post("/feed/people/999999/follow/").status_code == 404
    assert client.get(f"/feed/people/{alice.pk}/").status_code == 200


def test_topic_page(org: dict[str, Any]) -> None:
    me, p = org["me"], org["p"]
    client = _client(me)
    html = client.get("/topics/FJORD/").content.decode()
    assert f'id="post-{p["tag_open"].pk}"' in html
    assert f'id="post-{p["tag_secret"].pk}"' not in html
    assert "Unfollow" in html
    assert client.get("/topics/hemmelig/").status_code == 404
    assert client.get("/topics/unknown/").status_code == 404
    assert client.get(f"/topics/{quote('bærekraft')}/").status_code == 404
    client.post("/topics/fjord/unfollow/")
    assert not HashtagFollow.objects.filter(user=me).exists()
    response = client.post("/topics/Fjord/follow/", headers={"HX-Request": "true"})
    assert "Unfollow" in response.content.decode()
    assert HashtagFollow.objects.filter(user=me).count() == 1
    assert client.post("/topics/hemmelig/follow/").status_code == 404


def test_feed_settings_page(org: dict[str, Any]) -> None:
    html = _client(org["me"]).get("/feed/settings/").content.decode()
    assert "Show in my feed" in html  # Mine hidden
    assert "Followed open" in html
    assert "Stop following" in html


def test_seen_by_page(org: dict[str, Any]) -> None:
    me, bob, p = org["me"], org["bob"], org["p"]
    _client(me).get("/")
    response = _client(bob).get(f"/feed/posts/{p['mine_open'].pk}/seen-by/")
    assert response.status_code == 200
    assert "Seen by 1 person" in response.content.decode()
    assert "Mette Me" in response.content.decode()
    assert _client(me).get(f"/feed/posts/{p['mine_open'].pk}/seen-by/").status_code == 404
