"""``torg.posts.selectors_cards`` (fixed SQL for card reads) returns exactly what the ORM does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from torg.accounts.models import User
from torg.groups.models import Membership
from torg.posts import comment_actions as ca
from torg.posts import reaction_actions as ra
from torg.posts import selectors_cards
from torg.posts.models import Comment, Post
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import World

make_user = support.make_user
world = support.world

pytestmark = pytest.mark.django_db


def _threads(world: World) -> list[Post]:
    """Posts with 0, 1, 3 comments (two sharing a time), a reply, a deleted comment, and a
    deleted comment that still holds a reply."""
    posts = [world.post_in(privacy, f"p {privacy}") for privacy in ("open", "closed", "secret")]
    posts.append(world.post_in("open", "empty"))
    for post, bodies in zip(posts, (["a", "b", "c"], ["only"], ["x", "y", "z"]), strict=False):
        made = [ca.do_create_comment(actor=world.member, post=post, body=b) for b in bodies]
        base = made[0].created_at - timedelta(hours=1)
        for i, comment in enumerate(made):
            Comment.objects.filter(pk=comment.pk).update(
                created_at=base + timedelta(seconds=i // 2)
            )
    a = Comment.objects.get(post=posts[0], body="a")
    ca.do_create_comment(actor=world.owner, post=posts[0], body="reply", parent_id=a.pk)
    z = Comment.objects.get(post=posts[2], body="z")
    ca.do_create_comment(actor=world.owner, post=posts[2], body="kept", parent_id=z.pk)
    ca.do_delete_comment(actor=world.member, comment=z)  # deleted, but it holds a reply
    ca.do_delete_comment(actor=world.member, comment=Comment.objects.get(body="y"))
    return posts


def _as_rows(comments: dict[int, list[Comment]]) -> dict[int, list[tuple[object, ...]]]:
    return {
        post_id: [
            (
                c.pk,
                c.body,
                c.body_html,
                c.created_at,
                c.edited_at,
                c.deleted_at,
                c.reply_count,
                c.author.pk,
                c.author.name,
                c.author.email,
                c.author.date_joined,
            )
            for c in items
        ]
        for post_id, items in comments.items()
    }


@pytest.mark.parametrize("n", [1, 2, 3])
def test_latest_comments_match_the_orm(world: World, n: int) -> None:
    posts = _threads(world)
    ids = [p.pk for p in posts]
    expected = _as_rows(ca.latest_comments_for(posts, n=n))
    with CaptureQueriesContext(connection) as ctx:
        got = selectors_cards.latest_comments(ids, n)
        rows = _as_rows(got)  # reading the authors makes no query
    assert len(ctx.captured_queries) == 1
    assert rows == expected
    assert [len(got[pk]) for pk in ids] == [min(n, 3), 1, min(n, 2), 0]
    # Deleted comments that hold replies stay (as "Comment deleted"); replies never show.
    assert "reply" not in [c.body for items in got.values() for c in items]
    times = [c.created_at for items in got.values() for c in items]
    assert all(t.tzinfo is not None for t in times)


def test_reaction_summaries_match_the_orm(world: World, make_user: Callable[..., User]) -> None:
    posts = _threads(world)
    comments = list(Comment.objects.filter(post__in=posts, deleted_at__isnull=True))
    people = [world.member, world.owner, make_user("Rita Reactor")]
    for group in world.groups.values():
        Membership.objects.get_or_create(group=group, user=people[2])
    for i, person in enumerate(people):
        for j, post in enumerate(posts[:3]):
            ra.do_react_to_post(actor=person, post=post, kind=("like", "love", "wow")[(i + j) % 3])
        for comment in comments[i:]:
            ra.do_react_to_comment(actor=person, comment=comment, kind="haha")
    for viewer in (world.member, world.outsider):
        assert selectors_cards.reaction_summaries(
            "post", [p.pk for p in posts], viewer
        ) == ra.reaction_summary_for(posts, viewer)
        assert selectors_cards.reaction_summaries(
            "comment", [c.pk for c in comments], viewer
        ) == ra.reaction_summary_for_comments(comments, viewer)
    mine = selectors_cards.reaction_summaries("post", [posts[0].pk], world.member)
    assert mine == {posts[0].pk: {"counts": {"like": 1, "love": 1, "wow": 1}, "mine": "like"}}
    assert selectors_cards.reaction_summaries("comment", [], world.member) == {}


def test_roles(world: World) -> None:
    ids = [g.pk for g in world.groups.values()]
    assert selectors_cards.roles(world.owner, ids) == {pk: Membership.Role.ADMIN for pk in ids}
    assert selectors_cards.roles(world.member, ids) == {pk: Membership.Role.MEMBER for pk in ids}
    assert selectors_cards.roles(world.outsider, ids) == {}
    assert selectors_cards.roles(world.member, []) == {}


def _fields(instance: object | None) -> dict[str, object] | None:
    """An instance's column values (what the ORM set), without Django's bookkeeping."""
    if instance is None:
        return None
    values = {k: v for k, v in vars(instance).items() if not k.startswith("_")}
    state = instance._state  # type: ignore[attr-defined]
    return {**values, "_adding": state.adding, "_db": state.db}


def test_attachments_with_videos_match_the_orm(world: World) -> None:
    from django.db.models import Q

    from torg.media.models import Video
    from torg.posts.models import Attachment

    posts = _threads(world)
    comments = list(Comment.objects.filter(post__in=posts, deleted_at__isnull=True))
    other = world.post_in("open", "not asked for")

    def attach(position: int, *, post: Post | None = None, comment: Comment | None = None,
               kind: str = "image") -> Attachment:  # fmt: skip
        return Attachment.objects.create(
            uploader=world.member, post=post, comment=comment, kind=kind, file="a/b.png",
            name=f"{kind} {position}", content_type="image/png", size=10 + position,
            position=position, width=4 if kind == "image" else None,
        )  # fmt: skip

    # Out of position order on purpose; one post file is a video (renditions and tracks: JSON).
    attach(2, post=posts[0])
    clip = attach(1, post=posts[0], kind="file")
    attach(0, post=posts[0])
    attach(0, post=posts[1], kind="file")
    attach(0, comment=comments[0])
    attach(0, post=other)
    attach(0, comment=ca.do_create_comment(actor=world.member, post=other, body="x"))
    Video.objects.create(attachment=clip, renditions=["360p"], tracks=[{"id": 1}], width=320)

    post_ids, comment_ids = [p.pk for p in posts], [comments[0].pk, comments[1].pk]
    expected = list(
        Attachment.objects.filter(Q(post_id__in=post_ids) | Q(comment_id__in=comment_ids))
        .select_related("video")
        .order_by("position", "id")
    )
    with CaptureQueriesContext(connection) as ctx:
        got = selectors_cards.attachments_with_videos(post_ids, comment_ids)
        videos = [getattr(a, "video", None) for a in got]  # loaded: no query
        back = [v.attachment for v in videos if v is not None]
    assert len(ctx.captured_queries) == 1
    assert [_fields(a) for a in got] == [_fields(a) for a in expected]
    assert [_fields(v) for v in videos] == [_fields(getattr(a, "video", None)) for a in expected]
    assert [a.pk for a in got] == [a.pk for a in expected] and len(got) == 5
    assert back == [clip] and back[0] is got[[a.pk for a in got].index(clip.pk)]
    assert videos[[a.pk for a in got].index(clip.pk)].renditions == ["360p"]  # type: ignore[union-attr]
    assert selectors_cards.attachments_with_videos([], []) == []
    assert [a.pk for a in selectors_cards.attachments_with_videos([], [comments[0].pk])] == [
        a.pk for a in expected if a.comment_id == comments[0].pk
    ]


def test_polls_match_the_orm(world: World) -> None:
    from torg.posts import actions as post_actions
    from torg.posts.models import Poll

    plain = world.post_in("open", "no poll")
    polled = [
        post_actions.do_create_post(
            author=world.member,
            group=world.groups["open"],
            body=f"poll {i}",
            poll=post_actions.PollSpec(options=["a", "b"], allows_multiple=bool(i)),
        )
        for i in range(2)
    ]
    ids = [plain.pk, *(p.pk for p in polled)]
    expected = {p.post_id: _fields(p) for p in Poll.objects.filter(post_id__in=ids)}
    with CaptureQueriesContext(connection) as ctx:
        got = {p.post_id: _fields(p) for p in selectors_cards.polls(ids)}
    assert len(ctx.captured_queries) == 1
    assert got == expected and set(got) == {p.pk for p in polled}
    assert selectors_cards.polls([plain.pk]) == [] and selectors_cards.polls([]) == []


def test_instances_go_through_init_when_something_listens(world: World) -> None:
    """``from_row`` sets attributes directly only when ``Model.__init__`` would do nothing more:
    a ``post_init`` receiver (as an image field with dimension fields connects) is honoured."""
    from django.db.models.signals import post_init

    posts = _threads(world)
    ids = [p.pk for p in posts]
    plain = _as_rows(selectors_cards.latest_comments(ids, 2))
    seen: list[int] = []

    def receiver(sender: type[Comment], instance: Comment, **kwargs: object) -> None:
        seen.append(instance.pk)

    post_init.connect(receiver, sender=Comment)
    try:
        initialised = selectors_cards.latest_comments(ids, 2)
    finally:
        post_init.disconnect(receiver, sender=Comment)
    assert _as_rows(initialised) == plain
    assert sorted(seen) == sorted(c.pk for items in initialised.values() for c in items)
    assert seen and selectors_cards._plain_init(Comment)
