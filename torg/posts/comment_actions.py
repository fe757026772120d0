"""Comments on posts: every write (``check_*`` + ``do_*``) and the reads the cards need.

Decisions:
- Whoever may read a post may comment on it (access through ``torg.posts.access.access_post``).
- One level of replies: replying to a reply attaches the new comment to its top-level parent.
- ``body_html`` is rendered at write time; mentions link only people who can read the post.
- Deleting is soft (``deleted_at``). A deleted comment that still has replies stays in the thread
  as "Comment deleted" so the replies keep their context; without replies it disappears.
- ``Post.comment_count`` counts comments that are not deleted (top-level and replies);
  ``Comment.reply_count`` counts a comment's replies that are not deleted. Both change only here,
  with F() expressions, and only when a row really changed (so a double submit counts once).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.core.markdown import extract_mentions, render_markdown
from torg.governance.lifecycle import check_not_archived
from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.notifications import events as notification_events
from torg.people.access import visible_people
from torg.posts.access import access_post, can_moderate_post, parse_id, visible_posts
from torg.posts.models import (
    COMMENT_MAX_LENGTH,
    Attachment,
    Comment,
    CommentRevision,
    Mention,
    Post,
)
from torg.realtime import events as realtime_events
from torg.search import events as search_events

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

MAX_COMMENT_ATTACHMENTS = 10
MAX_MENTIONS = 50
PAGE_SIZE = 10
MAX_PAGE_SIZE = 50


class CommentNotFound(Http404):
    """Raised for unknown, deleted and hidden comments alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


# --- access ------------------------------------------------------------------------------------


def access_comment(viewer: User | AnonymousUser, comment_id: Any) -> Comment:
    """A comment that is not deleted, on a post ``viewer`` may read; else ``CommentNotFound``."""
    pk = parse_id(comment_id)
    if pk is None or as_person(viewer) is None:
        raise CommentNotFound
    comment = (
        Comment.objects.select_related("author", "post", "post__group")
        .filter(pk=pk, deleted_at__isnull=True, post__in=visible_posts(viewer).values("pk"))
        .first()
    )
    if comment is None:
        raise CommentNotFound
    return comment


def can_edit_comment(user: User | AnonymousUser, comment: Comment) -> bool:
    person = as_person(user)
    return person is not None and comment.deleted_at is None and comment.author_id == person.pk


def can_delete_comment(user: User | AnonymousUser, comment: Comment) -> bool:
    """The author, the group's admins and moderators, network admins."""
    person = as_person(user)
    if person is None or comment.deleted_at is not None:
        return False
    if comment.author_id == person.pk:
        return True
    return can_moderate_post(person, comment.post)


# --- helpers -----------------------------------------------------------------------------------


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


def _require_visible(person: User, post: Post) -> Post:
    """Re-check that ``person`` may read ``post`` (whatever the caller passed in)."""
    return access_post(person, post.pk)


def _check_body(body: Any, *, has_files: bool = False) -> str:
    """The cleaned text; it may be empty only when the comment carries files (a photo reply)."""
    if not isinstance(body, str):
        raise ValidationError({"body": _("The text is not valid.")})
    if "\x00" in body:
        raise ValidationError({"body": _("The text contains characters that are not allowed.")})
    if len(body) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            {
                "body": _("A comment can be at most %(limit)d characters (this one has %(count)d).")
                % {"limit": COMMENT_MAX_LENGTH, "count": len(body)}
            }
        )
    if not body.strip() and not has_files:
        raise ValidationError({"body": _("Write a comment first.")})
    return body.strip()


def _check_attachments(person: User, attachment_ids: Iterable[Any]) -> list[Attachment]:
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return []
    if len(ids) > MAX_COMMENT_ATTACHMENTS:
        raise ValidationError(
            {
                "attachments": _("A comment can have at most %(limit)d attachments.")
                % {"limit": MAX_COMMENT_ATTACHMENTS}
            }
        )
    parsed = [i for i in (parse_id(i) for i in ids) if i is not None]
    if len(parsed) != len(ids):
        raise ValidationError({"attachments": _("An attachment was not found. Upload it again.")})
    found = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in=parsed, uploader=person, post__isnull=True, comment__isnull=True
        )
    }
    if len(found) != len(parsed):
        raise ValidationError({"attachments": _("An attachment was not found. Upload it again.")})
    return [found[i] for i in parsed]


def _readers_among(ids: Sequence[int], *, post: Post, author: User) -> set[int]:
    """Which of ``ids`` the comment author may see and who can read ``post`` (one query)."""
    if not ids:
        return set()
    people = visible_people(author).filter(pk__in=list(ids)[:MAX_MENTIONS])
    group: Group | None = post.group
    if group is None:
        people = people.filter(Q(is_guest=False) | Q(pk=post.author_id))
    else:
        member = Q(pk__in=Membership.objects.filter(group_id=group.pk).values("user_id")) | Q(
            pk=post.author_id
        )
        if group.privacy == Group.Privacy.OPEN:
            people = people.filter(Q(is_guest=False) | member)
        else:
            people = people.filter(member)
    return set(people.values_list("pk", flat=True))


def render_comment_body(body: str, *, post: Post, author: User) -> tuple[str, set[int]]:
    readers = _readers_among(extract_mentions(body), post=post, author=author)
    names: dict[int, str] = (
        dict(visible_people(author).filter(pk__in=readers).values_list("pk", "name"))
        if readers
        else {}
    )
    return str(render_markdown(body, mention_resolver=lambda ids: names)), readers


def _save_mentions(comment: Comment, readers: set[int]) -> None:
    existing = set(Mention.objects.filter(comment=comment).values_list("user_id", flat=True))
    stale = existing - readers
    if stale:
        Mention.objects.filter(comment=comment, user_id__in=stale).delete()
    new = readers - existing - {comment.author_id}
    Mention.objects.bulk_create(
        [Mention(comment=comment, post=comment.post, user_id=user_id) for user_id in sorted(new)],
        ignore_conflicts=True,
    )


# --- create ------------------------------------------------------------------------------------


@dataclass
class PreparedComment:
    post: Post
    body: str
    parent: Comment | None
    attachments: list[Attachment]


def check_create_comment(
    *,
    actor: User,
    post: Post,
    body: str,
    parent_id: int | None = None,
    attachment_ids: Iterable[Any] = (),
) -> PreparedComment:
    """Validate. Raises ``PostNotFound``/``CommentNotFound`` (hidden), ``ValidationError``."""
    person = _require_person(actor)
    post = _require_visible(person, post)
    check_not_archived(post.group_id)
    parent: Comment | None = None
    if parent_id is not None:
        pk = parse_id(parent_id)
        parent = (
            Comment.objects.select_related("parent").filter(pk=pk, post=post).first()
            if pk is not None
            else None
        )
        if parent is None:
            raise CommentNotFound
        if parent.parent is not None:  # one level: a reply to a reply joins the thread
            parent = parent.parent
        if parent.deleted_at is not None:
            raise ValidationError({"body": _("The comment you replied to has been deleted.")})
    ids = list(attachment_ids)
    cleaned = _check_body(body, has_files=bool(ids))
    attachments = _check_attachments(person, ids)
    return PreparedComment(post=post, body=cleaned, parent=parent, attachments=attachments)


def do_create_comment(
    *,
    actor: User,
    post: Post,
    body: str,
    parent_id: int | None = None,
    attachment_ids: Iterable[Any] = (),
) -> Comment:
    prepared = check_create_comment(
        actor=actor, post=post, body=body, parent_id=parent_id, attachment_ids=attachment_ids
    )
    body_html, readers = render_comment_body(prepared.body, post=prepared.post, author=actor)
    with transaction.atomic():
        comment = Comment.objects.create(
            post=prepared.post,
            parent=prepared.parent,
            author=actor,
            body=prepared.body,
            body_html=body_html,
            created_at=timezone.now(),
        )
        if prepared.attachments:
            # Only still-unattached uploads are claimed, so a racing submit cannot steal them.
            claimed = Attachment.objects.filter(
                pk__in=[a.pk for a in prepared.attachments],
                uploader=actor,
                post__isnull=True,
                comment__isnull=True,
            ).update(comment=comment)
            if claimed != len(prepared.attachments):
                raise ValidationError(
                    {"attachments": _("An attachment was not found. Upload it again.")}
                )
        _save_mentions(comment, readers)
        Post.objects.filter(pk=prepared.post.pk).update(comment_count=F("comment_count") + 1)
        if prepared.parent is not None:
            Comment.objects.filter(pk=prepared.parent.pk).update(reply_count=F("reply_count") + 1)
        realtime_events.comment_created(comment)
        notification_events.comment_created(comment)
        search_events.comment_changed(comment)
    comment.author = actor
    comment.reply_count = 0
    comment.reaction_summary = {"counts": {}, "mine": None}  # type: ignore[attr-defined]
    comment.visible_replies = []  # type: ignore[attr-defined]
    return comment


# --- edit --------------------------------------------------------------------------------------


def check_edit_comment(*, actor: User, comment: Comment, body: str) -> str:
    person = _require_person(actor)
    comment = access_comment(person, comment.pk)
    if comment.author_id != person.pk:
        raise PermissionDenied(_("Only the author can edit a comment."))
    return _check_body(body, has_files=Attachment.objects.filter(comment=comment).exists())


def do_edit_comment(*, actor: User, comment: Comment, body: str) -> Comment:
    cleaned = check_edit_comment(actor=actor, comment=comment, body=body)
    with transaction.atomic():
        current = Comment.objects.select_for_update(of=("self",))
        locked = current.select_related("post", "post__group").get(pk=comment.pk)
        if cleaned == locked.body:
            return locked
        body_html, readers = render_comment_body(cleaned, post=locked.post, author=actor)
        now = timezone.now()
        CommentRevision.objects.create(comment=locked, body=locked.body, created_at=now)
        locked.body = cleaned
        locked.body_html = body_html
        locked.edited_at = now
        locked.save(update_fields=["body", "body_html", "edited_at"])
        _save_mentions(locked, readers)
        search_events.comment_changed(locked)
    locked.author = actor
    return locked


# --- delete ------------------------------------------------------------------------------------


def check_delete_comment(*, actor: User, comment: Comment) -> Comment:
    person = _require_person(actor)
    comment = access_comment(person, comment.pk)
    if not can_delete_comment(person, comment):
        raise PermissionDenied(_("You can only delete your own comments."))
    return comment


def do_delete_comment(*, actor: User, comment: Comment) -> Comment:
    checked = check_delete_comment(actor=actor, comment=comment)
    now = timezone.now()
    with transaction.atomic():
        # The conditional update makes a second (racing) delete a no-op, so counts drop once.
        changed = Comment.objects.filter(pk=checked.pk, deleted_at__isnull=True).update(
            deleted_at=now
        )
        search_events.comment_changed(checked)
        if changed:
            Post.objects.filter(pk=checked.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
            if checked.parent_id is not None:
                Comment.objects.filter(pk=checked.parent_id, reply_count__gt=0).update(
                    reply_count=F("reply_count") - 1
                )
    checked.refresh_from_db(fields=["deleted_at", "reply_count"])
    return checked


# --- reads -------------------------------------------------------------------------------------


def _shown_comments() -> Q:
    """Comments a thread shows: live ones, and deleted ones that still hold replies."""
    return Q(deleted_at__isnull=True) | Q(reply_count__gt=0)


def _with_attachment_flag(comments: QuerySet[Comment]) -> QuerySet[Comment]:
    """Annotate ``has_attachments``: ``attach_comment_media`` then skips its query when no
    comment of a page has any (the common case), so those pages keep their query count."""
    return comments.annotate(
        has_attachments=Exists(Attachment.objects.filter(comment_id=OuterRef("pk")))
    )


def attach_comment_media(
    comments: Sequence[Comment],
    viewer: User | AnonymousUser | None,
    *,
    attachments: Iterable[Attachment] | None = None,
) -> None:
    """Set what ``posts/_media.html`` shows on each comment: ``card_images``, ``card_files``,
    ``card_videos`` (torg.media videos, shown as the player; their attachment is not listed as a
    file), ``card_preview`` (None) and ``card_can_manage_videos`` (the author, network admins).

    One query (attachments with their videos), none when every comment is annotated
    ``has_attachments`` False. ``attachments`` (loaded with ``select_related("video")``) spares
    the query when the caller already has them. Deleted comments show no media.
    """
    person = as_person(viewer) if viewer is not None else None
    if attachments is None:
        ids = [
            c.pk for c in comments if c.deleted_at is None and getattr(c, "has_attachments", True)
        ]
        attachments = (
            Attachment.objects.filter(comment_id__in=ids).select_related("video") if ids else []
        )
    by_comment: dict[int, list[Attachment]] = defaultdict(list)
    for attachment in attachments:
        if attachment.comment_id is not None:
            by_comment[attachment.comment_id].append(attachment)
    for comment in comments:
        items = [] if comment.deleted_at is not None else by_comment.get(comment.pk, [])
        # select_related("video") cached the reverse one-to-one: no query, None when absent.
        videos = [v for v in (getattr(a, "video", None) for a in items) if v is not None]
        video_files = {video.attachment_id for video in videos}
        comment.card_videos = videos  # type: ignore[attr-defined]
        comment.card_images = [a for a in items if a.kind == Attachment.Kind.IMAGE]  # type: ignore[attr-defined]
        comment.card_files = [  # type: ignore[attr-defined]
            a for a in items if a.kind == Attachment.Kind.FILE and a.pk not in video_files
        ]
        comment.card_preview = None  # type: ignore[attr-defined]
        comment.card_can_manage_videos = person is not None and (  # type: ignore[attr-defined]
            comment.author_id == person.pk or person.is_network_admin
        )


def latest_comments_for(
    posts: Sequence[Post], viewer: User | AnonymousUser | None = None, n: int = 2
) -> dict[int, list[Comment]]:
    """The newest ``n`` top-level comments of each post (oldest first), in ONE query.

    ``posts`` must already be access-checked for the viewer (they come from a selector).
    """
    ids = [post.pk for post in posts]
    result: dict[int, list[Comment]] = {pk: [] for pk in ids}
    if not ids or n <= 0:
        return result
    rows = (
        Comment.objects.filter(_shown_comments(), post_id__in=ids, parent__isnull=True)
        .select_related("author")
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("post_id")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=n)
        .order_by("post_id", "created_at", "id")
    )
    for comment in rows:
        result[comment.post_id].append(comment)
    return result


@dataclass
class CommentsPage:
    comments: list[Comment]  # top-level, oldest first; each has ``visible_replies``
    has_earlier: bool
    earlier_before: int | None  # the ``before`` value for the previous page


def _replies_for(parents: Sequence[Comment]) -> None:
    """Attach ``visible_replies`` (oldest first) to each parent, in one query."""
    by_parent: dict[int, list[Comment]] = {c.pk: [] for c in parents}
    if by_parent:
        replies = (
            _with_attachment_flag(
                Comment.objects.filter(parent_id__in=list(by_parent), deleted_at__isnull=True)
            )
            .select_related("author")
            .order_by("created_at", "id")
        )
        for reply in replies:
            by_parent[reply.parent_id].append(reply)  # type: ignore[index]
    for comment in parents:
        comment.visible_replies = by_parent[comment.pk]  # type: ignore[attr-defined]


def comments_page(
    viewer: User | AnonymousUser,
    post: Post,
    *,
    before: Any = None,
    limit: int = PAGE_SIZE,
) -> CommentsPage:
    """A page of top-level comments older than comment ``before`` (keyset on created_at, id),
    with their replies. ``before=None`` gives the newest page. ``post`` must be access-checked.

    Keyset paging anchored on a real comment never repeats or skips a comment, even when new
    comments arrive between pages. An unknown ``before`` raises ``CommentNotFound``.
    """
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    top = Comment.objects.filter(_shown_comments(), post=post, parent__isnull=True)
    if before is not None:
        pk = parse_id(before)
        anchor = (
            Comment.objects.filter(pk=pk, post=post, parent__isnull=True)
            .values_list("created_at", "id")
            .first()
            if pk is not None
            else None
        )
        if anchor is None:
            raise CommentNotFound
        created_at, anchor_id = anchor
        top = top.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=anchor_id))
    rows = list(
        _with_attachment_flag(top)
        .select_related("author")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    has_earlier = len(rows) > limit
    comments = list(reversed(rows[:limit]))
    _replies_for(comments)
    return CommentsPage(
        comments=comments,
        has_earlier=has_earlier,
        earlier_before=comments[0].pk if has_earlier and comments else None,
    )


def replies_of(viewer: User | AnonymousUser, comment: Comment) -> list[Comment]:
    """The live replies of an (access-checked) top-level comment, oldest first."""
    return list(
        _with_attachment_flag(Comment.objects.filter(parent=comment, deleted_at__isnull=True))
        .select_related("author")
        .order_by("created_at", "id")
    )


def comment_tree(comments: Iterable[Comment]) -> list[Comment]:
    """Every comment in ``comments`` and their ``visible_replies``, flattened (for prefetches)."""
    flat: list[Comment] = []
    for comment in comments:
        flat.append(comment)
        flat.extend(getattr(comment, "visible_replies", []))
    return flat


def visible_comments(viewer: User | AnonymousUser) -> QuerySet[Comment]:
    """Comments (not deleted) on posts ``viewer`` may read."""
    return Comment.objects.filter(
        deleted_at__isnull=True, post__in=visible_posts(viewer).values("pk")
    )
