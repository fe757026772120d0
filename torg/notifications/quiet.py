"""A person's local time, and whether it falls in their quiet hours.

Quiet hours are two local times in the person's time zone (``User.time_zone``, else
``settings.TIME_ZONE``). Start before end (13:00–14:00) is one stretch inside a day; start after
end (22:00–07:00) runs over midnight. Start equal to end, or either empty, means none.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, tzinfo
from typing import TYPE_CHECKING

from django.conf import settings

if TYPE_CHECKING:
    from torg.accounts.models import User


def zone_of(user: User) -> tzinfo:
    """The person's time zone; an unknown name falls back to the site's."""
    for name in (user.time_zone, settings.TIME_ZONE):
        if not name:
            continue
        try:
            return zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            continue
    return zoneinfo.ZoneInfo("UTC")


def local_now(user: User, now: datetime) -> datetime:
    return now.astimezone(zone_of(user))


def is_quiet(start: time | None, end: time | None, local: time) -> bool:
    """Whether the local wall-clock time ``local`` lies in [start, end)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end


def in_quiet_hours(user: User, start: time | None, end: time | None, now: datetime) -> bool:
    return is_quiet(start, end, local_now(user, now).time())
