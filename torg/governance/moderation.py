"""Reports, the moderator queue and keyword alerts.

Anyone who can see a post, comment or chat message can report it. Network moderators (and
network admins) work every report; group admins and moderators work reports about their group's
posts and comments. Hiding or removing soft-deletes the target, so it disappears for everyone
exactly like deleted content; the text is kept in ``Report.snapshot`` and the audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.governance import audit
from torg.governance.models import KeywordAlert, Report, Role
from torg.governance.roles import has_role
from torg.groups.access import as_person
from torg.groups.models import Membership

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

OUTCOMES = {
    "hide": Report.Status.HIDDEN,
    "remove": Report.Status.REMOVED,
    "warn": Report.Status.WARNED,
    "dismiss": Report.Status.DISMISSED,
}


class ReportNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


@dataclass
class Target:
    kind: str
    obj: Any
    group_id: int | None
    author_id: int | None
    text: str


def _target_of(kind: str, obj: Any) -> Target:
    if kind == Report.Kind.POST:
        return Target(kind, obj, obj.group_id, obj.author_id, obj.body)
    if kind == Report.Kind.COMMENT:
        return Target(kind, obj, obj.post.group_id, obj.author_id, obj.body)
    return Target(kind, obj, None, obj.sender_id, obj.body)


def resolve_target(viewer: User | AnonymousUser, kind: str, target_id: Any) -> Target:
    """The reportable thing ``viewer`` can see, or ``Http404`` (hidden and missing alike)."""
    if kind == Report.Kind.POST:
        from torg.posts.access import access_post

        return _target_of(kind, access_post(viewer, target_id))
    if kind == Report.Kind.COMMENT:
        from torg.posts.comment_actions import access_comment

        return _target_of(kind, access_comment(viewer, target_id))
    if kind == Report.Kind.MESSAGE:
        from torg.chat.access import access_message

        message = access_message(viewer, target_id)
        if getattr(message, "deleted_at", None) is not None:
            raise ReportNotFound
        return _target_of(kind, message)
    raise ReportNotFound


# --- who moderates what ----------------------------------------------------------------------


def moderated_group_ids(user: User) -> list[int]:
    return list(
        Membership.objects.filter(
            user=user, role__in=[Membership.Role.ADMIN, Membership.Role.MODERATOR]
        ).values_list("group_id", flat=True)
    )


def reports_for(user: User | AnonymousUser) -> QuerySet[Report]:
    """Reports ``user`` may work: all for network moderators, their groups' for group staff."""
    person = as_person(user)
    if person is None:
        return Report.objects.none()
    if has_role(person, Role.MODERATOR):
        return Report.objects.all()
    if person.is_guest:
        return Report.objects.none()
    return Report.objects.filter(group_id__in=moderated_group_ids(person))


def can_moderate(user: User | AnonymousUser) -> bool:
    person = as_person(user)
    if person is None:
        return False
    return has_role(person, Role.MODERATOR) or (
        not person.is_guest and bool(moderated_group_ids(person))
    )


def access_report(user: User | AnonymousUser, report_id: Any) -> Report:
    from torg.posts.access import parse_id

    pk = parse_id(report_id)
    report = (
        reports_for(user).select_related("reporter", "author", "group").filter(pk=pk).first()
        if pk is not None
        else None
    )
    if report is None:
        raise ReportNotFound
    return report


# --- reporting -------------------------------------------------------------------------------


def check_report(*, actor: User, kind: str, target_id: Any, reason: str, details: str) -> Target:
    person = as_person(actor)
    if person is None:
        raise PermissionDenied(_("Please sign in first."))
    if kind not in Report.Kind.values:
        raise ReportNotFound
    target = resolve_target(person, kind, target_id)
    if reason not in Report.Reason.values or reason == Report.Reason.KEYWORD:
        raise ValidationError({"reason": _("Choose a reason.")})
    if len(details or "") > 1000:
        raise ValidationError({"details": _("Keep the details under 1,000 characters.")})
    if target.author_id == person.pk:
        raise ValidationError(_("You cannot report your own writing."))
    if Report.objects.filter(
        reporter=person, target_kind=kind, target_id=target.obj.pk, status=Report.Status.OPEN
    ).exists():
        raise ValidationError(_("You have already reported this. A moderator will look at it."))
    return target


def do_report(*, actor: User, kind: str, target_id: Any, reason: str, details: str = "") -> Report:
    target = check_report(
        actor=actor, kind=kind, target_id=target_id, reason=reason, details=details
    )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                reporter=actor,
                target_kind=kind,
                target_id=target.obj.pk,
                group_id=target.group_id,
                author_id=target.author_id,
                snapshot=target.text,
                reason=reason,
                details=(details or "").strip(),
            )
            audit.record(
                actor,
                "moderation.report",
                target_kind=kind,
                target_id=target.obj.pk,
                group_id=target.group_id,
                reason=reason,
            )
    except IntegrityError as exc:  # a racing duplicate
        raise ValidationError(
            _("You have already reported this. A moderator will look at it.")
        ) from exc
    return report


# --- deciding --------------------------------------------------------------------------------


def check_decide(*, actor: User, report: Report, outcome: str, note: str = "") -> None:
    access_report(actor, report.pk)
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("Choose hide, remove, warn or dismiss.")})
    if report.status != Report.Status.OPEN:
        raise ValidationError(_("This report has already been handled."))
    if len(note or "") > 1000:
        raise ValidationError({"note": _("Keep the note under 1,000 characters.")})


def _soft_delete(report: Report, actor: User) -> None:
    now = timezone.now()
    if report.target_kind == Report.Kind.POST:
        from torg.posts.models import Post
        from torg.search import events as search_events

        post = Post.objects.filter(pk=report.target_id, deleted_at__isnull=True).first()
        if post is not None:
            Post.objects.filter(pk=post.pk).update(deleted_at=now, deleted_by=actor, pinned_at=None)
            search_events.post_changed(post)
    elif report.target_kind == Report.Kind.COMMENT:
        from torg.posts.models import Comment, Post
        from torg.search import events as search_events

        comment = Comment.objects.filter(pk=report.target_id, deleted_at__isnull=True).first()
        if comment is not None:
            Comment.objects.filter(pk=comment.pk).update(deleted_at=now)
            Post.objects.filter(pk=comment.post_id, comment_count__gt=0).update(
                comment_count=F("comment_count") - 1
            )
            if comment.parent_id is not None:
                Comment.objects.filter(pk=comment.parent_id, reply_count__gt=0).update(
                    reply_count=F("reply_count") - 1
                )
            search_events.comment_changed(comment)
    else:
        from torg.chat.models import Message

        Message.objects.filter(pk=report.target_id, deleted_at__isnull=True).update(deleted_at=now)


def do_decide(*, actor: User, report: Report, outcome: str, note: str = "") -> Report:
    """Decide every open report about the same thing; inform reporters (and a warned author)."""
    check_decide(actor=actor, report=report, outcome=outcome, note=note)
    status = OUTCOMES[outcome]
    now = timezone.now()
    with transaction.atomic():
        same = (
            Report.objects.select_for_update()
            .filter(
                target_kind=report.target_kind,
                target_id=report.target_id,
                status=Report.Status.OPEN,
            )
            .order_by("pk")
        )
        decided = list(same)
        if not decided:
            raise ValidationError(_("This report has already been handled."))
        same.update(
            status=status, decided_by=actor, decided_at=now, decision_note=(note or "").strip()
        )
        if status in (Report.Status.HIDDEN, Report.Status.REMOVED):
            _soft_delete(report, actor)
        audit.record(
            actor,
            f"moderation.{outcome}",
            target_kind=report.target_kind,
            target_id=report.target_id,
            group_id=report.group_id,
            reports=[r.pk for r in decided],
        )
        _tell_people(decided, report, status)
    report.refresh_from_db()
    return report


def _tell_people(decided: list[Report], report: Report, status: str) -> None:
    """After commit: every reporter hears the outcome (a notification, e-mailed as their
    preferences say); the author hears when their writing was hidden or removed or they were
    warned. Neither learns who the other is, nor who the moderator was."""
    from torg.notifications import events as notification_events

    for item in decided:
        if item.reporter_id is not None:
            notification_events.report_decided(item.pk)
    if status != Report.Status.DISMISSED and report.author_id is not None:
        notification_events.author_moderated(report.pk)


# --- keyword alerts --------------------------------------------------------------------------


def check_add_keyword(*, actor: User, keyword: str) -> str:
    if not has_role(actor, Role.MODERATOR):
        raise PermissionDenied(_("Only moderators can manage keyword alerts."))
    cleaned = " ".join((keyword or "").split()).lower()
    if not cleaned or len(cleaned) > 100:
        raise ValidationError({"keyword": _("Enter a keyword of 1 to 100 characters.")})
    if KeywordAlert.objects.filter(keyword=cleaned).exists():
        raise ValidationError({"keyword": _("This keyword is already on the list.")})
    return cleaned


def do_add_keyword(*, actor: User, keyword: str) -> KeywordAlert:
    cleaned = check_add_keyword(actor=actor, keyword=keyword)
    with transaction.atomic():
        alert = KeywordAlert.objects.create(keyword=cleaned, created_by=actor)
        audit.record(actor, "moderation.keyword_add", target=alert, keyword=cleaned)
    return alert


def do_remove_keyword(*, actor: User, alert_id: Any) -> None:
    if not has_role(actor, Role.MODERATOR):
        raise PermissionDenied(_("Only moderators can manage keyword alerts."))
    with transaction.atomic():
        alert = (
            KeywordAlert.objects.filter(pk=alert_id).first() if str(alert_id).isdigit() else None
        )
        if alert is None:
            raise ReportNotFound
        audit.record(actor, "moderation.keyword_remove", target=alert, keyword=alert.keyword)
        alert.delete()


def matching_keywords(text: str, keywords: list[str]) -> list[str]:
    lowered = text.lower()
    return [k for k in keywords if re.search(r"(?<!\w)" + re.escape(k) + r"(?!\w)", lowered)]


def do_scan_post(*, post_id: int) -> Report | None:
    """Flag a post for review when it contains a keyword. Safe to run twice."""
    from torg.posts.models import Post

    post = Post.objects.filter(pk=post_id, deleted_at__isnull=True).first()
    if post is None:
        return None
    keywords = list(KeywordAlert.objects.values_list("keyword", flat=True))
    found = matching_keywords(post.body, keywords)
    if not found:
        return None
    with transaction.atomic():
        if Report.objects.filter(
            Q(reporter__isnull=True),
            target_kind=Report.Kind.POST,
            target_id=post.pk,
            status=Report.Status.OPEN,
        ).exists():
            return None
        return Report.objects.create(
            reporter=None,
            target_kind=Report.Kind.POST,
            target_id=post.pk,
            group_id=post.group_id,
            author_id=post.author_id,
            snapshot=post.body,
            reason=Report.Reason.KEYWORD,
            details=", ".join(found),
        )
