"""Write a line to the append-only audit log: ``audit.record(actor, "action", ...)``.

Called from actions inside their transaction, so a rolled-back change leaves no line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from torg.governance.models import AuditEvent

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


def record(
    actor: User | AnonymousUser | None,
    action: str,
    *,
    target: Any = None,
    target_kind: str = "",
    target_id: int | None = None,
    group_id: int | None = None,
    summary: str = "",
    **data: Any,
) -> AuditEvent:
    """Append one event. ``target`` (a model instance) fills kind and id when given."""
    if target is not None:
        target_kind = target_kind or target._meta.model_name
        target_id = target.pk
        if group_id is None:
            if target._meta.model_name == "group":
                group_id = target.pk
            else:
                group_id = getattr(target, "group_id", None)
    person: Any = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=person,
        actor_label=getattr(person, "email", "") if person is not None else "",
        action=action,
        target_kind=target_kind,
        target_id=target_id,
        group_id=group_id,
        summary=summary[:500],
        data={k: v for k, v in data.items() if v is not None},
    )
