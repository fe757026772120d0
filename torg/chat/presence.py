"""Presence: online, away or offline, kept in the cache (Redis when configured), never stored.

A connection reports "online" or "away" (no input for 5 minutes) every ``TTL / 2`` seconds;
a person with no report within ``TTL`` is offline. Someone who turned sharing off always
shows as offline.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache

from torg.chat.models import ChatSettings

TTL = 90
STATES = ("online", "away")


def _key(user_id: int) -> str:
    return f"chat:presence:{user_id}"


def report(user_id: int, state: str) -> None:
    if state in STATES:
        cache.set(_key(user_id), state, TTL)


def clear(user_id: int) -> None:
    cache.delete(_key(user_id))


def states(user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(user_ids)
    hidden = set(
        ChatSettings.objects.filter(user_id__in=ids, share_presence=False).values_list(
            "user_id", flat=True
        )
    )
    found = cache.get_many([_key(uid) for uid in ids if uid not in hidden])
    return {uid: found.get(_key(uid), "offline") if uid not in hidden else "offline" for uid in ids}
