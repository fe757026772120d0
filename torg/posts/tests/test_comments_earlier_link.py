""" "View earlier comments" on a post card appears only when an earlier top-level thread exists.

``Post.comment_count`` counts replies too, while the card shows the newest two top-level comments
(their replies behind "View N replies"); the link must not appear because of replies alone.
The cards are rendered through the real group page, so prefetch_for_cards feeds the template.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from torg.posts import comment_actions as ca
from torg.posts.models import Comment, Post
from torg.posts.templatetags.comment_tags import has_earlier_comments
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import World

make_user = support.make_user
world = support.world

pytestmark = pytest.mark.django_db

EARLIER = "View earlier comments"


def card_html(world: World, post: Post) -> str:
    client = Client()
    client.force_login(world.member)
    html = client.get(f"/groups/{post.group.slug}/").content.decode()  # type: ignore[union-attr]
    match = re.search(
        rf'<article class="card post-card" id="post-{post.pk}".*?</article>', html, re.S
    )
    assert match is not None
    return match.group(0)


def comment(world: World, post: Post, body: str, parent: Comment | None = None) -> Comment:
    made = ca.do_create_comment(
        actor=world.member, post=post, body=body, parent_id=parent.pk if parent else None
    )
    # Distinct, increasing times: the card's "newest two" does not depend on clock resolution.
    count = Comment.objects.count()
    Comment.objects.filter(pk=made.pk).update(
        created_at=made.created_at - timedelta(hours=1) + timedelta(minutes=count)
    )
    return made


def test_replies_alone_do_not_show_the_link(world: World) -> None:
    post = world.post_in("open")
    top = comment(world, post, "Only thread")
    for i in range(3):
        comment(world, post, f"reply {i}", parent=top)
    html = card_html(world, post)
    assert "4 comments" in html
    assert "<p>Only thread</p>" in html
    assert "View 3 replies" in html
    assert EARLIER not in html


def test_two_threads_with_replies_show_everything_without_the_link(world: World) -> None:
    post = world.post_in("open")
    first = comment(world, post, "First")
    second = comment(world, post, "Second")
    comment(world, post, "to first", parent=first)
    comment(world, post, "to second", parent=second)
    html = card_html(world, post)
    assert "4 comments" in html
    assert "<p>First</p>" in html and "<p>Second</p>" in html
    assert EARLIER not in html


def test_a_third_thread_shows_the_link_to_the_earlier_one(world: World) -> None:
    post = world.post_in("open")
    oldest = comment(world, post, "Oldest")
    middle = comment(world, post, "Middle")
    comment(world, post, "Newest")
    html = card_html(world, post)
    assert "<p>Oldest</p>" not in html
    assert EARLIER in html
    assert f"/posts/{post.pk}/comments/?before={middle.pk}" in html
    assert oldest.pk < middle.pk


def test_a_deleted_earlier_comment_counts_only_while_it_has_replies(world: World) -> None:
    post = world.post_in("open")
    earlier = comment(world, post, "Earlier")
    reply = comment(world, post, "reply to earlier", parent=earlier)
    comment(world, post, "Middle")
    comment(world, post, "Newest")
    ca.do_delete_comment(actor=world.member, comment=earlier)
    # The deleted comment stays as "Comment deleted" with its reply: an earlier thread exists.
    assert EARLIER in card_html(world, post)

    ca.do_delete_comment(actor=world.member, comment=reply)
    # Now nothing earlier is shown anywhere, so the link would lead to an empty page.
    html = card_html(world, post)
    assert "2 comments" in html
    assert EARLIER not in html


def test_a_deleted_shown_comment_with_a_reply_is_accounted_for(world: World) -> None:
    post = world.post_in("open")
    comment(world, post, "Older")
    newest = comment(world, post, "Newest")
    comment(world, post, "reply to newest", parent=newest)
    ca.do_delete_comment(actor=world.member, comment=newest)
    html = card_html(world, post)
    assert "Comment deleted" in html
    assert "2 comments" in html
    assert EARLIER not in html


def test_the_filter_with_nothing_shown_is_false(world: World) -> None:
    post = world.post_in("open")
    assert has_earlier_comments(post, []) is False
    assert has_earlier_comments(post, None) is False
