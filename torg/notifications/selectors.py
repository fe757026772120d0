"""Reads for the notification pages and API, each a fixed number of queries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from torg.groups.access import as_person, visible_groups
from torg.groups.models import Group, Membership
from torg.notifications.models import (
    GOVERNANCE_KINDS,
    GroupNotificationLevel,
    Mute,
    Notification,
    PostFollow,
)
from torg.notifications.rules import active_mute_filter, default_level
from torg.posts.access import parse_id, visible_posts

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

PAGE_SIZE = 30
# Chat notifications carry their conversation (and message) in the aggregation key (torg.chat).
_CHAT_KEY = re.compile(r"chat-(?:mention|direct):c(?P<conversation>\d+)(?::m(?P<seq>\d+))?$")
MAX_PAGE_SIZE = 100
Kind = Notification.Kind
Reason = Notification.Reason


class InvalidCursor(ValueError):
    pass


def unread_count(user: User | AnonymousUser) -> int:
    """Unread notifications of ``user`` (0 for anyone not signed in), in one query."""
    person = as_person(user)
    if person is None:
        return 0
    return Notification.objects.filter(recipient=person, read_at__isnull=True).count()


@dataclass
class NotificationPage:
    items: list[Notification]
    next_before: int | None


def notification_page(
    user: User, *, before: Any = None, limit: int = PAGE_SIZE
) -> NotificationPage:
    """Newest first (by last activity), keyset-paged on (updated_at, id); 2 queries at most."""
    limit = max(1, min(int(limit), MAX_PAGE_SIZE))
    rows = Notification.objects.filter(recipient=user)
    if before is not None:
        pk = parse_id(before)
        anchor = rows.filter(pk=pk).values_list("updated_at", "id").first() if pk else None
        if anchor is None:
            raise InvalidCursor
        at, anchor_id = anchor
        rows = rows.filter(Q(updated_at__lt=at) | Q(updated_at=at, id__lt=anchor_id))
    page = list(
        rows.select_related("actor", "post", "comment", "group").order_by("-updated_at", "-id")[
            : limit + 1
        ]
    )
    more = len(page) > limit
    page = page[:limit]
    return NotificationPage(items=page, next_before=page[-1].pk if more and page else None)


# --- presentation --------------------------------------------------------------------------------


def describe(notification: Notification) -> str:
    """ "Kari and 12 others reacted to your post", in the active language."""
    actor = notification.actor.name if notification.actor is not None else _("Someone")
    others = max(notification.actor_count - 1, 0)
    group = notification.group.name if notification.group is not None else ""
    values = {"actor": actor, "count": others, "group": group}
    kind = notification.kind
    if kind == Kind.REACTION:
        if not others:
            return _("%(actor)s reacted to your post") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other reacted to your post",
                "%(actor)s and %(count)d others reacted to your post",
                others,
            )
            % values
        )
    if kind == Kind.REPLY and notification.reason == Reason.YOUR_COMMENT:
        if not others:
            return _("%(actor)s replied to your comment") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other replied to your comment",
                "%(actor)s and %(count)d others replied to your comment",
                others,
            )
            % values
        )
    if kind == Kind.REPLY:
        if not others:
            return _("%(actor)s commented on your post") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other commented on your post",
                "%(actor)s and %(count)d others commented on your post",
                others,
            )
            % values
        )
    if kind == Kind.FOLLOWED_COMMENT:
        if not others:
            return _("%(actor)s commented on a post you follow") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other commented on a post you follow",
                "%(actor)s and %(count)d others commented on a post you follow",
                others,
            )
            % values
        )
    if kind == Kind.JOIN_REQUEST:
        if not others:
            return _("%(actor)s asked to join %(group)s") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other asked to join %(group)s",
                "%(actor)s and %(count)d others asked to join %(group)s",
                others,
            )
            % values
        )
    if kind == Kind.MENTION and notification.aggregation_key.startswith("chat-"):
        return _("%(actor)s mentioned you in a chat") % values
    if kind == Kind.MENTION:
        return _("%(actor)s mentioned you") % values
    if kind == Kind.GROUP_POST:
        return _("%(actor)s posted in %(group)s") % values
    if kind == Kind.REQUEST_APPROVED:
        return _("Your request to join %(group)s was approved") % values
    if kind == Kind.INVITATION:
        return _("%(actor)s invited you to %(group)s") % values
    if kind == Kind.ANNOUNCEMENT:
        return _("Announcement from %(actor)s in %(group)s: please read it") % values
    if kind == Kind.ANNOUNCEMENT_REMINDER:
        return _("Reminder: you have not read the announcement in %(group)s yet") % values
    if kind == Kind.LIVE_REMINDER:
        return _("%(actor)s goes live in %(group)s soon") % values
    if kind == Kind.CHAT_MESSAGE:
        if not others:
            return _("%(actor)s sent you a message") % values
        return (
            ngettext(
                "%(actor)s and %(count)d other sent you messages",
                "%(actor)s and %(count)d others sent you messages",
                others,
            )
            % values
        )
    if kind == Kind.POLL_CLOSED:
        if notification.reason == Reason.YOUR_POLL:
            return _("Your poll has closed: see the results") % values
        return _("A poll you voted in has closed: see the results") % values
    if kind in GOVERNANCE_KINDS:
        return _describe_governance(notification, values)
    return _("New activity")


def _describe_governance(notification: Notification, values: dict[str, Any]) -> str:
    """Moderation outcomes and group life cycle (see ``torg.notifications.governance``)."""
    data = notification.data if isinstance(notification.data, dict) else {}
    kind = notification.kind
    outcome, target = str(data.get("outcome") or ""), str(data.get("target") or "")
    if kind == Kind.REPORT_OUTCOME:
        texts = {
            ("hidden", "post"): _("Your report was reviewed: the post was hidden"),
            ("hidden", "comment"): _("Your report was reviewed: the comment was hidden"),
            ("hidden", "message"): _("Your report was reviewed: the message was hidden"),
            ("removed", "post"): _("Your report was reviewed: the post was removed"),
            ("removed", "comment"): _("Your report was reviewed: the comment was removed"),
            ("removed", "message"): _("Your report was reviewed: the message was removed"),
        }
        if (outcome, target) in texts:
            return texts[(outcome, target)]
        if outcome == "warned":
            return _("Your report was reviewed: the author was warned")
        return _("Your report was reviewed and dismissed: no action was needed")
    if kind == Kind.MODERATION_WARNING:
        texts = {
            ("hidden", "post"): _("A moderator hid your post"),
            ("hidden", "comment"): _("A moderator hid your comment"),
            ("hidden", "message"): _("A moderator hid your message"),
            ("removed", "post"): _("A moderator removed your post"),
            ("removed", "comment"): _("A moderator removed your comment"),
            ("removed", "message"): _("A moderator removed your message"),
            ("warned", "post"): _("A moderator warned you about your post"),
            ("warned", "comment"): _("A moderator warned you about your comment"),
            ("warned", "message"): _("A moderator warned you about your message"),
        }
        return texts.get((outcome, target), _("A moderator looked at something you wrote"))
    if kind == Kind.GROUP_REVIEW:
        days = int(data.get("days") or 0)
        return ngettext(
            "%(group)s has had no activity for %(days)d day: keep it or archive it?",
            "%(group)s has had no activity for %(days)d days: keep it or archive it?",
            days,
        ) % {**values, "days": days}
    if kind == Kind.GROUP_REQUEST:
        return _("%(actor)s created %(group)s: it awaits your approval") % values
    if data.get("approved"):
        return _("Your new group %(group)s was approved") % values
    return _("Your new group %(group)s was not approved: it is archived") % values


def detail(notification: Notification) -> str:
    """A line shown under the text: the moderator's note on a moderation outcome, else empty."""
    if notification.kind not in GOVERNANCE_KINDS or not isinstance(notification.data, dict):
        return ""
    return str(notification.data.get("note") or "")


def _governance_url(notification: Notification) -> str:
    data = notification.data if isinstance(notification.data, dict) else {}
    group = notification.group
    if notification.kind in (Kind.REPORT_OUTCOME, Kind.MODERATION_WARNING):
        post_id = data.get("post")
        if isinstance(post_id, int):
            url = reverse("posts:detail", args=[post_id])
            comment_id = data.get("comment")
            return f"{url}#comment-{comment_id}" if isinstance(comment_id, int) else url
        return reverse("governance:guidelines")
    if group is None:
        return reverse("core:home")
    if notification.kind == Kind.GROUP_REVIEW:
        return reverse("governance:group_lifecycle", args=[group.slug])
    if notification.kind == Kind.GROUP_REQUEST:
        return reverse("governance:groups")
    return reverse("groups:detail", args=[group.slug])


def target_url(notification: Notification) -> str:
    if chat := _CHAT_KEY.match(notification.aggregation_key):
        url = reverse("chat:conversation", args=[int(chat["conversation"])])
        return f"{url}#m{chat['seq']}" if chat["seq"] else url
    if notification.kind in GOVERNANCE_KINDS:
        return _governance_url(notification)
    if notification.post_id is not None:
        url = reverse("posts:detail", args=[notification.post_id])
        return f"{url}#comment-{notification.comment_id}" if notification.comment_id else url
    group = notification.group
    if group is None:
        return reverse("core:home")
    if notification.kind == Kind.JOIN_REQUEST:
        return reverse("groups:requests", args=[group.slug])
    return reverse("groups:detail", args=[group.slug])


def settings_url(notification: Notification) -> str:
    """Where to change the setting that sent ``notification``."""
    base = reverse("notifications:settings")
    if notification.kind in GOVERNANCE_KINDS:
        # Nothing to mute or follow: what can be changed is whether it is e-mailed.
        return f"{base}#email"
    if notification.reason in (Reason.GROUP_ALL, Reason.GROUP_HIGHLIGHTS, Reason.GROUP_MODERATOR):
        return f"{base}?group={notification.group_id}#group-{notification.group_id}"
    if notification.post_id is not None:
        return f"{base}?post={notification.post_id}#mute"
    if notification.group_id is not None:
        return f"{base}?group={notification.group_id}#mute"
    return base


def day_label(day: date, today: date) -> str:
    delta = (today - day).days
    if delta == 0:
        return _("Today")
    if delta == 1:
        return _("Yesterday")
    return date_format(day, "DATE_FORMAT")


@dataclass
class Row:
    notification: Notification
    text: str
    reason: str
    url: str
    settings_url: str
    detail: str = ""


def grouped_by_day(
    items: list[Notification], *, now: datetime | None = None
) -> list[tuple[str, list[Row]]]:
    """[(day label, rows)] in the current time zone, newest day first."""
    today = timezone.localdate(now or timezone.now())
    days: dict[date, list[Row]] = {}
    for n in items:
        row = Row(
            n,
            describe(n),
            str(n.get_reason_display()),
            target_url(n),
            settings_url(n),
            detail(n),
        )
        days.setdefault(timezone.localdate(n.updated_at), []).append(row)
    return [(day_label(day, today), rows) for day, rows in days.items()]


# --- settings ------------------------------------------------------------------------------------


@dataclass
class GroupLevelRow:
    group: Group
    level: str
    is_default: bool


def group_levels(user: User) -> list[GroupLevelRow]:
    """Every group ``user`` belongs to with the effective level; 2 queries."""
    groups = list(
        Group.objects.filter(
            pk__in=Membership.objects.filter(user=user).values("group_id")
        ).order_by("name")
    )
    stored = dict(GroupNotificationLevel.objects.filter(user=user).values_list("group_id", "level"))
    return [
        GroupLevelRow(g, stored.get(g.pk, default_level(g)), g.pk not in stored) for g in groups
    ]


@dataclass
class MuteRow:
    mute: Mute
    label: str
    url: str


def active_mutes(user: User, *, now: datetime | None = None) -> list[MuteRow]:
    """Active mutes with a label for each target the person can still see; 4 queries."""
    mutes = list(
        Mute.objects.filter(active_mute_filter(now or timezone.now()), user=user).order_by(
            "-created_at", "-id"
        )
    )
    ids: dict[str, list[int]] = {"group": [], "post": [], "person": []}
    for mute in mutes:
        ids[mute.target_kind].append(mute.target_id)
    groups = {g.pk: g for g in visible_groups(user).filter(pk__in=ids["group"])}
    posts = {
        p.pk: p for p in visible_posts(user).select_related("author").filter(pk__in=ids["post"])
    }
    people = {
        p.pk: p for p in get_user_model().objects.filter(pk__in=ids["person"], is_active=True)
    }
    rows: list[MuteRow] = []
    for mute in mutes:
        if mute.target_kind == Mute.TargetKind.GROUP and mute.target_id in groups:
            group = groups[mute.target_id]
            rows.append(MuteRow(mute, group.name, reverse("groups:detail", args=[group.slug])))
        elif mute.target_kind == Mute.TargetKind.POST and mute.target_id in posts:
            post = posts[mute.target_id]
            label = _("A post by %(name)s") % {"name": post.author.name}
            rows.append(MuteRow(mute, label, reverse("posts:detail", args=[post.pk])))
        elif mute.target_kind == Mute.TargetKind.PERSON and mute.target_id in people:
            person = people[mute.target_id]
            rows.append(MuteRow(mute, person.name, reverse("people:profile", args=[person.pk])))
    return rows


def followed_posts(user: User, *, limit: int = 50) -> list[Any]:
    """Posts ``user`` follows that they can still read, newest first; 1 query."""
    return list(
        visible_posts(user)
        .filter(pk__in=PostFollow.objects.filter(user=user, following=True).values("post_id"))
        .select_related("author", "group")
        .order_by("-created_at", "-id")[:limit]
    )


def is_following(user: User, post_id: int) -> bool:
    """Whether ``user`` gets the post's new comments (authors follow unless they unfollowed)."""
    row = PostFollow.objects.filter(user=user, post_id=post_id).values_list("following", flat=True)
    return bool(row.first())


def following_post_ids(user: User, post_ids: list[int]) -> set[int]:
    """Which of ``post_ids`` ``user`` follows, in one query (for post cards)."""
    if not post_ids:
        return set()
    return set(
        PostFollow.objects.filter(user=user, post_id__in=post_ids, following=True).values_list(
            "post_id", flat=True
        )
    )
