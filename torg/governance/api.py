"""REST endpoints at /api/v1/governance. Same rules and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from torg.api.refusals import refusals as _refusals
from torg.governance import moderation, roles, selectors
from torg.governance.models import Report, Role

router = Router(tags=["governance"])

KindName = Literal["post", "comment", "message"]
ReasonName = Literal["spam", "harassment", "inappropriate", "privacy", "other"]
OutcomeName = Literal["hide", "remove", "warn", "dismiss"]


class RolesOut(Schema):
    roles: list[str]


class ReportIn(Schema):
    kind: KindName
    target_id: int = Field(..., ge=1, le=2**63 - 1)
    reason: ReasonName
    details: str = Field("", max_length=1000)


class ReportOut(Schema):
    id: int
    kind: str
    target_id: int
    reason: str
    details: str
    status: str
    group_id: int | None
    created_at: datetime


class ModeratorReportOut(ReportOut):
    snapshot: str
    author_id: int | None
    reporter_id: int | None


class DecisionIn(Schema):
    outcome: OutcomeName
    note: str = Field("", max_length=1000)


class AuditEventOut(Schema):
    id: int
    created_at: datetime
    actor_id: int | None
    actor: str
    action: str
    target_kind: str
    target_id: int | None
    group_id: int | None
    data: dict[str, Any]


class AuditFilters(Schema):
    q: str = Field("", max_length=100)
    action: str = Field("", max_length=64)
    since: str = Field("", max_length=10, description="YYYY-MM-DD")
    until: str = Field("", max_length=10, description="YYYY-MM-DD")
    page: int = Field(1, ge=1, le=100000)


class AuditPage(Schema):
    count: int
    page: int
    pages: int
    items: list[AuditEventOut]


def _report_out(report: Report, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": report.pk,
        "kind": report.target_kind,
        "target_id": report.target_id,
        "reason": report.reason,
        "details": report.details,
        "status": report.status,
        "group_id": report.group_id,
        "created_at": report.created_at,
    }
    if full:
        out |= {
            "snapshot": report.snapshot,
            "author_id": report.author_id,
            "reporter_id": report.reporter_id,
        }
    return out


@router.get("/roles/me", response=RolesOut, url_name="governance_my_roles")
def my_roles(request: HttpRequest) -> dict[str, Any]:
    """Your network-wide roles (network admins hold every role)."""
    return {"roles": roles.roles_of(request.user)}


@router.post("/reports", response={201: ReportOut}, url_name="governance_report")
def create_report(request: HttpRequest, payload: ReportIn) -> Status:
    """Report a post, comment or chat message you can see. Hidden and missing things: 404."""
    with _refusals():
        report = moderation.do_report(
            actor=request.user,  # type: ignore[arg-type]
            kind=payload.kind,
            target_id=payload.target_id,
            reason=payload.reason,
            details=payload.details,
        )
    return Status(201, _report_out(report, full=False))


@router.get("/reports", response=list[ModeratorReportOut], url_name="governance_reports")
def open_reports(request: HttpRequest) -> list[dict[str, Any]]:
    """Open reports you may work (oldest first, at most 100). Not a moderator: 404."""
    if not moderation.can_moderate(request.user):
        raise Http404
    reports = selectors.open_reports(moderation.reports_for(request.user))[:100]
    return [_report_out(r, full=True) for r in reports]


@router.post(
    "/reports/{report_id}/decision", response=ModeratorReportOut, url_name="governance_decide"
)
def decide(request: HttpRequest, report_id: int, payload: DecisionIn) -> dict[str, Any]:
    """Hide, remove, warn or dismiss; every reporter of the same thing is told by e-mail."""
    report = moderation.access_report(request.user, report_id)
    with _refusals():
        report = moderation.do_decide(
            actor=request.user,  # type: ignore[arg-type]
            report=report,
            outcome=payload.outcome,
            note=payload.note,
        )
    return _report_out(report, full=True)


@router.get("/audit", response=AuditPage, url_name="governance_audit")
def audit_log(request: HttpRequest, filters: Query[AuditFilters]) -> dict[str, Any]:
    """The audit log, newest first, 50 a page (network admins; others get 404)."""
    if not roles.has_role(request.user, Role.NETWORK_ADMIN):
        raise Http404
    events = selectors.audit_events(
        q=filters.q, action=filters.action, since=filters.since, until=filters.until
    )
    page = selectors.paginate(events, filters.page)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "items": [
            {
                "id": e.pk,
                "created_at": e.created_at,
                "actor_id": e.actor_id,
                "actor": e.actor_label,
                "action": e.action,
                "target_kind": e.target_kind,
                "target_id": e.target_id,
                "group_id": e.group_id,
                "data": e.data,
            }
            for e in page.object_list
        ],
    }
