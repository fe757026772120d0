"""Who may read which dashboard. Hidden groups answer with the groups app's own 404."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.http import Http404

from torg.governance.roles import has_role
from torg.groups.access import (
    GroupNotFound,
    access_group_by_slug,
    as_person,
    content_visible_groups,
)
from torg.groups.models import Group, Membership
from torg.posts.access import PostNotFound, parse_id, role_in
from torg.posts.models import Post

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

# Breakdowns by department or location are hidden for segments smaller than this.
MIN_SEGMENT_SIZE = 5


def can_view_network(user: User | AnonymousUser) -> bool:
    return has_role(user, "communications")


def check_network_access(user: User | AnonymousUser) -> None:
    """Like governance pages, a dashboard someone is not entitled to answers 404."""
    if not can_view_network(user):
        raise Http404("Not found")


def insight_groups(user: User | AnonymousUser, *, limit: int = 100) -> list[Group]:
    """Groups whose dashboard ``user`` may open: groups they run; for communications, also the
    largest non-secret groups."""
    if not user.is_authenticated or getattr(user, "is_guest", False):
        return []
    admin_of = Membership.objects.filter(user_id=user.pk, role=Membership.Role.ADMIN).values(
        "group_id"
    )
    groups = Group.objects.filter(pk__in=admin_of)
    if can_view_network(user):  # network admins too: secret groups stay with their admins
        groups = Group.objects.filter(Q(pk__in=admin_of) | ~Q(privacy=Group.Privacy.SECRET))
    return list(groups.order_by("-member_count", "name")[:limit])


def may_read_posts(user: User | AnonymousUser, group: Group) -> bool:
    """Post excerpts in "top posts" only for those who may read the group's posts anyway."""
    return content_visible_groups(user).filter(pk=group.pk).exists()


def access_group_insights(user: User | AnonymousUser, slug: str) -> Group:
    """The group's admins, and communications (network admins included) for non-secret groups.

    Everyone else gets the "not found" a nonexistent group gets. Secret groups' figures are for
    their own admins only, as their content is for their members only.
    """
    group = access_group_by_slug(user, slug)
    person = as_person(user)
    if person is None:
        raise GroupNotFound
    is_admin = Membership.objects.filter(
        group=group, user=person, role=Membership.Role.ADMIN
    ).exists()
    if is_admin or (group.privacy != Group.Privacy.SECRET and can_view_network(user)):
        return group
    raise GroupNotFound


@dataclass(frozen=True)
class PostInsightsAccess:
    """A post whose insights the viewer may open, and what of it they may see."""

    post: Post
    show_names: bool  # who saw it: the author and the group's admins (as the feed's seen-by)
    may_read: bool  # the post's text: only for those who may read the post anyway


def access_post_insights(user: User | AnonymousUser, post_id: Any) -> PostInsightsAccess:
    """The post's author, its group's admins, and communications people (network admins
    included) for posts outside secret groups; a secret group's posts only if they may read
    them. Everyone else gets the "not found" of a post that does not exist."""
    person = as_person(user)
    pk = parse_id(post_id)
    if person is None or pk is None:
        raise PostNotFound
    post = (
        Post.objects.select_related("author", "group")
        .filter(pk=pk, deleted_at__isnull=True)
        .first()
    )
    if post is None:
        raise PostNotFound
    role = role_in(person, post.group_id) if post.group_id is not None else None
    is_author = post.author_id == person.pk
    is_admin = role == Membership.Role.ADMIN
    if is_author or is_admin:
        return PostInsightsAccess(post=post, show_names=True, may_read=True)
    if not can_view_network(person):
        raise PostNotFound
    group = post.group
    if group is None or group.privacy == Group.Privacy.OPEN:
        return PostInsightsAccess(post=post, show_names=False, may_read=True)
    if group.privacy == Group.Privacy.CLOSED:
        return PostInsightsAccess(post=post, show_names=False, may_read=role is not None)
    if role is not None:  # a secret group they belong to
        return PostInsightsAccess(post=post, show_names=False, may_read=True)
    raise PostNotFound
