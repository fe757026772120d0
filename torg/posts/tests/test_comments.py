"""Comments: access by group privacy, replies, counts, edit/delete, latest comments and paging."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Membership
from torg.posts import comment_actions as ca
from torg.posts.access import PostNotFound
from torg.posts.comment_actions import CommentNotFound
from torg.posts.models import Attachment, Comment, CommentRevision, Mention, Post
from torg.posts.tests import test_comments_support as support
from torg.posts.tests.test_comments_support import World

# Shared fixtures (pytest finds them as module attributes).
make_user = support.make_user
world = support.world

pytestmark = pytest.mark.django_db


def _counts(post: Post) -> int:
    post.refresh_from_db()
    return post.comment_count


# --- who may comment ---------------------------------------------------------------------------

ALLOWED = {
    ("open", "member"): True,
    ("open", "outsider"): True,
    ("open", "guest"): False,
    ("closed", "member"): True,
    ("closed", "outsider"): False,
    ("closed", "guest"): False,
    ("secret", "member"): True,
    ("secret", "outsider"): False,
    ("secret", "guest"): False,
}


@pytest.mark.parametrize(("privacy", "who"), sorted(ALLOWED))
def test_comment_access_by_privacy(world: World, privacy: str, who: str) -> None:
    post = world.post_in(privacy)
    actor = getattr(world, who)
    if ALLOWED[(privacy, who)]:
        comment = ca.do_create_comment(actor=actor, post=post, body="Nice")
        assert comment.body == "Nice"
        assert comment.body_html == "<p>Nice</p>\n"
        assert _counts(post) == 1
    else:
        with pytest.raises(PostNotFound):
            ca.do_create_comment(actor=actor, post=post, body="Sneaky")
        assert Comment.objects.count() == 0
        assert _counts(post) == 0


@pytest.mark.parametrize("privacy", ["closed", "secret"])
def test_outsider_cannot_touch_existing_comment(world: World, privacy: str) -> None:
    post = world.post_in(privacy)
    comment = ca.do_create_comment(actor=world.member, post=post, body="Inside")
    for person in (world.outsider, world.guest):
        with pytest.raises(CommentNotFound):
            ca.access_comment(person, comment.pk)
        with pytest.raises(CommentNotFound):
            ca.do_edit_comment(actor=person, comment=comment, body="x")
        with pytest.raises(CommentNotFound):
            ca.do_delete_comment(actor=person, comment=comment)
        with pytest.raises(PostNotFound):
            ca.do_create_comment(actor=person, post=post, body="x", parent_id=comment.pk)
    comment.refresh_from_db()
    assert (comment.body, comment.deleted_at, comment.reply_count) == ("Inside", None, 0)
    assert _counts(post) == 1


def test_deleted_post_refuses_comments(world: World) -> None:
    post = world.post_in("open")
    Post.objects.filter(pk=post.pk).update(deleted_at=post.created_at)
    with pytest.raises(PostNotFound):
        ca.do_create_comment(actor=world.member, post=post, body="late")


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("", "Write a comment first."),
        ("   \n ", "Write a comment first."),
        ("x" * 5001, "A comment can be at most 5000 characters (this one has 5001)."),
        ("a\x00b", "The text contains characters that are not allowed."),
    ],
)
def test_body_is_validated(world: World, body: str, message: str) -> None:
    post = world.post_in("open")
    with pytest.raises(ValidationError) as caught:
        ca.do_create_comment(actor=world.member, post=post, body=body)
    assert caught.value.message_dict == {"body": [message]}
    assert Comment.objects.count() == 0


def test_longest_comment_is_accepted(world: World) -> None:
    post = world.post_in("open")
    comment = ca.do_create_comment(actor=world.member, post=post, body="y" * 5000)
    assert len(comment.body) == 5000


# --- replies ------------------------------------------------------------------------------------


def test_one_level_of_replies(world: World) -> None:
    post = world.post_in("open")
    top = ca.do_create_comment(actor=world.member, post=post, body="Top")
    reply = ca.do_create_comment(actor=world.owner, post=post, body="Reply", parent_id=top.pk)
    deeper = ca.do_create_comment(
        actor=world.member, post=post, body="Reply to reply", parent_id=reply.pk
    )
    assert reply.parent_id == top.pk
    assert deeper.parent_id == top.pk  # attached to the top-level parent
    top.refresh_from_db()
    assert top.reply_count == 2
    assert _counts(post) == 3


def test_parent_must_belong_to_the_post(world: World) -> None:
    post = world.post_in("open")
    other = world.post_in("open", "Other")
    foreign = ca.do_create_comment(actor=world.member, post=other, body="There")
    with pytest.raises(CommentNotFound):
        ca.do_create_comment(actor=world.member, post=post, body="x", parent_id=foreign.pk)
    with pytest.raises(CommentNotFound):
        ca.do_create_comment(actor=world.member, post=post, body="x", parent_id=2**70)
    assert _counts(post) == 0


def test_cannot_reply_to_a_deleted_comment(world: World) -> None:
    post = world.post_in("open")
    top = ca.do_create_comment(actor=world.member, post=post, body="Top")
    ca.do_delete_comment(actor=world.member, comment=top)
    with pytest.raises(ValidationError) as caught:
        ca.do_create_comment(actor=world.owner, post=post, body="x", parent_id=top.pk)
    assert caught.value.message_dict == {"body": ["The comment you replied to has been deleted."]}


# --- mentions and attachments --------------------------------------------------------------------


def test_mentions_only_link_people_who_can_read_the_post(world: World) -> None:
    post = world.post_in("secret")
    body = (
        f"Hi @[Mona](user:{world.member.pk}) and @[Otto](user:{world.outsider.pk}) "
        f"and @[Olga](user:{world.owner.pk})"
    )
    comment = ca.do_create_comment(actor=world.member, post=post, body=body)
    mentioned = set(Mention.objects.filter(comment=comment).values_list("user_id", flat=True))
    assert mentioned == {world.owner.pk}  # not the author, not the outsider
    assert (
        f'href="/people/{world.owner.pk}/" rel="noopener noreferrer nofollow ugc">@Olga Owner</a>'
        in (comment.body_html)
    )
    assert f"/people/{world.outsider.pk}/" not in comment.body_html
    assert "@Otto" in comment.body_html  # stays as inert text


def test_attachments_must_be_own_and_unattached(
    world: World, make_user: Callable[..., User]
) -> None:
    post = world.post_in("open")

    def upload(owner: User) -> Attachment:
        return Attachment.objects.create(
            uploader=owner,
            kind="file",
            file="a.txt",
            name="a.txt",
            content_type="text/plain",
            size=1,
        )

    mine, theirs = upload(world.member), upload(world.owner)
    with pytest.raises(ValidationError) as caught:
        ca.do_create_comment(actor=world.member, post=post, body="x", attachment_ids=[theirs.pk])
    assert caught.value.message_dict == {
        "attachments": ["An attachment was not found. Upload it again."]
    }
    comment = ca.do_create_comment(
        actor=world.member, post=post, body="file", attachment_ids=[mine.pk]
    )
    mine.refresh_from_db()
    assert mine.comment_id == comment.pk
    with pytest.raises(ValidationError):  # already attached
        ca.do_create_comment(actor=world.member, post=post, body="again", attachment_ids=[mine.pk])
    assert _counts(post) == 1


# --- edit and delete ----------------------------------------------------------------------------


def test_author_edits_and_revision_is_kept(world: World) -> None:
    post = world.post_in("open")
    comment = ca.do_create_comment(actor=world.member, post=post, body="Frist")
    edited = ca.do_edit_comment(actor=world.member, comment=comment, body="**First**")
    assert edited.body_html == "<p><strong>First</strong></p>\n"
    assert edited.edited_at is not None
    assert list(CommentRevision.objects.values_list("body", flat=True)) == ["Frist"]
    with pytest.raises(PermissionDenied):
        ca.do_edit_comment(actor=world.owner, comment=comment, body="Hijack")
    with pytest.raises(ValidationError):
        ca.do_edit_comment(actor=world.member, comment=comment, body=" ")
    comment.refresh_from_db()
    assert comment.body == "**First**"


def test_who_may_delete(world: World, make_user: Callable[..., User]) -> None:
    post = world.post_in("open")
    moderator = make_user("Moe Moderator")
    group_actions.do_add_member(
        group=world.groups["open"],
        user=moderator,
        role=Membership.Role.MODERATOR,
        actor=world.owner,
    )
    network_admin = make_user("Nina Netadmin", is_staff=True)
    comments = [ca.do_create_comment(actor=world.member, post=post, body=f"c{i}") for i in range(4)]
    with pytest.raises(PermissionDenied):
        ca.do_delete_comment(actor=world.outsider, comment=comments[0])
    for actor, comment in zip(
        (world.member, world.owner, moderator, network_admin), comments, strict=True
    ):
        ca.do_delete_comment(actor=actor, comment=comment)
    assert Comment.objects.filter(deleted_at__isnull=True).count() == 0
    assert _counts(post) == 0


def test_delete_twice_counts_once_and_keeps_thread(world: World) -> None:
    post = world.post_in("open")
    top = ca.do_create_comment(actor=world.member, post=post, body="Top")
    reply = ca.do_create_comment(actor=world.owner, post=post, body="Reply", parent_id=top.pk)
    stale = Comment.objects.get(pk=reply.pk)
    ca.do_delete_comment(actor=world.owner, comment=reply)
    with pytest.raises(CommentNotFound):
        ca.do_delete_comment(actor=world.owner, comment=stale)
    top.refresh_from_db()
    assert (top.reply_count, _counts(post)) == (0, 1)
    # A deleted top-level comment with replies stays as a placeholder.
    ca.do_create_comment(actor=world.owner, post=post, body="Reply 2", parent_id=top.pk)
    ca.do_delete_comment(actor=world.member, comment=top)
    page = ca.comments_page(world.member, post)
    assert [(c.body, c.deleted_at is not None) for c in page.comments] == [("Top", True)]
    assert [r.body for r in page.comments[0].visible_replies] == ["Reply 2"]
    assert _counts(post) == 1


# --- reads --------------------------------------------------------------------------------------


def _spread(post: Post, author: User, bodies: list[str]) -> list[Comment]:
    """Comments with distinct, increasing times (some sharing a time, to test the tie-break)."""
    made = [ca.do_create_comment(actor=author, post=post, body=b) for b in bodies]
    base = made[0].created_at - timedelta(hours=1)  # in the past: later comments come after
    for i, comment in enumerate(made):
        Comment.objects.filter(pk=comment.pk).update(created_at=base + timedelta(seconds=i // 2))
    return made


def test_latest_comments_for_is_one_query(
    world: World, django_assert_num_queries: Callable[..., object]
) -> None:
    posts = [world.post_in("open", f"p{i}") for i in range(3)]
    _spread(posts[0], world.member, ["a", "b", "c"])
    _spread(posts[1], world.member, ["only"])
    with django_assert_num_queries(1):  # type: ignore[operator]
        latest = ca.latest_comments_for(posts, world.member, n=2)
        bodies = {pk: [(c.body, c.author.name) for c in items] for pk, items in latest.items()}
    assert bodies == {
        posts[0].pk: [("b", "Mona Member"), ("c", "Mona Member")],
        posts[1].pk: [("only", "Mona Member")],
        posts[2].pk: [],
    }
    more = posts + [world.post_in("open", f"q{i}") for i in range(5)]
    for post in more[3:]:
        _spread(post, world.owner, ["x", "y", "z"])
    with django_assert_num_queries(1):  # type: ignore[operator]
        latest = ca.latest_comments_for(more, n=2)
        assert [len(latest[p.pk]) for p in more] == [2, 1, 0, 2, 2, 2, 2, 2]


def test_latest_comments_skip_replies_and_deleted(world: World) -> None:
    post = world.post_in("open")
    a, b = _spread(post, world.member, ["a", "b"])
    ca.do_create_comment(actor=world.owner, post=post, body="reply", parent_id=a.pk)
    ca.do_delete_comment(actor=world.member, comment=b)
    latest = ca.latest_comments_for([post], n=2)
    assert [c.body for c in latest[post.pk]] == ["a"]


def test_pages_never_repeat_or_skip(world: World) -> None:
    post = world.post_in("open")
    made = _spread(post, world.member, [f"c{i:02}" for i in range(23)])
    page = ca.comments_page(world.member, post, limit=10)
    seen = [c.body for c in page.comments]
    assert seen == [f"c{i:02}" for i in range(13, 23)]
    # New comments arrive meanwhile: earlier pages are unaffected.
    ca.do_create_comment(actor=world.owner, post=post, body="late")
    while page.has_earlier:
        page = ca.comments_page(world.member, post, before=page.earlier_before, limit=10)
        seen = [c.body for c in page.comments] + seen
    assert seen == [c.body for c in made]
    assert page.earlier_before is None


def test_page_loads_replies_with_parents(
    world: World, django_assert_num_queries: Callable[..., object]
) -> None:
    post = world.post_in("open")
    a, _b = _spread(post, world.member, ["a", "b"])
    for body in ("r1", "r2"):
        ca.do_create_comment(actor=world.owner, post=post, body=body, parent_id=a.pk)
    with django_assert_num_queries(2):  # type: ignore[operator]
        page = ca.comments_page(world.member, post)
        replies = {
            c.body: [(r.body, r.author.name) for r in c.visible_replies] for c in page.comments
        }
    assert replies == {"a": [("r1", "Olga Owner"), ("r2", "Olga Owner")], "b": []}


def test_bad_before_is_not_found(world: World) -> None:
    post = world.post_in("open")
    other = world.post_in("open", "other")
    foreign = ca.do_create_comment(actor=world.member, post=other, body="x")
    for before in ("abc", "-1", 2**64, foreign.pk):
        with pytest.raises(CommentNotFound):
            ca.comments_page(world.member, post, before=before)


def test_counts_match_rows_after_many_changes(world: World) -> None:
    post = world.post_in("open")
    made = [ca.do_create_comment(actor=world.member, post=post, body=str(i)) for i in range(5)]
    ca.do_create_comment(actor=world.owner, post=post, body="r", parent_id=made[0].pk)
    for comment in made[1:3]:
        ca.do_delete_comment(actor=world.member, comment=comment)
    live = Comment.objects.filter(post=post, deleted_at__isnull=True).count()
    assert _counts(post) == live == 4
    assert Comment.objects.filter(reply_count=F("reply_count")).count() == 6
