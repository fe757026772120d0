# ruff: noqa: F811  (fixtures are imported from test_posts_fixtures)
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from torg.groups.models import Group
from torg.posts import actions
from torg.posts.access import PostNotFound, access_post, visible_posts
from torg.posts.actions import PollSpec
from torg.posts.attachments import do_upload_attachment
from torg.posts.models import (
    Attachment,
    Hashtag,
    Mention,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
)
from torg.posts.tests.test_posts_fixtures import (  # noqa: F401
    add_member,
    make_user,
    png_upload,
    world,
)

pytestmark = pytest.mark.django_db
REL = "noopener noreferrer nofollow ugc"


def post_in(w: dict[str, Any], privacy: str | None, body: str = "Hello", **kw: Any) -> Post:
    group = w[privacy] if privacy else None
    author = w["member"] if privacy else w["admin"]
    return actions.do_create_post(author=author, group=group, body=body, **kw)


# --- access matrix -----------------------------------------------------------------------------

EXPECTED = {
    # privacy: {viewer: sees}
    "open": {"member": True, "admin": True, "outsider": True, "guest": False},
    "closed": {"member": True, "admin": True, "outsider": False, "guest": False},
    "secret": {"member": True, "admin": True, "outsider": False, "guest": False},
    None: {"member": True, "admin": True, "outsider": True, "guest": False},
}


@pytest.mark.parametrize("privacy", ["open", "closed", "secret", None])
@pytest.mark.parametrize("viewer", ["member", "admin", "outsider", "guest"])
def test_access_matrix(world, privacy, viewer):
    post = post_in(world, privacy)
    sees = EXPECTED[privacy][viewer]
    assert visible_posts(world[viewer]).filter(pk=post.pk).exists() is sees
    if sees:
        assert access_post(world[viewer], post.pk).pk == post.pk
    else:
        with pytest.raises(PostNotFound):
            access_post(world[viewer], post.pk)


def test_guest_member_sees_group_posts_and_author_sees_own(world):
    add_member(world["secret"], world["guest"])
    post = post_in(world, "secret")
    assert access_post(world["guest"], post.pk).pk == post.pk
    own = actions.do_create_post(author=world["guest"], group=world["secret"], body="Mine")
    assert access_post(world["guest"], own.pk).pk == own.pk


def test_hidden_deleted_and_nonexistent_answer_alike(world):
    hidden = post_in(world, "secret")
    deleted = post_in(world, "open")
    actions.do_delete_post(actor=world["member"], post=deleted)
    errors = []
    for pk in (hidden.pk, deleted.pk, 999_999, "abc", -1, 2**70):
        with pytest.raises(PostNotFound) as caught:
            access_post(world["outsider"], pk)
        errors.append(str(caught.value))
    assert set(errors) == {"Not found"}


# --- create ------------------------------------------------------------------------------------


def test_create_renders_mentions_and_hashtags(world):
    body = f"Hi @[Mia](user:{world['member'].pk}) #Bærekraft and #bærekraft"
    post = actions.do_create_post(author=world["admin"], group=world["open"], body=body)
    assert post.body_html == (
        f'<p>Hi <a class="mention" href="/people/{world["member"].pk}/" rel="{REL}">'
        "@Mia Member</a> "
        f'<a class="hashtag" href="/topics/b%C3%A6rekraft/" rel="{REL}">#Bærekraft</a> and '
        f'<a class="hashtag" href="/topics/b%C3%A6rekraft/" rel="{REL}">#bærekraft</a></p>\n'
    )
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [
        world["member"].pk
    ]
    tag = Hashtag.objects.get()
    assert (tag.name, tag.display_name) == ("bærekraft", "Bærekraft")
    link = PostHashtag.objects.get()
    assert (link.post_id, link.created_at) == (post.pk, post.created_at)


def test_mentions_only_for_people_who_can_see_the_post(world):
    body = f"@[Otto](user:{world['outsider'].pk}) and @[Mia](user:{world['member'].pk})"
    post = actions.do_create_post(author=world["admin"], group=world["secret"], body=body)
    assert list(Mention.objects.filter(post=post).values_list("user_id", flat=True)) == [
        world["member"].pk
    ]
    assert "@Otto</a>" not in post.body_html
    assert "@Otto and" in post.body_html


def test_refusals_change_nothing(world):
    cases = [
        (world["outsider"], world["closed"], "x", {}, PermissionDenied),
        (world["guest"], None, "x", {}, PermissionDenied),
        (world["member"], world["open"], "   ", {}, ValidationError),
        (world["member"], world["open"], "x" * 10_001, {}, ValidationError),
        (world["member"], world["open"], "x", {"attachment_ids": [12345]}, ValidationError),
        (world["member"], world["open"], "", {"poll": PollSpec(options=["only"])}, ValidationError),
        (
            world["member"],
            world["open"],
            "",
            {"poll": PollSpec(options=[str(i) for i in range(11)])},
            ValidationError,
        ),
        (
            world["member"],
            world["open"],
            "",
            {"poll": PollSpec(options=["a", "b"], closes_at=timezone.now() - timedelta(1))},
            ValidationError,
        ),
    ]
    for author, group, body, extra, error in cases:
        with pytest.raises(error):
            actions.do_create_post(author=author, group=group, body=body, **extra)
    assert Post.objects.count() == 0
    assert Poll.objects.count() == 0


def test_announcement_groups_only_admins_post(world):
    group = world["open"]
    Group.objects.filter(pk=group.pk).update(kind=Group.Kind.ANNOUNCEMENTS)
    group.refresh_from_db()
    with pytest.raises(PermissionDenied, match="Only admins and moderators"):
        actions.do_create_post(author=world["member"], group=group, body="x")
    assert actions.do_create_post(author=world["admin"], group=group, body="News").body == "News"


def test_attachments_must_be_own_and_unattached(world, settings):
    mine = do_upload_attachment(uploader=world["member"], upload=png_upload())
    theirs = do_upload_attachment(uploader=world["admin"], upload=png_upload())
    with pytest.raises(ValidationError, match="An attachment was not found"):
        actions.do_create_post(
            author=world["member"], group=world["open"], body="", attachment_ids=[theirs.pk]
        )
    post = actions.do_create_post(
        author=world["member"],
        group=world["open"],
        body="",
        attachment_ids=[mine.pk],
        alt_texts={mine.pk: "A red square"},
    )
    mine.refresh_from_db()
    assert (mine.post_id, mine.alt_text) == (post.pk, "A red square")
    with pytest.raises(ValidationError):
        actions.do_create_post(
            author=world["member"], group=world["open"], body="", attachment_ids=[mine.pk]
        )
    assert Attachment.objects.get(pk=theirs.pk).post_id is None


def test_link_previews_enqueued_after_commit(world, django_capture_on_commit_callbacks):
    from torg.links.models import LinkPreview

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        actions.do_create_post(
            author=world["member"], group=world["open"], body="See http://127.0.0.1/x and more"
        )
    assert not LinkPreview.objects.exists()  # nothing leaves before the commit

    for callback in callbacks:
        callback()

    # The preview task ran after commit; a loopback address is refused, never fetched.
    preview = LinkPreview.objects.get()
    assert (preview.url, preview.status) == ("http://127.0.0.1/x", LinkPreview.Status.REFUSED)


# --- edit, delete, restore, purge --------------------------------------------------------------


def test_edit_keeps_history_and_reextracts(world):
    post = post_in(world, "open", body=f"#old @[Ada](user:{world['admin'].pk})")
    with pytest.raises(PermissionDenied):
        actions.do_edit_post(actor=world["admin"], post=post, body="hijack")
    edited = actions.do_edit_post(actor=world["member"], post=post, body="#new text")
    assert edited.edited_at is not None
    assert list(PostRevision.objects.filter(post=post).values_list("body", flat=True)) == [
        f"#old @[Ada](user:{world['admin'].pk})"
    ]
    assert list(PostHashtag.objects.filter(post=post).values_list("hashtag__name", flat=True)) == [
        "new"
    ]
    assert Mention.objects.filter(post=post).count() == 0


def test_delete_and_restore_rules(world):
    post = post_in(world, "open")
    with pytest.raises(PermissionDenied):
        actions.do_delete_post(actor=world["outsider"], post=post)
    actions.do_delete_post(actor=world["admin"], post=post)  # group admin
    post.refresh_from_db()
    assert post.deleted_by_id == world["admin"].pk
    with pytest.raises(PermissionDenied):
        actions.do_restore_post(actor=world["member"], post=post)
    actions.do_restore_post(actor=world["admin"], post=post)
    post.refresh_from_db()
    assert (post.deleted_at, post.deleted_by_id) == (None, None)

    actions.do_delete_post(actor=world["member"], post=post)
    Post.objects.filter(pk=post.pk).update(deleted_at=timezone.now() - timedelta(days=31))
    post.refresh_from_db()
    with pytest.raises(ValidationError, match="within 30 days"):
        actions.do_restore_post(actor=world["admin"], post=post)
    assert actions.do_purge_deleted_posts() == 1
    assert not Post.objects.filter(pk=post.pk).exists()


def test_network_admin_deletes_profile_post(world, make_user):
    staff = make_user("Sam Staff", is_staff=True)
    post = post_in(world, None)
    actions.do_delete_post(actor=staff, post=post)
    post.refresh_from_db()
    assert post.deleted_by_id == staff.pk


# --- pin ---------------------------------------------------------------------------------------


def test_pin_limit_and_rights(world):
    posts = [post_in(world, "open", body=f"p{i}") for i in range(4)]
    with pytest.raises(PermissionDenied):
        actions.do_pin_post(actor=world["member"], post=posts[0])
    for post in posts[:3]:
        actions.do_pin_post(actor=world["admin"], post=post)
    with pytest.raises(ValidationError, match="at most 3 pinned"):
        actions.do_pin_post(actor=world["admin"], post=posts[3])
    actions.do_unpin_post(actor=world["admin"], post=posts[0])
    actions.do_pin_post(actor=world["admin"], post=posts[3])
    assert set(Post.objects.filter(pinned_at__isnull=False).values_list("pk", flat=True)) == {
        posts[1].pk,
        posts[2].pk,
        posts[3].pk,
    }
    with pytest.raises(ValidationError):
        actions.do_pin_post(actor=world["admin"], post=post_in(world, None))


# --- share -------------------------------------------------------------------------------------


def test_share_rules(world):
    secret_post = post_in(world, "secret")
    with pytest.raises(PermissionDenied, match="same group"):
        actions.do_share_post(actor=world["member"], post=secret_post, group=world["open"])
    with pytest.raises(PermissionDenied):
        actions.do_share_post(actor=world["member"], post=secret_post, group=None)
    inside = actions.do_share_post(actor=world["member"], post=secret_post, group=world["secret"])
    assert inside.shared_post_id == secret_post.pk

    open_post = post_in(world, "open")
    with pytest.raises(ValidationError, match="not available"):
        actions.do_share_post(actor=world["outsider"], post=secret_post, group=None)
    shared = actions.do_share_post(actor=world["outsider"], post=open_post, group=None)
    reshared = actions.do_share_post(actor=world["member"], post=shared, group=world["closed"])
    assert reshared.shared_post_id == open_post.pk
    open_post.refresh_from_db()
    secret_post.refresh_from_db()
    assert (open_post.share_count, secret_post.share_count) == (2, 1)
    assert Post.objects.count() == 5


# --- polls -------------------------------------------------------------------------------------


def make_poll(world: dict[str, Any], multiple: bool = False) -> tuple[Post, list[PollOption]]:
    post = post_in(
        world, "open", poll=PollSpec(options=["Tea", "Coffee", "Juice"], allows_multiple=multiple)
    )
    return post, list(PollOption.objects.filter(poll__post=post))


def counts(post: Post) -> tuple[int, list[int]]:
    poll = Poll.objects.get(post=post)
    return poll.voter_count, [o.vote_count for o in poll.options.all()]


def test_single_choice_vote_replaces(world):
    post, (tea, coffee, _juice) = make_poll(world)
    actions.do_vote_poll(actor=world["member"], post=post, option_ids=[tea.pk])
    actions.do_vote_poll(actor=world["outsider"], post=post, option_ids=[tea.pk])
    actions.do_vote_poll(actor=world["member"], post=post, option_ids=[coffee.pk])
    assert counts(post) == (2, [1, 1, 0])
    with pytest.raises(ValidationError, match="Choose one option"):
        actions.do_vote_poll(actor=world["member"], post=post, option_ids=[tea.pk, coffee.pk])
    _other, other_options = make_poll(world)
    with pytest.raises(ValidationError, match="not in this poll"):
        actions.do_vote_poll(actor=world["member"], post=post, option_ids=[other_options[0].pk])
    assert counts(post) == (2, [1, 1, 0])


def test_multiple_choice_toggles_and_closed_refuses(world):
    post, (tea, coffee, juice) = make_poll(world, multiple=True)
    actions.do_vote_poll(actor=world["member"], post=post, option_ids=[tea.pk, coffee.pk])
    assert counts(post) == (1, [1, 1, 0])
    actions.do_vote_poll(actor=world["member"], post=post, option_ids=[tea.pk, juice.pk])
    assert counts(post) == (1, [0, 1, 1])
    actions.do_vote_poll(actor=world["member"], post=post, option_ids=[coffee.pk, juice.pk])
    assert counts(post) == (0, [0, 0, 0])
    Poll.objects.filter(post=post).update(closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="closed"):
        actions.do_vote_poll(actor=world["member"], post=post, option_ids=[tea.pk])
    assert PollVote.objects.count() == 0


def test_purge_command_removes_old_deleted_posts_and_files(world):
    from datetime import timedelta as td
    from io import StringIO

    from django.core.management import call_command

    upload = do_upload_attachment(uploader=world["member"], upload=png_upload())
    old = actions.do_create_post(
        author=world["member"], group=world["open"], body="", attachment_ids=[upload.pk]
    )
    recent = post_in(world, "open")
    for post in (old, recent):
        actions.do_delete_post(actor=world["member"], post=post)
    Post.objects.filter(pk=old.pk).update(deleted_at=timezone.now() - td(days=31))
    stale = do_upload_attachment(uploader=world["member"], upload=png_upload())
    Attachment.objects.filter(pk=stale.pk).update(created_at=timezone.now() - td(days=2))
    out = StringIO()
    call_command("purge_deleted_posts", stdout=out)
    assert out.getvalue() == "Purged 1 deleted posts and 1 abandoned uploads.\n"
    assert list(Post.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not upload.file.storage.exists(upload.file.name)
    assert Attachment.objects.count() == 0
