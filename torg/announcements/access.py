"""Who may mark, read and see receipts of announcements. Hidden posts answer "not found".

- Mark / unmark: only posts in groups. Admins of the post's group; network admins
  (``is_staff``) and holders of the ``announcements.announce_company_wide`` permission
  (communications staff) for a post in any group they can see.
- Receipts: the post's author, the person who marked it, admins of its group and network
  admins. Everyone else gets the same 404 as for a post that does not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torg.announcements.models import Announcement
from torg.groups.access import as_person
from torg.groups.models import Membership
from torg.posts.access import PostNotFound, access_post, role_in

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User
    from torg.posts.models import Post

ANNOUNCE_PERMISSION = "announcements.announce_company_wide"


def announces_anywhere(person: User) -> bool:
    """Network admins and communications staff mark posts in every group they can see."""
    return person.is_network_admin or person.has_perm(ANNOUNCE_PERMISSION)


def can_announce(user: User | AnonymousUser, post: Post, *, role: str | None = "") -> bool:
    """``role``: the person's role in the post's group when the caller already knows it."""
    person = as_person(user)
    if person is None or post.group_id is None or post.deleted_at is not None:
        return False
    if announces_anywhere(person):
        return True
    if role == "":
        role = role_in(person, post.group_id)
    return role == Membership.Role.ADMIN


def can_see_receipts(user: User | AnonymousUser, announcement: Announcement) -> bool:
    person = as_person(user)
    if person is None:
        return False
    post = announcement.post
    if person.is_network_admin or person.pk in (post.author_id, announcement.announced_by_id):
        return True
    assert post.group_id is not None
    return role_in(person, post.group_id) == Membership.Role.ADMIN


def access_announcement(viewer: User | AnonymousUser, post_id: Any) -> Announcement:
    """The announcement of a post ``viewer`` may read, else ``PostNotFound``."""
    post = access_post(viewer, post_id)
    announcement = Announcement.objects.filter(post=post).select_related("announced_by").first()
    if announcement is None:
        raise PostNotFound
    announcement.post = post
    return announcement


def access_receipts(viewer: User | AnonymousUser, post_id: Any) -> Announcement:
    """The announcement if ``viewer`` may see who read it; anyone else: ``PostNotFound``."""
    announcement = access_announcement(viewer, post_id)
    if not can_see_receipts(viewer, announcement):
        raise PostNotFound
    return announcement
