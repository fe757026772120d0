"""Fill the rollup tables for whole days (local time). Idempotent: a day is recomputed in full.

Activity comes from the seen/feed path and from writes: a person is active on a day when they
saw a post (``feed.PostSeen``), posted, commented, reacted or sent a chat message. That costs no
extra write on the request path; the rollup turns it into one ``DailyActive`` row per person.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from torg.accounts.models import User
from torg.chat.models import Message
from torg.feed.models import PostSeen
from torg.groups.models import Group, Membership
from torg.insights.models import (
    DailyActive,
    GroupDay,
    GroupHour,
    NetworkDay,
    PostDay,
    SegmentDay,
)
from torg.insights.sentiment import is_negative
from torg.posts.models import Comment, Post, Reaction


def day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def _active_users_by_group(start: datetime, end: datetime) -> dict[int, set[int]]:
    """Who did something in each group between ``start`` and ``end``."""
    by_group: dict[int, set[int]] = defaultdict(set)
    sources = [
        Post.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
            "group_id", "author_id"
        ),
        Comment.objects.filter(created_at__gte=start, created_at__lt=end).values_list(
            "post__group_id", "author_id"
        ),
        Reaction.objects.filter(created_at__gte=start, created_at__lt=end)
        .annotate(gid=Coalesce("post__group_id", "comment__post__group_id"))
        .values_list("gid", "user_id"),
        PostSeen.objects.filter(seen_at__gte=start, seen_at__lt=end).values_list(
            "post__group_id", "user_id"
        ),
    ]
    for rows in sources:
        for group_id, user_id in rows.iterator(chunk_size=5000):
            if group_id is not None:
                by_group[group_id].add(user_id)
    return by_group


def do_roll_up_day(*, day: date) -> None:
    start, end = day_bounds(day)
    by_group = _active_users_by_group(start, end)
    active_ids: set[int] = set().union(*by_group.values()) if by_group else set()
    active_ids.update(
        Message.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("sender_id", flat=True)
        .distinct()
    )
    with transaction.atomic():
        DailyActive.objects.bulk_create(
            [DailyActive(user_id=uid, day=day) for uid in active_ids],
            ignore_conflicts=True,
            batch_size=2000,
        )
        _roll_up_network(day, start, end)
        _roll_up_segments(day)
        _roll_up_groups(day, start, end, by_group)
        # Topics, questions and contributors (torg/insights/topics.py, people.py).
        from torg.insights import people, topics

        topics.roll_up_topics_day(day, start, end)
        topics.roll_up_questions_day(day, start, end)
        people.roll_up_contributors_day(day, start, end)


def _roll_up_network(day: date, start: datetime, end: datetime) -> None:
    in_day = Q(created_at__gte=start, created_at__lt=end)
    post_authors = set(
        Post.objects.filter(in_day, deleted_at__isnull=True).values_list("author_id", flat=True)
    )
    comment_authors = set(
        Comment.objects.filter(in_day, deleted_at__isnull=True).values_list("author_id", flat=True)
    )
    NetworkDay.objects.update_or_create(
        day=day,
        defaults={
            "people": User.objects.filter(is_active=True, date_joined__lt=end).count(),
            "active": DailyActive.objects.filter(day=day).count(),
            "weekly_active": DailyActive.objects.filter(
                day__gt=day - timedelta(days=7), day__lte=day
            )
            .values("user_id")
            .distinct()
            .count(),
            "monthly_active": DailyActive.objects.filter(
                day__gt=day - timedelta(days=30), day__lte=day
            )
            .values("user_id")
            .distinct()
            .count(),
            "posters": len(post_authors | comment_authors),
            "posts": Post.objects.filter(in_day, deleted_at__isnull=True).count(),
            "comments": Comment.objects.filter(in_day, deleted_at__isnull=True).count(),
            "reactions": Reaction.objects.filter(in_day).count(),
            "messages": Message.objects.filter(in_day).count(),
            "sad_reactions": Reaction.objects.filter(in_day, kind=Reaction.Kind.SAD).count(),
            "negative_comments": sum(
                1
                for body in Comment.objects.filter(in_day, deleted_at__isnull=True)
                .values_list("body", flat=True)
                .iterator(chunk_size=2000)
                if is_negative(body)
            ),
        },
    )


def _roll_up_segments(day: date) -> None:
    active = DailyActive.objects.filter(day=day, user__is_active=True)
    for dimension, field in (("department", "department"), ("location", "location")):
        people = dict(
            User.objects.filter(is_active=True, **{f"{field}__isnull": False})
            .values_list(f"{field}_id", f"{field}__name")
            .annotate(n=Count("id"))
            .values_list(f"{field}_id", "n")
        )
        names = dict(
            User.objects.filter(is_active=True, **{f"{field}__isnull": False})
            .values_list(f"{field}_id", f"{field}__name")
            .distinct()
        )
        counts = dict(
            active.filter(**{f"user__{field}__isnull": False})
            .values_list(f"user__{field}_id")
            .annotate(n=Count("id"))
            .values_list(f"user__{field}_id", "n")
        )
        SegmentDay.objects.filter(day=day, dimension=dimension).delete()
        SegmentDay.objects.bulk_create(
            [
                SegmentDay(
                    dimension=dimension,
                    segment_id=segment_id,
                    name=names.get(segment_id, ""),
                    day=day,
                    people=n,
                    active=counts.get(segment_id, 0),
                )
                for segment_id, n in people.items()
            ]
        )


def _roll_up_groups(
    day: date, start: datetime, end: datetime, by_group: dict[int, set[int]]
) -> None:
    tz = timezone.get_current_timezone()
    members_by_group: dict[int, set[int]] = defaultdict(set)
    for group_id, user_id in (
        Membership.objects.filter(created_at__lt=end)
        .values_list("group_id", "user_id")
        .iterator(chunk_size=5000)
    ):
        members_by_group[group_id].add(user_id)
    in_day = Q(created_at__gte=start, created_at__lt=end)
    posts = dict(
        Post.objects.filter(in_day, deleted_at__isnull=True)
        .values_list("group_id")
        .annotate(n=Count("id"))
        .values_list("group_id", "n")
    )
    comments = dict(
        Comment.objects.filter(in_day, deleted_at__isnull=True)
        .values_list("post__group_id")
        .annotate(n=Count("id"))
        .values_list("post__group_id", "n")
    )
    reactions = dict(
        Reaction.objects.filter(in_day, post__isnull=False)
        .values_list("post__group_id")
        .annotate(n=Count("id"))
        .values_list("post__group_id", "n")
    )
    readers: dict[int, set[int]] = defaultdict(set)
    for group_id, user_id in PostSeen.objects.filter(
        seen_at__gte=start, seen_at__lt=end
    ).values_list("post__group_id", "user_id"):
        readers[group_id].add(user_id)
    rows = []
    for group_id in Group.objects.values_list("pk", flat=True):
        members = members_by_group.get(group_id, set())
        rows.append(
            GroupDay(
                group_id=group_id,
                day=day,
                members=len(members),
                active_members=len(by_group.get(group_id, set()) & members),
                readers=len(readers.get(group_id, set())),
                posts=posts.get(group_id, 0),
                comments=comments.get(group_id, 0),
                reactions=reactions.get(group_id, 0),
            )
        )
    GroupDay.objects.filter(day=day).delete()
    GroupDay.objects.bulk_create(rows, batch_size=2000)
    # Best times to post: engagement a post earned so far, by the local hour it was posted.
    hours: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for group_id, created_at, comment_count, reaction_count in Post.objects.filter(
        in_day,
        deleted_at__isnull=True,
        group__isnull=False,  # profile posts have no group row
    ).values_list("group_id", "created_at", "comment_count", "reaction_count"):
        cell = hours[(group_id, created_at.astimezone(tz).hour)]
        cell[0] += 1
        cell[1] += comment_count + reaction_count
    _roll_up_posts(day, in_day)
    GroupHour.objects.filter(day=day).delete()
    GroupHour.objects.bulk_create(
        [
            GroupHour(group_id=g, day=day, hour=h, posts=p, engagement=e)
            for (g, h), (p, e) in hours.items()
        ]
    )


# "What engages": posts seen by fewer people than this get no engagement rate (too noisy).
MIN_SEEN_FOR_RATE = 5
# "What frustrates": posts with fewer reactions + comments than this get no negative share.
MIN_SIGNALS_FOR_SHARE = 5
REACTION_FIELDS = {kind.value: f"{kind.value}_reactions" for kind in Reaction.Kind}


def _roll_up_posts(day: date, in_day: Q) -> None:
    """One ``PostDay`` per group post published on ``day``, from its counters, its reactions by
    kind and its comments' sentiment (only that day's posts: rows under a few indexes)."""
    posts = list(
        Post.objects.filter(in_day, deleted_at__isnull=True, group__isnull=False).values_list(
            "pk", "group_id", "seen_count", "comment_count", "reaction_count", "share_count"
        )
    )
    post_ids = [row[0] for row in posts]
    kinds: dict[int, dict[str, int]] = defaultdict(dict)
    negative: dict[int, int] = defaultdict(int)
    for start in range(0, len(post_ids), 2000):
        batch = post_ids[start : start + 2000]
        for post_id, kind, n in (
            Reaction.objects.filter(post_id__in=batch, comment__isnull=True)
            .values_list("post_id", "kind")
            .annotate(n=Count("id"))
            .values_list("post_id", "kind", "n")
        ):
            kinds[post_id][kind] = n
        for post_id, body in (
            Comment.objects.filter(post_id__in=batch, deleted_at__isnull=True)
            .values_list("post_id", "body")
            .iterator(chunk_size=2000)
        ):
            if is_negative(body):
                negative[post_id] += 1
    rows = []
    for pk, group_id, seen, comments, reactions, shares in posts:
        engagement = comments + reactions + shares
        signals = comments + reactions
        by_kind = kinds.get(pk, {})
        sad = by_kind.get(Reaction.Kind.SAD, 0)
        rows.append(
            PostDay(
                post_id=pk,
                group_id=group_id,
                day=day,
                seen=seen,
                comments=comments,
                reactions=reactions,
                shares=shares,
                engagement=engagement,
                negative_comments=negative.get(pk, 0),
                engagement_rate=(
                    round(engagement / seen, 4) if seen >= MIN_SEEN_FOR_RATE else None
                ),
                negative_share=(
                    round((sad + negative.get(pk, 0)) / signals, 4)
                    if signals >= MIN_SIGNALS_FOR_SHARE
                    else None
                ),
                **{field: by_kind.get(kind, 0) for kind, field in REACTION_FIELDS.items()},
            )
        )
    PostDay.objects.filter(day=day).delete()
    PostDay.objects.bulk_create(rows, batch_size=2000)


def do_roll_up_recent_days(*, today: date | None = None, days: int = 2) -> list[date]:
    today = today or timezone.localdate()
    done = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        do_roll_up_day(day=day)
        done.append(day)
    return done
