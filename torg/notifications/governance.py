"""Notifications about governance decisions: moderation outcomes and the group life cycle.

Called by the tasks in ``tasks.py`` with ids, after the governance action committed (hooks in
``events.py``). They go through ``delivery.deliver`` like every other kind, so the bell, the
realtime count, mutes and the e-mail preferences (quiet hours included) apply.

- ``report_outcome``: each reporter of a decided report ("Your report about a post was reviewed:
  the post was removed"). No text of the reported thing is stored or shown, only the outcome
  and the moderator's note; the moderator is not named.
- ``moderation_warning``: the author, when their writing is hidden, removed or they are warned.
  The reporters are not named.
- ``group_review``: the current admins of a group flagged as inactive (keep or archive it).
- ``group_request``: network admins, when a new group waits for their approval.
- ``group_decided``: the creator of a group that was approved or rejected.

A notification about a group goes only to people who may still see the group (except
``group_request``: network admins oversee every group); recipients are read at delivery time,
so a person removed from the group (or no longer its admin) gets none.
"""

from __future__ import annotations

from typing import Any

from torg.accounts.models import User
from torg.groups.models import Group, Membership
from torg.notifications.delivery import Event, deliver
from torg.notifications.models import Notification

Kind = Notification.Kind
Reason = Notification.Reason
# Report outcome (governance ``Report.Status``) -> the word the notification uses.
OUTCOMES = ("hidden", "removed", "warned", "dismissed")
# Outcomes that leave the reported thing in place: the notification may link to it.
KEEPING = ("warned", "dismissed")


def _report_data(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "outcome": report.status,
        "target": report.target_kind,
        "report": report.pk,
    }
    note = (report.decision_note or "").strip()
    if note:
        data["note"] = note
    if report.status in KEEPING and report.target_kind in ("post", "comment"):
        post_id = _post_id_of(report)
        if post_id is not None:
            data["post"] = post_id
            if report.target_kind == "comment":
                data["comment"] = report.target_id
    return data


def _post_id_of(report: Any) -> int | None:
    if report.target_kind == "post":
        return int(report.target_id)
    from torg.posts.models import Comment

    return Comment.objects.filter(pk=report.target_id).values_list("post_id", flat=True).first()


def notify_report_decided(report_id: int) -> list[int]:
    """Tell the reporter of a decided report its outcome; returns the people told."""
    from torg.governance.models import Report

    report = Report.objects.select_related("group").filter(pk=report_id).first()
    if report is None or report.status not in OUTCOMES:
        return []
    if report.reporter_id is None:  # a keyword alert
        return []
    return deliver(
        Event(
            Kind.REPORT_OUTCOME,
            f"report_outcome:r{report.pk}",
            None,
            group=report.group,
            data=_report_data(report),
        ),
        {report.reporter_id: Reason.YOUR_REPORT},
    )


def notify_author_moderated(report_id: int) -> list[int]:
    """Tell the author that their writing was hidden or removed, or that they were warned."""
    from torg.governance.models import Report

    report = Report.objects.select_related("group").filter(pk=report_id).first()
    if report is None or report.author_id is None:
        return []
    if report.status not in ("hidden", "removed", "warned"):
        return []
    return deliver(
        Event(
            Kind.MODERATION_WARNING,
            f"moderation_warning:r{report.pk}",
            None,
            group=report.group,
            data=_report_data(report),
        ),
        {report.author_id: Reason.YOUR_WRITING},
    )


def notify_group_review(group_id: int) -> list[int]:
    """Ask the group's current admins to keep or archive it (while it is still flagged)."""
    from torg.governance.models import GroupLifecycle

    group = Group.objects.filter(pk=group_id).first()
    flagged = GroupLifecycle.objects.filter(
        group_id=group_id, flagged_at__isnull=False, archived_at__isnull=True
    ).first()
    if group is None or flagged is None:
        return []
    from torg.governance.lifecycle import inactive_days

    admins = Membership.objects.filter(group=group, role=Membership.Role.ADMIN).values_list(
        "user_id", flat=True
    )
    return deliver(
        Event(
            Kind.GROUP_REVIEW,
            f"group_review:g{group.pk}",
            None,
            group=group,
            data={"days": inactive_days()},
        ),
        dict.fromkeys(admins, Reason.GROUP_ADMIN),
    )


def network_admin_ids() -> list[int]:
    """Active network admins (``User.is_staff``, see ``torg.governance.roles``)."""
    return list(
        User.objects.filter(is_staff=True, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def notify_group_request(group_id: int) -> list[int]:
    """Tell the network admins that a new group waits for approval (while it still does)."""
    from torg.governance.models import GroupLifecycle

    group = Group.objects.filter(pk=group_id).first()
    if (
        group is None
        or not GroupLifecycle.objects.filter(group_id=group_id, approval_pending=True).exists()
    ):
        return []
    return deliver(
        Event(Kind.GROUP_REQUEST, f"group_request:g{group.pk}", group.created_by_id, group=group),
        dict.fromkeys(network_admin_ids(), Reason.NETWORK_ADMIN),
    )


def notify_group_decided(group_id: int, approved: bool, actor_id: int | None) -> list[int]:
    """Tell the creator that their group was approved or rejected; the other network admins'
    unread ``group_request`` notifications about it are marked read (nothing left to do)."""
    from django.utils import timezone

    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        return []
    Notification.objects.filter(
        kind=Kind.GROUP_REQUEST, group_id=group.pk, read_at__isnull=True
    ).update(read_at=timezone.now())
    if group.created_by_id is None:
        return []
    return deliver(
        Event(
            Kind.GROUP_DECIDED,
            f"group_decided:g{group.pk}",
            actor_id,
            group=group,
            data={"approved": bool(approved)},
        ),
        {group.created_by_id: Reason.YOUR_GROUP},
    )
