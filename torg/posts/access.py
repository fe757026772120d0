"""The one way to look up a post (and what hangs on it) for a person.

- visible_posts(viewer): not deleted and (in a group whose content the viewer may see, or a
  profile post and the viewer is an employee, or written by the viewer).
- access_post(viewer, post_id): the post or ``PostNotFound``; hidden, deleted and nonexistent
  posts answer identically. Comments, reactions and attachments go through it.
- can_post_in(user, group): members; in announcement groups only admins and moderators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import Http404

from torg.groups.access import as_person, content_visible_groups
from torg.groups.models import Group, Membership
from torg.posts.models import Attachment, Comment, Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

MAX_ID = 2**63 - 1


class PostNotFound(Http404):
    """Raised for unknown, deleted and hidden posts alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


class AttachmentNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


def parse_id(value: Any) -> int | None:
    """A valid primary key from a URL, form or JSON value, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        if not value.isascii() or not value.isdigit() or len(value) > 19:
            return None
        value = int(value)
    if not isinstance(value, int) or not (0 < value <= MAX_ID):
        return None
    return value


def _visibility(person: User) -> Q:
    in_visible_group = Q(group__in=content_visible_groups(person).values("pk"))
    own = Q(author=person)
    if person.is_guest:
        return in_visible_group | own
    return in_visible_group | Q(group__isnull=True) | own


def visible_posts(viewer: User | AnonymousUser) -> QuerySet[Post]:
    """Posts ``viewer`` may read (deleted posts excluded)."""
    person = as_person(viewer)
    if person is None:
        return Post.objects.none()
    return Post.objects.filter(_visibility(person), deleted_at__isnull=True)


def visible_post_ids(viewer: User | AnonymousUser, post_ids: list[int]) -> set[int]:
    """Which of ``post_ids`` ``viewer`` may read, in one query."""
    if not post_ids:
        return set()
    return set(visible_posts(viewer).filter(pk__in=post_ids).values_list("pk", flat=True))


def can_see_post(viewer: User | AnonymousUser, post: Post) -> bool:
    return visible_posts(viewer).filter(pk=post.pk).exists()


def access_post(viewer: User | AnonymousUser, post_id: Any) -> Post:
    """Return the post if ``viewer`` may read it, else raise ``PostNotFound``."""
    pk = parse_id(post_id)
    if pk is None:
        raise PostNotFound
    post = (
        visible_posts(viewer).select_related("author", "group", "shared_post").filter(pk=pk).first()
    )
    if post is None:
        raise PostNotFound
    return post


def access_deleted_post(viewer: User | AnonymousUser, post_id: Any) -> Post:
    """A soft-deleted post for restoring: only network admins and admins of its group see it."""
    person = as_person(viewer)
    pk = parse_id(post_id)
    if person is None or pk is None:
        raise PostNotFound
    post = (
        Post.objects.select_related("author", "group")
        .filter(pk=pk, deleted_at__isnull=False)
        .first()
    )
    if post is None:
        raise PostNotFound
    if person.is_network_admin:
        return post
    if post.group_id is not None and role_in(person, post.group_id) == Membership.Role.ADMIN:
        return post
    raise PostNotFound


def access_attachment(viewer: User | AnonymousUser, attachment_id: Any) -> Attachment:
    """An attachment of a post ``viewer`` may read, of a comment that is not deleted on such a
    post, or the uploader's own unattached upload.

    Access is decided afresh on every call (downloads call it on every request), so a person
    removed from a secret group loses its files at once.
    """
    person = as_person(viewer)
    pk = parse_id(attachment_id)
    if person is None or pk is None:
        raise AttachmentNotFound
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise AttachmentNotFound
    if attachment.post_id is not None:
        if not visible_posts(person).filter(pk=attachment.post_id).exists():
            raise AttachmentNotFound
        return attachment
    if attachment.comment_id is not None:
        # A deleted comment takes its files with it, for everyone (its author and admins too),
        # as a deleted post does: nothing of it may be fetched by a URL kept from before.
        live_comment = Comment.objects.filter(
            pk=attachment.comment_id,
            deleted_at__isnull=True,
            post__in=visible_posts(person).values("pk"),
        )
        if not live_comment.exists():
            raise AttachmentNotFound
        return attachment
    if attachment.uploader_id != person.pk:
        raise AttachmentNotFound
    return attachment


def role_in(user: User, group_id: int) -> str | None:
    return (
        Membership.objects.filter(group_id=group_id, user=user)
        .values_list("role", flat=True)
        .first()
    )


def can_post_in(user: User | AnonymousUser, group: Group) -> bool:
    person = as_person(user)
    if person is None:
        return False
    role = role_in(person, group.pk)
    if role is None:
        return False
    if group.kind == Group.Kind.ANNOUNCEMENTS:
        return role in (Membership.Role.ADMIN, Membership.Role.MODERATOR)
    return True


def can_moderate_post(user: User | AnonymousUser, post: Post) -> bool:
    """Delete someone else's post: group admins and moderators, network admins."""
    person = as_person(user)
    if person is None:
        return False
    if person.is_network_admin:
        return True
    if post.group_id is None:
        return False
    return role_in(person, post.group_id) in (Membership.Role.ADMIN, Membership.Role.MODERATOR)


def can_restore_post(user: User | AnonymousUser, post: Post) -> bool:
    person = as_person(user)
    if person is None:
        return False
    if person.is_network_admin:
        return True
    return post.group_id is not None and role_in(person, post.group_id) == Membership.Role.ADMIN
