"""Writes that shape a person's feed: follows, per-group feed choices, and "seen by".

Decisions:
- Following is idempotent: following twice is one follow; unfollowing what you do not follow is
  a no-op.
- A GroupFeedSetting row is stored only when it differs from the default: members (and everyone
  for a company-wide group) have a group in their feed by default; a row with in_feed False
  unfollows it. Non-members may follow only open groups (row with in_feed True). Closed groups
  are refused; secret groups they are not in answer "not found".
- ``do_record_seen`` is called by the feed pages for the posts they render (no beacon): one
  query finds the newly seen visible posts, one bulk insert (ignore_conflicts) records them, one
  UPDATE recounts ``Post.seen_count`` from PostSeen for those posts only, so two racing requests
  can never count a person twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow, PostSeen
from torg.feed.sources_cache import sources_changed
from torg.groups.access import GroupNotFound, as_person
from torg.groups.models import Group, Membership
from torg.posts.access import visible_posts
from torg.posts.models import Hashtag, Post

if TYPE_CHECKING:
    from torg.accounts.models import User

MAX_SEEN_BATCH = 100


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in first."))
    return person


# --- people --------------------------------------------------------------------------------------


def check_follow_person(*, follower: User, followee: User) -> None:
    person = _require_person(follower)
    if person.pk == followee.pk:
        raise ValidationError(_("You cannot follow yourself."))
    if not followee.is_active:
        raise ValidationError(_("This person is no longer here."))


def do_follow_person(*, follower: User, followee: User) -> None:
    """``followee`` must come from ``torg.people.access.access_person``."""
    check_follow_person(follower=follower, followee=followee)
    PersonFollow.objects.bulk_create(
        [PersonFollow(follower=follower, followee=followee)], ignore_conflicts=True
    )
    sources_changed([follower.pk])  # bulk_create sends no post_save


def do_unfollow_person(*, follower: User, followee: User) -> None:
    _require_person(follower)
    PersonFollow.objects.filter(follower=follower, followee=followee).delete()


# --- topics --------------------------------------------------------------------------------------


def check_follow_hashtag(*, user: User, hashtag: Hashtag) -> None:
    _require_person(user)


def do_follow_hashtag(*, user: User, hashtag: Hashtag) -> None:
    """``hashtag`` must come from ``torg.feed.selectors.access_topic``."""
    check_follow_hashtag(user=user, hashtag=hashtag)
    HashtagFollow.objects.bulk_create(
        [HashtagFollow(user=user, hashtag=hashtag)], ignore_conflicts=True
    )
    sources_changed([user.pk])  # bulk_create sends no post_save


def do_unfollow_hashtag(*, user: User, hashtag: Hashtag) -> None:
    _require_person(user)
    HashtagFollow.objects.filter(user=user, hashtag=hashtag).delete()


# --- groups in my feed ---------------------------------------------------------------------------


def check_set_group_in_feed(*, user: User, group: Group, in_feed: bool) -> bool:
    """Validate; return whether ``user`` is a member. Secret non-members get "not found"."""
    person = _require_person(user)
    is_member = Membership.objects.filter(user=person, group=group).exists()
    if is_member:
        return True
    if group.privacy == Group.Privacy.SECRET:
        raise GroupNotFound
    if group.privacy == Group.Privacy.CLOSED:
        raise PermissionDenied(_("Closed groups can only be followed by joining them."))
    if person.is_guest:
        raise PermissionDenied(_("Guests see only the groups they are in."))
    return False


def do_set_group_in_feed(*, user: User, group: Group, in_feed: bool) -> None:
    """Members: unfollow (False) or refollow (True). Non-members: follow an open group (True)
    or stop following it (False)."""
    with transaction.atomic():
        is_member = check_set_group_in_feed(user=user, group=group, in_feed=in_feed)
        default = is_member or group.is_company_wide
        if in_feed == default:
            GroupFeedSetting.objects.filter(user=user, group=group).delete()
        else:
            GroupFeedSetting.objects.update_or_create(
                user=user, group=group, defaults={"in_feed": in_feed}
            )


# --- seen by -------------------------------------------------------------------------------------


def check_record_seen(*, viewer: User, post_ids: Iterable[int]) -> list[int]:
    _require_person(viewer)
    ids = sorted({pk for pk in post_ids if isinstance(pk, int) and not isinstance(pk, bool)})
    if len(ids) > MAX_SEEN_BATCH:
        raise ValidationError(_("Too many posts at once."))
    return ids


def do_record_seen(*, viewer: User, post_ids: Iterable[int]) -> list[int]:
    """Record that ``viewer`` saw these posts; return the ids seen for the first time.

    Posts the viewer may not see and their own posts are ignored. Three queries at most.
    """
    ids = check_record_seen(viewer=viewer, post_ids=post_ids)
    if not ids:
        return []
    already = PostSeen.objects.filter(post=OuterRef("pk"), user=viewer)
    new_ids = list(
        visible_posts(viewer)
        .filter(pk__in=ids)
        .exclude(author=viewer)
        .exclude(Exists(already))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not new_ids:
        return []
    now = timezone.now()
    with transaction.atomic():
        PostSeen.objects.bulk_create(
            [PostSeen(post_id=pk, user=viewer, seen_at=now) for pk in new_ids],
            ignore_conflicts=True,
        )
        # Recount rather than increment: a racing request that inserted the same rows cannot
        # make a person count twice.
        count = (
            PostSeen.objects.filter(post=OuterRef("pk"))
            .order_by()
            .values("post")
            .annotate(n=Count("pk"))
            .values("n")
        )
        Post.objects.filter(pk__in=new_ids).update(
            seen_count=Coalesce(Subquery(count, output_field=IntegerField()), 0)
        )
    return new_ids
