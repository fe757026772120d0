"""Reads for live pages, each a fixed number of queries."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F

from torg.groups.models import Group
from torg.live.models import Broadcast

GROUP_RAIL_LIMIT = 3


def broadcasts_by_post(post_ids: Iterable[int]) -> dict[int, Broadcast]:
    """{post id: broadcast} for the posts that are broadcasts (callers checked the posts)."""
    ids = list(post_ids)
    if not ids:
        return {}
    return {b.post_id: b for b in Broadcast.objects.filter(post_id__in=ids)}


def upcoming_in_group(group: Group) -> list[Broadcast]:
    """Live and upcoming broadcasts of a group whose content the caller may see: live first,
    then by start time."""
    rows = Broadcast.objects.filter(
        group=group,
        state__in=[Broadcast.State.LIVE, Broadcast.State.SCHEDULED],
        post__deleted_at__isnull=True,
    ).order_by("state", F("scheduled_at").asc(nulls_last=True), "pk")[:GROUP_RAIL_LIMIT]
    # "live" sorts before "scheduled"; upcoming ones without a time come last.
    return list(rows)
