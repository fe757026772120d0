"""E-mail about notifications: instant e-mails, and the ones held back by quiet hours.

How it flows:
- ``delivery.deliver`` calls :func:`notifications_delivered` inside its transaction; after commit
  the task ``tasks.email_notifications`` runs :func:`send_immediate` with the aggregation key and
  the recipients' ids.
- At send time every notification is checked again (:func:`still_relevant`): unread, the person
  active, still allowed to see the post or group, still a member (admin for join requests) where
  the kind is about a group's members, the group not at level "off", nothing muted. A person
  removed from a group therefore gets no further e-mail about it, held ones included.
- One e-mail per notification row per burst: a row e-mailed in the last ``REPEAT_AFTER`` is not
  e-mailed again, however many more people comment or react; after that, the next activity on the
  (still unread) row sends one e-mail with the new summary ("Kari and 4 others commented").
- In quiet hours the row is marked held (``NotificationEmail.held_since``); the periodic task
  ``tasks.release_held_emails`` (every 5 minutes) sends each person, once their quiet hours are
  over, ONE e-mail listing what is still relevant (the single-notification e-mail if only one is).

Every e-mail has a plain-text body and an HTML alternative, is written in the person's language
(``User.language``, else ``settings.LANGUAGE_CODE``), links absolutely to ``settings.BASE_URL``
and carries RFC 8058 ``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from torg.core.events import enqueue_on_commit
from torg.groups.access import visible_groups
from torg.groups.models import Membership
from torg.notifications import selectors
from torg.notifications.email_settings import (
    category_for_kind,
    preferences_for,
    unsubscribe_url,
    wants_immediately,
)
from torg.notifications.models import Notification, NotificationEmail
from torg.notifications.quiet import in_quiet_hours
from torg.notifications.rules import Level, levels_for_members, muted_user_ids
from torg.posts.access import can_see_post

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.groups.models import Group
    from torg.posts.models import Comment, Post

logger = logging.getLogger(__name__)
Kind = Notification.Kind
REPEAT_AFTER = timedelta(minutes=30)
EXCERPT_CHARS = 280
# Kinds about what happens among a group's members: only current members hear of them.
MEMBERS_ONLY_KINDS = {
    Kind.GROUP_POST,
    Kind.FOLLOWED_COMMENT,
    Kind.ANNOUNCEMENT,
    Kind.ANNOUNCEMENT_REMINDER,
    Kind.LIVE_REMINDER,
}
# Kinds silenced by the group's level "off" (as in ``delivery.CONTENT_KINDS``).
CONTENT_KINDS = {
    Kind.REPLY,
    Kind.MENTION,
    Kind.REACTION,
    Kind.GROUP_POST,
    Kind.FOLLOWED_COMMENT,
    Kind.LIVE_REMINDER,
}
MANAGER_ROLES = (Membership.Role.ADMIN, Membership.Role.MODERATOR)


# --- sending one e-mail -------------------------------------------------------------------------


def language_of(user: User) -> str:
    return user.language or settings.LANGUAGE_CODE


def absolute(path: str) -> str:
    return settings.BASE_URL + path


def excerpt(item: Post | Comment | None, chars: int = EXCERPT_CHARS) -> str:
    """A post's or comment's text without markup (mentions show the name), shortened."""
    if item is None:
        return ""
    text = " ".join(html.unescape(strip_tags(item.body_html or item.body)).split())
    return Truncator(text).chars(chars)


def send_email(
    *,
    user: User,
    template: str,
    category: str,
    context: Callable[[], dict[str, Any]],
) -> None:
    """Render ``notifications/email/<template>{_subject.txt,.txt,.html}`` in the person's language
    (``context`` is called inside it, so its strings translate too) and send it."""
    link = unsubscribe_url(user, category)
    with translation.override(language_of(user)):
        values = {
            "site_name": "Torg",
            "base_url": settings.BASE_URL,
            "person": user,
            "unsubscribe_url": link,
            "settings_url": absolute(reverse("notifications:settings") + "#email"),
            **context(),
        }
        prefix = f"notifications/email/{template}"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", values).split())
        text = render_to_string(f"{prefix}.txt", values)
        page = render_to_string(f"{prefix}.html", values)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )
    message.attach_alternative(page, "text/html")
    message.send()


def describe(notification: Notification) -> str:
    """One line about the notification, in the active language."""
    actor = notification.actor.name if notification.actor is not None else _("Someone")
    group = notification.group.name if notification.group is not None else ""
    if notification.kind == Kind.ANNOUNCEMENT:
        return _("%(actor)s posted an announcement") % {"actor": actor}
    if notification.kind == Kind.ANNOUNCEMENT_REMINDER:
        if group:
            return _("Reminder: an announcement in %(group)s is waiting for you") % {"group": group}
        return _("Reminder: an announcement is waiting for you")
    if notification.kind == Kind.POLL_CLOSED:
        return _("A poll has closed: see the results")
    return selectors.describe(notification)


def _item(notification: Notification) -> dict[str, Any]:
    return {
        "text": describe(notification),
        "reason": str(notification.get_reason_display()),
        "group": notification.group.name if notification.group is not None else "",
        "excerpt": excerpt(notification.post) or selectors.detail(notification),
        "url": absolute(reverse("notifications:open", args=[notification.pk])),
        "change_url": absolute(selectors.settings_url(notification)),
    }


def send_notification_email(notification: Notification) -> None:
    send_email(
        user=notification.recipient,
        template="notification",
        category=category_for_kind(notification.kind),
        context=lambda: {"item": _item(notification)},
    )


def send_held_email(user: User, notifications: list[Notification]) -> None:
    """What quiet hours held back: the usual e-mail for one, a list for more."""
    if len(notifications) == 1:
        send_notification_email(notifications[0])
        return
    kinds = {n.kind for n in notifications}
    category = category_for_kind(next(iter(kinds))) if len(kinds) == 1 else "immediate"
    send_email(
        user=user,
        template="held",
        category=category,
        context=lambda: {
            "items": [_item(n) for n in notifications],
            "count": len(notifications),
            "list_url": absolute(reverse("notifications:list")),
        },
    )


# --- who still gets it --------------------------------------------------------------------------


def still_relevant(notification: Notification, *, now: datetime) -> bool:
    """Whether the notification may still be e-mailed to its recipient (see the module doc)."""
    person = notification.recipient
    if not person.is_active or not person.email or notification.read_at is not None:
        return False
    post = notification.post
    group = notification.group
    if group is None and post is not None:
        group = post.group
    if post is not None:
        if post.deleted_at is not None or not can_see_post(person, post):
            return False
    elif notification.kind == Kind.GROUP_REQUEST:
        return _still_pending_for(person, group)
    elif group is not None and not visible_groups(person).filter(pk=group.pk).exists():
        return False
    if group is not None:
        role = (
            Membership.objects.filter(group=group, user=person)
            .values_list("role", flat=True)
            .first()
        )
        if notification.kind in MEMBERS_ONLY_KINDS and role is None:
            return False
        if notification.kind == Kind.JOIN_REQUEST and role not in MANAGER_ROLES:
            return False
        if notification.kind == Kind.GROUP_REVIEW and not _still_flagged_for(role, group):
            return False
        silenced = levels_for_members(group, [person.pk])[person.pk] == Level.OFF
        if notification.kind in CONTENT_KINDS and silenced:
            return False
    muted = muted_user_ids(
        [person.pk],
        now=now,
        group_id=group.pk if group is not None else None,
        post_id=post.pk if post is not None else None,
        actor_id=notification.actor_id,
    )
    return not muted


def _still_pending_for(person: User, group: Group | None) -> bool:
    """A new group awaiting approval: still waiting, and the person still a network admin."""
    from torg.governance.models import GroupLifecycle

    return (
        group is not None
        and person.is_staff
        and GroupLifecycle.objects.filter(group=group, approval_pending=True).exists()
    )


def _still_flagged_for(role: str | None, group: Group) -> bool:
    """An inactive group: still flagged (not kept or archived), and the person still its admin."""
    from torg.governance.models import GroupLifecycle

    return (
        role == Membership.Role.ADMIN
        and GroupLifecycle.objects.filter(
            group=group, flagged_at__isnull=False, archived_at__isnull=True
        ).exists()
    )


# --- instant e-mail -----------------------------------------------------------------------------


def notifications_delivered(key: str, user_ids: list[int]) -> None:
    """Called by ``deliver`` in its transaction: e-mail about these rows after commit."""
    from torg.notifications import tasks

    if user_ids:
        enqueue_on_commit(tasks.email_notifications, key, list(user_ids))


def _notifications(**filters: Any) -> Any:
    return Notification.objects.filter(**filters).select_related(
        "recipient", "actor", "group", "post", "post__group", "comment"
    )


def send_immediate(key: str, user_ids: Iterable[int], *, now: datetime | None = None) -> list[int]:
    """E-mail the unread notifications ``key`` of ``user_ids`` that their owners want now, or
    hold them in quiet hours. Returns the ids of the people e-mailed. Safe to run twice."""
    now = now or timezone.now()
    # Cheap first pass (a post in a big group reaches thousands, most of whom do not want that
    # kind by e-mail): ids and kinds only, then full rows for those who want it.
    unread = list(
        Notification.objects.filter(
            aggregation_key=key, recipient_id__in=list(user_ids), read_at__isnull=True
        ).values_list("pk", "recipient_id", "kind")
    )
    preferences = preferences_for(recipient_id for _pk, recipient_id, _kind in unread)
    wanted = [
        pk
        for pk, recipient_id, kind in unread
        if wants_immediately(preferences[recipient_id], kind)
    ]
    rows = list(_notifications(pk__in=wanted).order_by("pk")) if wanted else []
    emailed: list[int] = []
    failure: Exception | None = None
    for notification in rows:
        preference = preferences[notification.recipient_id]
        if not still_relevant(notification, now=now):
            continue
        state, _created = NotificationEmail.objects.get_or_create(
            notification=notification, defaults={"recipient_id": notification.recipient_id}
        )
        person = notification.recipient
        if in_quiet_hours(person, preference.quiet_start, preference.quiet_end, now):
            NotificationEmail.objects.filter(pk=state.pk, held_since__isnull=True).update(
                held_since=now
            )
            continue
        # Claim the row (a concurrent run of this task then finds it recently sent).
        claimed = (
            NotificationEmail.objects.filter(pk=state.pk)
            .exclude(sent_at__gt=now - REPEAT_AFTER)
            .update(sent_at=now, held_since=None)
        )
        if not claimed:
            continue
        try:
            send_notification_email(notification)
        except Exception as error:  # the others still get theirs
            logger.exception("E-mail for notification %s failed", notification.pk)
            NotificationEmail.objects.filter(pk=state.pk, sent_at=now).update(
                sent_at=state.sent_at, held_since=state.held_since
            )
            failure = failure or error
            continue
        emailed.append(notification.recipient_id)
    if failure is not None:
        raise failure
    return sorted(emailed)


def release_held(*, now: datetime | None = None) -> list[int]:
    """Send what quiet hours held, to each person whose quiet hours are over; returns their ids.

    Held notifications that are no longer relevant (read, hidden, muted, no longer wanted) are
    dropped without e-mail.
    """
    now = now or timezone.now()
    held_by_person: dict[int, list[int]] = {}
    for notification_id, recipient_id in (
        NotificationEmail.objects.filter(held_since__isnull=False)
        .order_by("recipient_id", "held_since", "id")
        .values_list("notification_id", "recipient_id")
    ):
        held_by_person.setdefault(recipient_id, []).append(notification_id)
    if not held_by_person:
        return []
    preferences = preferences_for(held_by_person)
    emailed: list[int] = []
    failure: Exception | None = None
    for person_id, notification_ids in held_by_person.items():
        preference = preferences[person_id]
        rows = list(_notifications(pk__in=notification_ids).order_by("updated_at", "id"))
        if not rows:
            continue
        person = rows[0].recipient
        if in_quiet_hours(person, preference.quiet_start, preference.quiet_end, now):
            continue
        wanted = [
            n for n in rows if wants_immediately(preference, n.kind) and still_relevant(n, now=now)
        ]
        wanted_ids = [n.pk for n in wanted]
        with transaction.atomic():
            claimed = set(
                NotificationEmail.objects.select_for_update()
                .filter(notification_id__in=notification_ids, held_since__isnull=False)
                .values_list("notification_id", flat=True)
            )
            NotificationEmail.objects.filter(notification_id__in=claimed & set(wanted_ids)).update(
                held_since=None, sent_at=now
            )
            NotificationEmail.objects.filter(notification_id__in=claimed).exclude(
                notification_id__in=wanted_ids
            ).update(held_since=None)
        to_send = [n for n in wanted if n.pk in claimed]
        if not to_send:
            continue
        try:
            send_held_email(person, to_send)
        except Exception as error:  # hold them again for the next run; the others still go
            logger.exception("Held e-mail for person %s failed", person_id)
            NotificationEmail.objects.filter(
                notification_id__in=[n.pk for n in to_send], sent_at=now
            ).update(held_since=now, sent_at=None)
            failure = failure or error
            continue
        emailed.append(person_id)
    if failure is not None:
        raise failure
    return sorted(emailed)
