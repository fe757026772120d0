# ruff: noqa: F811  (fixtures are imported from test_posts_fixtures)
from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.test import Client

from torg.posts import actions
from torg.posts.models import Poll, PollOption, Post, PostRevision
from torg.posts.selectors import prefetch_for_cards
from torg.posts.tests.test_posts_fixtures import make_user, world  # noqa: F401

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_composer_posts_with_htmx_and_returns_card(world):
    member = client_for(world["member"])
    response = member.post(
        "/posts/new/",
        {"group": "open-group", "body": "Hello *team*", "poll_option": ["", ""]},
        **HTMX,
    )
    assert response.status_code == 200
    post = Post.objects.get()
    html = response.content.decode()
    assert 'data-posted="1"' in html
    assert 'hx-swap-oob="afterbegin:#feed-posts"' in html
    assert f'id="post-{post.pk}"' in html
    assert "<em>team</em>" in html
    assert (post.group_id, post.author_id) == (world["open"].pk, world["member"].pk)


def test_composer_keeps_text_on_validation_error(world):
    outsider = client_for(world["outsider"])
    response = outsider.post(
        "/posts/new/", {"group": "closed-group", "body": "My long text"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only members can post in this group." in html
    assert "My long text</textarea>" in html
    assert Post.objects.count() == 0
    # A secret group the person cannot see answers like a missing one.
    assert outsider.post("/posts/new/", {"group": "secret-group", "body": "x"}).status_code == 404


def test_composer_keeps_text_when_database_is_busy(world):
    member = client_for(world["member"])
    with mock.patch(
        "torg.posts.actions.do_create_post", side_effect=OperationalError("database is locked")
    ):
        response = member.post("/posts/new/", {"body": "Keep me"}, **HTMX)
    html = response.content.decode()
    assert "The server is busy and your post was not saved." in html
    assert "Keep me</textarea>" in html


def test_composer_without_htmx_redirects_and_shows_errors(world):
    member = client_for(world["member"])
    response = member.post("/posts/new/", {"body": "Profile post"})
    post = Post.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/posts/{post.pk}/"
    bad = member.post("/posts/new/", {"body": "", "poll_option": ["only one"]})
    assert bad.status_code == 400
    assert "A poll needs at least two options." in bad.content.decode()


def test_composer_with_poll_and_vote(world):
    member = client_for(world["member"])
    member.post(
        "/posts/new/",
        {
            "group": "open-group",
            "body": "Lunch?",
            "poll_question": "Where?",
            "poll_option": ["Canteen", "Café", ""],
        },
    )
    post = Post.objects.get()
    poll = Poll.objects.get(post=post)
    assert [o.text for o in PollOption.objects.filter(poll=poll)] == ["Canteen", "Café"]
    page = member.get(f"/posts/{post.pk}/").content.decode()
    assert "Where?" in page
    assert "<meter" not in page  # results only after voting
    cafe = PollOption.objects.get(text="Café")
    voted = member.post(f"/posts/{post.pk}/vote/", {"option": [str(cafe.pk)]}, **HTMX)
    assert "<meter" in voted.content.decode()
    assert "100%" in voted.content.decode()
    bad = member.post(f"/posts/{post.pk}/vote/", {"option": ["nope"]}, **HTMX)
    assert "Choose an option." in bad.content.decode()


def test_detail_edit_history_pages(world):
    post = actions.do_create_post(author=world["member"], group=world["closed"], body="First")
    member = client_for(world["member"])
    assert member.get(f"/posts/{post.pk}/").status_code == 200
    assert client_for(world["outsider"]).get(f"/posts/{post.pk}/").status_code == 404
    assert client_for(world["admin"]).get(f"/posts/{post.pk}/edit/").status_code == 403
    response = member.post(f"/posts/{post.pk}/edit/", {"body": "Second"})
    assert response.status_code == 302
    bad = member.post(f"/posts/{post.pk}/edit/", {"body": ""})
    assert bad.status_code == 400
    assert "Write something" in bad.content.decode()
    assert list(PostRevision.objects.values_list("body", flat=True)) == ["First"]
    card = member.get(f"/posts/{post.pk}/").content.decode()
    assert f'href="/posts/{post.pk}/history/"' in card
    history = member.get(f"/posts/{post.pk}/history/").content.decode()
    assert "First" in history and "Second" in history
    assert member.get("/posts/999999/").status_code == 404


def test_delete_restore_pin_buttons(world):
    post = actions.do_create_post(author=world["member"], group=world["open"], body="Hi")
    admin = client_for(world["admin"])
    assert admin.post(f"/posts/{post.pk}/pin/").status_code == 302
    post.refresh_from_db()
    assert post.pinned_at is not None
    assert admin.post(f"/posts/{post.pk}/unpin/").status_code == 302
    assert client_for(world["outsider"]).post(f"/posts/{post.pk}/delete/").status_code == 302
    post.refresh_from_db()
    assert post.deleted_at is None
    assert admin.post(f"/posts/{post.pk}/delete/").status_code == 302
    assert client_for(world["member"]).get(f"/posts/{post.pk}/").status_code == 404
    assert client_for(world["member"]).post(f"/posts/{post.pk}/restore/").status_code == 404
    assert admin.post(f"/posts/{post.pk}/restore/").status_code == 302
    post.refresh_from_db()
    assert post.deleted_at is None


def test_share_page(world):
    secret = actions.do_create_post(author=world["admin"], group=world["secret"], body="Hush")
    member = client_for(world["member"])
    page = member.get(f"/posts/{secret.pk}/share/").content.decode()
    assert 'value="secret-group"' in page
    assert 'value="open-group"' not in page
    assert 'value="profile"' not in page
    assert member.post(f"/posts/{secret.pk}/share/", {"target": "open-group"}).status_code == 400
    response = member.post(f"/posts/{secret.pk}/share/", {"target": "secret-group"})
    shared = Post.objects.get(shared_post=secret)
    assert response["Location"] == f"/posts/{shared.pk}/"


def test_shared_preview_hidden_when_original_not_visible(world):
    original = actions.do_create_post(author=world["member"], group=world["open"], body="Orig")
    share = actions.do_share_post(actor=world["outsider"], post=original, group=None)
    actions.do_delete_post(actor=world["member"], post=original)
    page = client_for(world["outsider"]).get(f"/posts/{share.pk}/").content.decode()
    assert "This post is not available." in page
    assert "Orig" not in page


def test_mention_suggestions_only_visible_people(world):
    guest = client_for(world["guest"])
    assert guest.get("/posts/mention-suggestions?q=otto").json() == {"results": []}
    data = client_for(world["member"]).get("/posts/mention-suggestions?q=ott").json()
    assert data == {"results": [{"id": world["outsider"].pk, "name": "Otto Outsider", "title": ""}]}
    assert client_for(world["member"]).get("/posts/mention-suggestions").json() == {"results": []}


def test_prefetch_for_cards_query_count_is_constant(world, django_assert_num_queries):
    def make(n: int) -> list[Post]:
        posts = []
        for i in range(n):
            post = actions.do_create_post(
                author=world["member"],
                group=world["open"],
                body=f"Post {i} http://127.0.0.1/{i}",
                poll=actions.PollSpec(options=["a", "b"]),
            )
            posts.append(actions.do_share_post(actor=world["member"], post=post, group=None))
            posts.append(post)
        return posts

    few = list(Post.objects.filter(pk__in=[p.pk for p in make(1)]))
    # authors, groups, shared originals, attachments with their videos (torg.media), polls, poll
    # options, my votes, link previews, latest comments, post reactions (counts + mine), my
    # roles; no comments yet.
    with django_assert_num_queries(11) as captured:
        prefetch_for_cards(few, world["member"])
    many = list(Post.objects.filter(pk__in=[p.pk for p in make(6)]))
    with django_assert_num_queries(len(captured.captured_queries)):
        cards = prefetch_for_cards(many, world["member"])
    assert {bool(c.card_poll) for c in cards} == {True, False}
