"""``{% group_lifecycle_banner group %}``: an archived, pending or inactive group says so on its
pages, with the keep/archive page linked for those who may decide (one query)."""

from __future__ import annotations

from typing import Any

from django import template

from torg.governance.models import GroupLifecycle, Role
from torg.governance.roles import has_role
from torg.groups.access import as_person

register = template.Library()


@register.inclusion_tag("governance/_group_banner.html", takes_context=True)
def group_lifecycle_banner(context: template.Context, group: Any) -> dict[str, Any]:
    state = (
        GroupLifecycle.objects.filter(group_id=group.pk)
        .values("archived_at", "approval_pending", "flagged_at")
        .first()
    )
    user = context.get("user")
    person = as_person(user) if user is not None else None
    viewer = context.get("viewer")
    may_decide = person is not None and (
        bool(getattr(viewer, "is_admin", False)) or has_role(person, Role.NETWORK_ADMIN)
    )
    return {"state": state, "group": group, "may_decide": may_decide}
