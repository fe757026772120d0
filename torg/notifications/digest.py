"""The daily or weekly "What you missed" e-mail.

When: the periodic task ``tasks.send_digests`` (every 15 minutes) sends a person their digest
once their local time (``User.time_zone``, else ``settings.TIME_ZONE``) is past ``MORNING``
(07:00) and outside their quiet hours, and
- daily: no digest yet on this local day;
- weekly: none in the last 7 local days (so it keeps the weekday it first went out on).
The first digest covers the last day or week. Each run records ``last_digest_at`` even when there
was nothing to say (nothing is sent then), so the next digest covers what came after.

What (:func:`build_digest`), only from the window since the last digest:
- top posts: up to ``TOP_POSTS`` posts in groups the person is a member of *now*, that they may
  see, did not write and have not seen (``feed.PostSeen``), not in a group at level "off" or
  muted, not by a muted person, not a muted post; ranked by engagement
  (reactions + 2·comments + 3·shares, then newest);
- unanswered mentions: mentions of the person in posts or comments they may see, where they have
  not commented on the post since (up to ``MENTIONS``);
- the unread notification count (the bell's).
Sent only when there are posts or mentions, or notifications arrived since the last digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from torg.feed.models import PostSeen
from torg.groups.models import Membership
from torg.notifications.emails import absolute, excerpt, send_email
from torg.notifications.models import (
    EmailPreference,
    GroupNotificationLevel,
    Mute,
    Notification,
)
from torg.notifications.quiet import in_quiet_hours, local_now
from torg.notifications.rules import active_mute_filter
from torg.posts.access import visible_posts
from torg.posts.models import Comment, Mention, Post

if TYPE_CHECKING:
    from torg.accounts.models import User

Digest = EmailPreference.Digest
MORNING = time(7, 0)
TOP_POSTS = 5
MENTIONS = 10
PERIODS: dict[str, timedelta] = {Digest.DAILY: timedelta(days=1), Digest.WEEKLY: timedelta(days=7)}
BATCH = 500


@dataclass
class MentionItem:
    post: Post
    comment: Comment | None
    by: Any
    at: datetime


@dataclass
class DigestContent:
    since: datetime
    posts: list[Post]
    mentions: list[MentionItem]
    unread: int
    new_notifications: int

    @property
    def is_empty(self) -> bool:
        return not self.posts and not self.mentions and not self.new_notifications


def is_due(person: User, preference: EmailPreference, now: datetime) -> bool:
    if preference.unsubscribed or preference.digest not in PERIODS:
        return False
    local = local_now(person, now)
    if local.time() < MORNING:
        return False
    if in_quiet_hours(person, preference.quiet_start, preference.quiet_end, now):
        return False
    last = preference.last_digest_at
    if last is None:
        return True
    last_day = local_now(person, last).date()
    days = 1 if preference.digest == Digest.DAILY else 7
    return (local.date() - last_day).days >= days


def _muted(person: User, now: datetime) -> dict[str, list[int]]:
    targets: dict[str, list[int]] = {kind: [] for kind in Mute.TargetKind.values}
    for kind, target_id in Mute.objects.filter(active_mute_filter(now), user=person).values_list(
        "target_kind", "target_id"
    ):
        targets[kind].append(target_id)
    return targets


def build_digest(person: User, *, since: datetime, now: datetime) -> DigestContent:
    muted = _muted(person, now)
    silent_groups = list(
        GroupNotificationLevel.objects.filter(
            user=person, level=GroupNotificationLevel.Level.OFF
        ).values_list("group_id", flat=True)
    )
    my_groups = Membership.objects.filter(user=person).values("group_id")
    posts: list[Post] = list(
        visible_posts(person)
        .filter(group_id__in=my_groups, created_at__gt=since, created_at__lte=now)
        .exclude(author=person)
        .exclude(group_id__in=silent_groups + muted["group"])
        .exclude(author_id__in=muted["person"])
        .exclude(pk__in=muted["post"])
        .exclude(Exists(PostSeen.objects.filter(post=OuterRef("pk"), user=person)))
        .annotate(engagement=F("reaction_count") + 2 * F("comment_count") + 3 * F("share_count"))
        .select_related("author", "group")
        .order_by("-engagement", "-created_at", "-id")[:TOP_POSTS]
    )
    answered_post = Comment.objects.filter(
        post=OuterRef("post_id"), author=person, deleted_at__isnull=True
    )
    rows = (
        Mention.objects.filter(user=person, post__in=visible_posts(person))
        .filter(
            Q(comment__isnull=True, post__created_at__gt=since)
            | Q(
                comment__isnull=False,
                comment__deleted_at__isnull=True,
                comment__created_at__gt=since,
            )
        )
        .exclude(post__author_id__in=muted["person"], comment__isnull=True)
        .exclude(comment__author_id__in=muted["person"])
        .exclude(post_id__in=muted["post"])
        .exclude(Q(comment__isnull=True) & Exists(answered_post))
        .exclude(
            Q(comment__isnull=False)
            & Exists(answered_post.filter(created_at__gt=OuterRef("comment__created_at")))
        )
        .exclude(post__author=person, comment__isnull=True)
        .select_related("post", "post__author", "post__group", "comment", "comment__author")
        .order_by("-id")[:MENTIONS]
    )
    mentions = [
        MentionItem(
            post=m.post,
            comment=m.comment,
            by=m.comment.author if m.comment is not None else m.post.author,
            at=m.comment.created_at if m.comment is not None else m.post.created_at,
        )
        for m in rows
        if m.post is not None
    ]
    unread = Notification.objects.filter(recipient=person, read_at__isnull=True)
    return DigestContent(
        since=since,
        posts=posts,
        mentions=mentions,
        unread=unread.count(),
        new_notifications=unread.filter(updated_at__gt=since).count(),
    )


def _context(person: User, content: DigestContent, period: str) -> dict[str, Any]:
    return {
        "daily": period == Digest.DAILY,
        "posts": [
            {
                "post": post,
                "excerpt": excerpt(post, 200),
                "url": absolute(reverse("posts:detail", args=[post.pk])),
            }
            for post in content.posts
        ],
        "mentions": [
            {
                "by": item.by.name,
                "group": item.post.group.name if item.post.group is not None else "",
                "in_comment": item.comment is not None,
                "excerpt": excerpt(item.comment or item.post, 160),
                "url": absolute(
                    reverse("posts:detail", args=[item.post.pk])
                    + (f"#comment-{item.comment.pk}" if item.comment is not None else "")
                ),
            }
            for item in content.mentions
        ],
        "unread": content.unread,
        "list_url": absolute(reverse("notifications:list")),
        "home_url": absolute(reverse("core:home")),
    }


def send_digest(person: User, *, now: datetime | None = None) -> bool:
    """Send ``person`` their digest if one is due; True if an e-mail went out. Safe to run twice:
    the run is claimed by moving ``last_digest_at`` with a conditional update."""
    now = now or timezone.now()
    if not person.is_active or not person.email:
        return False
    preference, _created = EmailPreference.objects.get_or_create(user=person)
    if not is_due(person, preference, now):
        return False
    previous = preference.last_digest_at
    claim = EmailPreference.objects.filter(pk=preference.pk)
    claim = (
        claim.filter(last_digest_at__isnull=True)
        if previous is None
        else claim.filter(last_digest_at=previous)
    )
    if not claim.update(last_digest_at=now):
        return False
    since = previous or now - PERIODS[preference.digest]
    content = build_digest(person, since=since, now=now)
    if content.is_empty:
        return False
    try:
        send_email(
            user=person,
            template="digest",
            category="digest",
            context=lambda: _context(person, content, preference.digest),
        )
    except Exception:
        EmailPreference.objects.filter(pk=preference.pk, last_digest_at=now).update(
            last_digest_at=previous
        )
        raise
    return True


def send_digests(*, now: datetime | None = None) -> list[int]:
    """Every person whose digest is due (see the module doc); returns the ids e-mailed."""
    now = now or timezone.now()
    # A cheap pre-filter in SQL (a day's or a week's digest went out lately); ``is_due`` then
    # decides with the person's local time.
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(email="")
        .exclude(email_preference__unsubscribed=True)
        .exclude(email_preference__digest=Digest.OFF)
        .exclude(email_preference__last_digest_at__gt=now - timedelta(hours=20))
        .exclude(
            email_preference__digest=Digest.WEEKLY,
            email_preference__last_digest_at__gt=now - timedelta(days=6),
        )
        .select_related("email_preference")
        .order_by("pk")
    )
    sent: list[int] = []
    for person in people.iterator(chunk_size=BATCH):
        try:
            preference = person.email_preference
        except EmailPreference.DoesNotExist:
            preference = EmailPreference(user=person)
        if not is_due(person, preference, now):
            continue
        if send_digest(person, now=now):
            sent.append(person.pk)
    return sent
