"""Reads for governance pages, each a fixed number of queries."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date, datetime, time
from typing import Any

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone

from torg.governance.models import AuditEvent, Report, RoleAssignment

PAGE_SIZE = 50


def paginate(items: QuerySet[Any], number: Any, per_page: int = PAGE_SIZE) -> Page:
    return Paginator(items, per_page).get_page(number)


def role_holders() -> list[dict[str, Any]]:
    """Network admins and role holders, one row per person, sorted by name."""
    user_model = get_user_model()
    people: dict[int, dict[str, Any]] = {}
    for person in user_model.objects.filter(is_staff=True, is_active=True).order_by("name"):
        people[person.pk] = {"person": person, "roles": ["network_admin"]}
    for row in RoleAssignment.objects.select_related("user").order_by("user__name", "role"):
        entry = people.setdefault(row.user_id, {"person": row.user, "roles": []})
        entry["roles"].append(row.role)
    return sorted(people.values(), key=lambda e: (e["person"].name.lower(), e["person"].pk))


def _day(value: str, end: bool = False) -> datetime | None:
    try:
        day = date.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return timezone.make_aware(datetime.combine(day, time.max if end else time.min))


def audit_events(
    *, q: str = "", action: str = "", since: str = "", until: str = ""
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if q:
        events = events.filter(
            Q(actor_label__icontains=q) | Q(summary__icontains=q) | Q(action__icontains=q)
        )
    if action:
        events = events.filter(action__startswith=action)
    start, stop = _day(since), _day(until, end=True)
    if start is not None:
        events = events.filter(created_at__gte=start)
    if stop is not None:
        events = events.filter(created_at__lte=stop)
    return events.order_by("-created_at", "-id")


class _Echo:
    def write(self, value: str) -> str:
        return value


def audit_csv_rows(events: QuerySet[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(
        [
            "id",
            "time",
            "actor_id",
            "actor",
            "action",
            "target_kind",
            "target_id",
            "group_id",
            "data",
        ]
    )
    for event in events.iterator(chunk_size=2000):
        yield writer.writerow(
            [
                event.pk,
                event.created_at.isoformat(),
                event.actor_id or "",
                _safe(event.actor_label),
                event.action,
                event.target_kind,
                event.target_id if event.target_id is not None else "",
                event.group_id if event.group_id is not None else "",
                _safe(_json(event.data)),
            ]
        )


def _json(data: dict[str, Any]) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def open_reports(reports: QuerySet[Report]) -> QuerySet[Report]:
    return (
        reports.filter(status=Report.Status.OPEN)
        .select_related("reporter", "author", "group")
        .order_by("created_at", "id")
    )


def decided_reports(reports: QuerySet[Report]) -> QuerySet[Report]:
    return (
        reports.exclude(status=Report.Status.OPEN)
        .select_related("reporter", "author", "group", "decided_by")
        .order_by("-decided_at", "-id")
    )
