"""Who may be told about what: levels (with their defaults), mutes and follows, in bulk.

Decisions:
- Default level per group: announcement groups "all", the company-wide group "highlights",
  every other group "mentions" (only mentions and replies).
- "highlights" means posts written by the group's admins, and posts that reach
  ``HIGHLIGHT_REACTIONS`` reactions (told once per person and post).
- "off" silences everything about the group's content, mentions and replies included.
- A muted group, post or person (their posts, comments and reactions) sends nothing until the
  mute's ``until`` has passed; ``until`` empty means until the person unmutes.
- Authors follow their posts and commenters the posts they comment on, unless they unfollowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Lookup, Q

from torg.groups.models import Group
from torg.notifications.models import GroupNotificationLevel, Mute

Level = GroupNotificationLevel.Level
HIGHLIGHT_REACTIONS = 10


class _AnyOf(Lookup[Any]):
    """``<column> = ANY(%s::bigint[])``: the ids as one array parameter (PostgreSQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::bigint[])", (*lhs_params, list(self.rhs))


def id_among(field: str, ids: list[int]) -> Any:
    """A filter for ``<field>__in=ids``. On PostgreSQL the ids go as one array parameter:
    with 5,000 recipients ``__in`` builds, quotes and sends 5,000 placeholders (about 14 ms
    of CPU per query against 4 ms, and a big group post runs seven such queries)."""
    if connection.vendor == "postgresql":
        return _AnyOf(F(field), ids)
    return Q(**{f"{field}__in": ids})


def default_level(group: Group) -> str:
    if group.kind == Group.Kind.ANNOUNCEMENTS:
        return Level.ALL
    if group.is_company_wide:
        return Level.HIGHLIGHTS
    return Level.MENTIONS


def levels_for_members(group: Group, user_ids: Iterable[int]) -> dict[int, str]:
    """{user id: effective level} for ``user_ids`` in ``group``, in one query."""
    ids = list(user_ids)
    stored = dict(
        GroupNotificationLevel.objects.filter(id_among("user_id", ids), group=group).values_list(
            "user_id", "level"
        )
    )
    fallback = default_level(group)
    return {user_id: stored.get(user_id, fallback) for user_id in ids}


def active_mute_filter(now: datetime) -> Q:
    return Q(until__isnull=True) | Q(until__gt=now)


def muted_user_ids(
    user_ids: Iterable[int],
    *,
    now: datetime,
    group_id: int | None,
    post_id: int | None,
    actor_id: int | None,
) -> set[int]:
    """Which of ``user_ids`` have an active mute on the group, the post or the actor."""
    ids = list(user_ids)
    targets = Q(pk__in=[])
    if group_id is not None:
        targets |= Q(target_kind=Mute.TargetKind.GROUP, target_id=group_id)
    if post_id is not None:
        targets |= Q(target_kind=Mute.TargetKind.POST, target_id=post_id)
    if actor_id is not None:
        targets |= Q(target_kind=Mute.TargetKind.PERSON, target_id=actor_id)
    if not ids:
        return set()
    return set(
        Mute.objects.filter(targets, active_mute_filter(now), id_among("user_id", ids)).values_list(
            "user_id", flat=True
        )
    )
