"""TEMPORARY stand-ins for torg.feed.selectors.home_feed and torg.posts.actions.do_create_post.

They follow the contracts the real functions are being written to, so bench.feed can be tested
before they land. Remove this file when both real functions exist; bench.feed uses the real ones
automatically as soon as they import.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.html import escape

from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow
from torg.groups.models import Group, Membership
from torg.posts.models import Post, PostHashtag

if TYPE_CHECKING:
    from torg.accounts.models import User


@dataclass
class FeedPage:
    posts: list[Post]
    next_cursor: str | None


def _encode(post: Post) -> str:
    raw = f"{post.created_at.isoformat()}|{post.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode(cursor: str) -> tuple[dt.datetime, int]:
    stamp, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
    return dt.datetime.fromisoformat(stamp), int(pk)


def home_feed(
    viewer: User, *, order: str = "recent", cursor: str | None = None, limit: int = 20
) -> FeedPage:
    """Posts from my groups (unless unfollowed), followed open groups, company-wide groups, and
    people and hashtags I follow where I may see them; newest first, keyset by (created_at, id)."""
    member_of = set(Membership.objects.filter(user=viewer).values_list("group_id", flat=True))
    in_feed = dict(
        GroupFeedSetting.objects.filter(user=viewer)
        .filter(Q(in_feed=False) | Q(group__privacy=Group.Privacy.OPEN))
        .values_list("group_id", "in_feed")
    )
    feed_groups = {g for g in member_of if in_feed.get(g, True)}
    feed_groups |= {g for g, on in in_feed.items() if on}
    feed_groups |= set(Group.objects.filter(is_company_wide=True).values_list("id", flat=True))
    followees = list(PersonFollow.objects.filter(follower=viewer).values_list("followee_id"))
    tags = list(HashtagFollow.objects.filter(user=viewer).values_list("hashtag_id", flat=True))
    followed = Q(author_id__in=[f for (f,) in followees])
    if tags:
        followed |= Q(Exists(PostHashtag.objects.filter(post=OuterRef("pk"), hashtag_id__in=tags)))
    may_see = Q(group__isnull=True) | Q(group_id__in=member_of) | Q(group__privacy="open")
    wanted = Q(group_id__in=feed_groups) | (followed & may_see)
    posts = Post.objects.filter(wanted, deleted_at__isnull=True)
    if cursor:
        stamp, pk = _decode(cursor)
        posts = posts.filter(Q(created_at__lt=stamp) | Q(created_at=stamp, pk__lt=pk))
    rows = list(
        posts.select_related("author", "group")
        .prefetch_related("attachments", "post_hashtags__hashtag")
        .order_by("-created_at", "-id")[: limit + 1]
    )
    next_cursor = _encode(rows[limit - 1]) if len(rows) > limit else None
    return FeedPage(posts=rows[:limit], next_cursor=next_cursor)


def do_create_post(*, author: User, group: Group | None, body: str) -> Post:
    with transaction.atomic():
        return Post.objects.create(
            author=author,
            group=group,
            body=body,
            body_html=f"<p>{escape(body)}</p>",
            created_at=timezone.now(),
        )
