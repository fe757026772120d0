"""A per-person cache of home-feed sources (group ids, followed people, followed hashtags).

Why: the sources are read on every home-feed page but change rarely (joining or leaving a group,
following someone); caching them saves the feed its UNION query and the Python that builds it.
The cache never decides what a person may see: the feed's posts query still applies
``visible_posts(viewer)`` in SQL on every page, so a stale entry cannot show a secret group's
post to someone who left it. It is invalidated at once anyway.

How (one cache round trip on a hit): the entry for a person is stored with the two version
tokens it was computed under; a reader fetches the entry and the current tokens in one
``get_many`` and uses the entry only when the tokens match.
- ``feed:src:v:<user>``: changed when that person's memberships, feed settings or follows change
  (model signals below, plus the feed actions that write with ``bulk_create``);
- ``feed:src:g``: changed when any group is saved or deleted (privacy and company-wide flags
  change everybody's sources).
A token is changed at once and again after commit: a reader that read the old rows while the
writing transaction was open stored them under the old token, which the after-commit change
makes stale. Entries also expire after ``TTL`` seconds, a backstop for writes that bypass model
signals (``bulk_create`` of memberships in ``torg.groups.actions``, see ``sources_changed``).

The cache is used only when the configured cache is shared by every process (Redis,
Memcached, database): a process-local cache (LocMem, the default without Redis) would not see
invalidations made by the task worker. ``FEED_SOURCES_CACHE`` (True / False) overrides that.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction

TTL = 120
_GLOBAL = "feed:src:g"


def _version_key(user_id: int) -> str:
    return f"feed:src:v:{user_id}"


def _entry_key(user_id: int, is_guest: bool) -> str:
    return f"feed:src:{user_id}:{int(is_guest)}"


def enabled() -> bool:
    forced = getattr(settings, "FEED_SOURCES_CACHE", None)
    if forced is not None:
        return bool(forced)
    return not isinstance(caches["default"], LocMemCache | DummyCache)


def _new_token() -> str:
    return secrets.token_hex(8)


def _change(keys: list[str]) -> None:
    if not keys or not enabled():
        return
    cache = caches["default"]

    def change() -> None:
        cache.set_many({key: _new_token() for key in keys}, timeout=None)

    change()
    transaction.on_commit(change, robust=True)


def sources_changed(user_ids: Iterable[int]) -> None:
    """These people's memberships, feed settings or follows changed (call for bulk writes)."""
    _change([_version_key(pk) for pk in sorted(set(user_ids))])


def groups_changed() -> None:
    """A group was created, changed or deleted: every person's sources may have changed."""
    _change([_GLOBAL])


def cached_sources(user_id: int, is_guest: bool, compute: Callable[[], Any]) -> Any:
    """The cached value of ``compute()`` for this person, computing and storing it if stale."""
    if not enabled():
        return compute()
    cache = caches["default"]
    version_key, entry_key = _version_key(user_id), _entry_key(user_id, is_guest)
    found = cache.get_many([entry_key, version_key, _GLOBAL])
    tokens = (found.get(version_key), found.get(_GLOBAL))
    entry = found.get(entry_key)
    if None not in tokens and entry is not None and entry[0] == tokens:
        return entry[1]
    if None in tokens:
        # First use (or evicted): create the missing tokens; ``add`` keeps a concurrent writer's.
        for key, token in zip((version_key, _GLOBAL), tokens, strict=True):
            if token is None:
                cache.add(key, _new_token(), timeout=None)
        current = cache.get_many([version_key, _GLOBAL])
        tokens = (current.get(version_key), current.get(_GLOBAL))
    # The tokens are read before the rows: a change committed meanwhile makes this entry stale.
    value = compute()
    if None not in tokens:
        cache.set(entry_key, (tokens, value), timeout=TTL)
    return value


def connect_signals() -> None:
    """Called from ``FeedConfig.ready``: model writes that change someone's sources."""
    from django.db.models.signals import post_delete, post_save

    from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow
    from torg.groups.models import Group, Membership

    def by_user(sender: Any, instance: Any, **kwargs: Any) -> None:
        sources_changed([instance.user_id])

    def by_follower(sender: Any, instance: Any, **kwargs: Any) -> None:
        sources_changed([instance.follower_id])

    def by_group(sender: Any, instance: Any, **kwargs: Any) -> None:
        groups_changed()

    for model, receiver in (
        (Membership, by_user),
        (GroupFeedSetting, by_user),
        (HashtagFollow, by_user),
        (PersonFollow, by_follower),
        (Group, by_group),
    ):
        uid = f"torg.feed.sources_cache.{model.__name__}"
        post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ".save")
        post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid + ".delete")
