"""Who may see and run a live broadcast. Hidden broadcasts answer exactly like missing ones.

- See (page, playlist, segments, status, viewer count): whoever may read its post
  (``torg.posts.access.visible_posts``), decided afresh on every request, so a person removed
  from a secret group loses the stream at the next segment.
- Run (go live, stop, see and rotate the stream key): admins of the broadcast's group and
  network admins who may see it.
- Schedule: admins of the group (network admins too, where they may post).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404

from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.live.models import Broadcast
from torg.posts.access import parse_id, role_in, visible_posts

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


class BroadcastNotFound(Http404):
    """Raised for unknown and hidden broadcasts alike."""

    def __init__(self) -> None:
        super().__init__("Not found")


def visible_broadcasts(viewer: User | AnonymousUser) -> Any:
    return Broadcast.objects.filter(post__in=visible_posts(viewer).values("pk"))


def access_broadcast(viewer: User | AnonymousUser, broadcast_id: Any) -> Broadcast:
    pk = parse_id(broadcast_id)
    if pk is None:
        raise BroadcastNotFound
    broadcast = (
        visible_broadcasts(viewer)
        .select_related("post", "group", "created_by")
        .filter(pk=pk)
        .first()
    )
    if broadcast is None:
        raise BroadcastNotFound
    return broadcast


def may_broadcast_in(user: User | AnonymousUser, group: Group) -> bool:
    person = as_person(user)
    if person is None:
        return False
    if person.is_network_admin:
        return True
    return role_in(person, group.pk) == Membership.Role.ADMIN


def may_run(user: User | AnonymousUser, broadcast: Broadcast) -> bool:
    """Go live, stop, see or rotate the key (the caller already checked visibility)."""
    return may_broadcast_in(user, broadcast.group)
