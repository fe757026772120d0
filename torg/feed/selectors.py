"""Feeds: home, group, profile and topic, in two orders, with keyset (cursor) pagination.

Every feed is ``visible_posts(viewer)`` (the posts app's access rule) narrowed to its sources, so
a closed or secret group's posts can never reach a non-member whatever the sources say.

Queries per page are fixed: the home feed reads the viewer's sources in one UNION query (fixed
SQL; or from ``sources_cache``), then one posts query (in the "recent" order fixed SQL,
``torg.feed.home_posts``, with the access rule compiled from ``visible_posts``), then
``prefetch_for_cards`` (its own fixed number). See docs/feed.md.

Orders:
- ``recent``: ``created_at`` desc, ``id`` desc; the cursor carries the last (created_at, id).
- ``top``: score = (1 + reactions + 2·comments + 3·shares) / (age_hours + 2)^1.5 with the age
  measured at ``as_of`` (the moment page 1 was fetched, carried in the cursor). Posts created after
  ``as_of`` are left out, so new posts never shift later pages; the cursor carries
  (score, id, as_of). Only posts of the last ``TOP_WINDOW`` are ranked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.core import signing
from django.db import connections, router
from django.db.models import (
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Power
from django.http import Http404
from django.utils import timezone

from torg.core.markdown import normalize_hashtag
from torg.feed import home_posts
from torg.feed.models import GroupFeedSetting, HashtagFollow, PersonFollow, PostSeen
from torg.feed.sources_cache import cached_sources
from torg.groups.access import as_person, can_see_content
from torg.groups.models import Group, Membership
from torg.posts.access import access_post, role_in, visible_posts
from torg.posts.models import Hashtag, Post, PostHashtag
from torg.posts.selectors import prefetch_for_cards

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

Order = Literal["recent", "top"]
ORDERS: tuple[str, ...] = ("recent", "top")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
TOP_WINDOW = timedelta(days=30)
_CURSOR_SALT = "torg.feed.cursor"

# Kinds of rows in the one "sources" query of the home feed.
_MEMBER, _FOLLOWED_GROUP, _UNFOLLOWED_GROUP, _COMPANY_WIDE, _PERSON, _HASHTAG = range(6)


class InvalidCursor(ValueError):
    """A cursor that was tampered with, is malformed, or belongs to the other order."""


class TopicNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


@dataclass
class FeedPage:
    posts: list[Post]
    next_cursor: str | None
    pinned: list[Post] = field(default_factory=list)

    @property
    def all_posts(self) -> list[Post]:
        return [*self.pinned, *self.posts]


# --- cursor --------------------------------------------------------------------------------------


def encode_cursor(data: dict[str, Any]) -> str:
    """An opaque, signed, URL-safe cursor."""
    return signing.dumps(data, salt=_CURSOR_SALT, compress=True)


def decode_cursor(cursor: str | None, order: str) -> dict[str, Any] | None:
    if cursor is None or cursor == "":
        return None
    if not isinstance(cursor, str) or len(cursor) > 500:
        raise InvalidCursor
    try:
        data = signing.loads(cursor, salt=_CURSOR_SALT)
    except signing.BadSignature as error:
        raise InvalidCursor from error
    if not isinstance(data, dict) or data.get("o") != order:
        raise InvalidCursor
    try:
        parsed: dict[str, Any] = {"i": int(data["i"])}
        if order == "recent":
            parsed["t"] = datetime.fromisoformat(data["t"])
        else:
            parsed["s"] = float(data["s"])
            parsed["a"] = datetime.fromisoformat(data["a"])
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidCursor from error
    return parsed


def check_order(order: str) -> Order:
    if order not in ORDERS:
        raise InvalidCursor
    return order  # type: ignore[return-value]


def _clamp(limit: int) -> int:
    return max(1, min(int(limit), MAX_LIMIT))


# --- ordering and paging -------------------------------------------------------------------------


class _EpochSeconds(Func):
    """Seconds since 1970 of a datetime column, on SQLite and PostgreSQL."""

    output_field = FloatField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)",
            **extra,
        )


def top_score(as_of: datetime) -> Any:
    """The "top" score as a SQL expression (see docs/feed.md)."""
    engagement = ExpressionWrapper(
        Value(1.0)
        + F("reaction_count")
        + Value(2.0) * F("comment_count")
        + Value(3.0) * F("share_count"),
        output_field=FloatField(),
    )
    age_hours = ExpressionWrapper(
        (Value(as_of.timestamp()) - _EpochSeconds("created_at")) / Value(3600.0),
        output_field=FloatField(),
    )
    decay = Power(age_hours + Value(2.0), Value(1.5), output_field=FloatField())
    return Cast(engagement / decay, FloatField())


def _page(
    queryset: QuerySet[Post], viewer: User, order: Order, cursor: str | None, limit: int
) -> FeedPage:
    """One page of ``queryset`` in ``order`` after ``cursor``, prefetched for cards."""
    limit = _clamp(limit)
    position = decode_cursor(cursor, order)
    # Authors and groups come with the page (prefetch_for_cards then skips them).
    queryset = queryset.select_related("author", "group")
    if order == "recent":

        def recent_rows(after: tuple[datetime, int] | None, count: int) -> list[Post]:
            chosen = queryset
            if after is not None:
                chosen = chosen.filter(
                    Q(created_at__lt=after[0]) | Q(created_at=after[0], pk__lt=after[1])
                )
            return list(chosen.order_by("-created_at", "-pk")[:count])

        return _recent_page(recent_rows, viewer, position, limit)
    else:
        as_of = position["a"] if position is not None else timezone.now()
        queryset = queryset.filter(created_at__lte=as_of, created_at__gt=as_of - TOP_WINDOW)
        queryset = queryset.annotate(feed_score=top_score(as_of))
        if position is not None:
            queryset = queryset.filter(
                Q(feed_score__lt=position["s"]) | Q(feed_score=position["s"], pk__lt=position["i"])
            )
        rows = list(queryset.order_by("-feed_score", "-pk")[: limit + 1])
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more and rows:
            last = rows[-1]
            next_cursor = encode_cursor(
                {"o": "top", "s": last.feed_score, "i": last.pk, "a": as_of.isoformat()}
            )
    return FeedPage(posts=prefetch_for_cards(rows, viewer), next_cursor=next_cursor)


def _recent_page(
    recent_rows: Callable[[tuple[datetime, int] | None, int], list[Post]],
    viewer: User,
    position: dict[str, Any] | None,
    limit: int,
) -> FeedPage:
    """A page in the "recent" order: ``recent_rows(after, count)`` reads up to ``count`` posts
    after the keyset position ``after`` (created_at, id), newest first."""
    after = (position["t"], position["i"]) if position is not None else None
    rows = recent_rows(after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = encode_cursor({"o": "recent", "t": last.created_at.isoformat(), "i": last.pk})
    return FeedPage(posts=prefetch_for_cards(rows, viewer), next_cursor=next_cursor)


# --- home ----------------------------------------------------------------------------------------


@dataclass
class FeedSources:
    group_ids: set[int]
    person_ids: set[int]
    hashtag_ids: set[int]


def feed_sources(person: User) -> FeedSources:
    """What shapes ``person``'s home feed: from the per-person cache, else one UNION query.

    Groups: member groups and company-wide groups, unless unfollowed; open groups followed without
    membership. Guests: their member groups only (no company-wide, no followed open groups).
    See ``torg.feed.sources_cache`` for the cache and its invalidation.
    """
    return cached_sources(person.pk, person.is_guest, lambda: _read_sources(person))


# The sources of a home feed in one statement, as fixed SQL (what the ORM built from six
# querysets, whose building and compiling cost more than the statement); the second number of
# each part is its kind (_MEMBER ... _HASHTAG). Guests get the first four parts only.
_SOURCES_SQL = (
    "SELECT group_id, 0 FROM groups_membership WHERE user_id = %s"
    " UNION ALL SELECT group_id, 2 FROM feed_groupfeedsetting WHERE user_id = %s AND NOT in_feed"
    " UNION ALL SELECT followee_id, 4 FROM feed_personfollow WHERE follower_id = %s"
    " UNION ALL SELECT hashtag_id, 5 FROM feed_hashtagfollow WHERE user_id = %s"
)
_EMPLOYEE_SOURCES_SQL = (
    " UNION ALL SELECT s.group_id, 1 FROM feed_groupfeedsetting s"
    " JOIN groups_group g ON g.id = s.group_id"
    " WHERE s.user_id = %s AND s.in_feed AND g.privacy = %s"
    " UNION ALL SELECT id, 3 FROM groups_group WHERE is_company_wide"
)


def _read_sources(person: User) -> FeedSources:
    sql = _SOURCES_SQL
    params: list[Any] = [person.pk] * 4
    if not person.is_guest:
        sql += _EMPLOYEE_SOURCES_SQL
        params += [person.pk, Group.Privacy.OPEN.value]
    with connections[router.db_for_read(Membership)].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    by_kind: dict[int, set[int]] = {kind: set() for kind in range(6)}
    for pk, kind in rows:
        by_kind[kind].add(pk)
    groups = (by_kind[_MEMBER] | by_kind[_FOLLOWED_GROUP] | by_kind[_COMPANY_WIDE]) - by_kind[
        _UNFOLLOWED_GROUP
    ]
    return FeedSources(group_ids=groups, person_ids=by_kind[_PERSON], hashtag_ids=by_kind[_HASHTAG])


def home_queryset(person: User, sources: FeedSources) -> QuerySet[Post]:
    sourced = Q(pk__in=[])
    if sources.group_ids:
        sourced |= Q(group_id__in=sorted(sources.group_ids))
    if sources.person_ids:
        sourced |= Q(author_id__in=sorted(sources.person_ids))
    if sources.hashtag_ids:
        sourced |= Q(
            pk__in=PostHashtag.objects.filter(hashtag_id__in=sorted(sources.hashtag_ids)).values(
                "post_id"
            )
        )
    return visible_posts(person).filter(sourced)


def home_feed(
    viewer: User | AnonymousUser,
    *,
    order: str = "recent",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """The viewer's home feed: their groups, people and topics they follow, company-wide posts."""
    checked = check_order(order)
    person = as_person(viewer)
    if person is None:
        return FeedPage(posts=[], next_cursor=None)
    position = decode_cursor(cursor, checked)  # refuse a bad cursor before any query
    sources = feed_sources(person)
    if not (sources.group_ids or sources.person_ids or sources.hashtag_ids):
        return FeedPage(posts=[], next_cursor=None)
    if checked == "recent":
        # The hot path: the posts query as fixed SQL, with the same rows as home_queryset's.
        def recent_rows(after: tuple[datetime, int] | None, count: int) -> list[Post]:
            return home_posts.recent_posts(person, sources, after, count)

        return _recent_page(recent_rows, person, position, _clamp(limit))
    return _page(home_queryset(person, sources), person, checked, cursor, limit)


# --- group, profile, topic -----------------------------------------------------------------------


def group_feed(
    viewer: User | AnonymousUser,
    group: Group,
    *,
    order: str = "recent",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """A group's posts, pinned first (on the first page), then by ``order``.

    Empty when the viewer may not see the group's content.
    """
    checked = check_order(order)
    person = as_person(viewer)
    decode_cursor(cursor, checked)
    if person is None or not can_see_content(person, group):
        return FeedPage(posts=[], next_cursor=None)
    base = visible_posts(person).filter(group=group)
    pinned: list[Post] = []
    if cursor is None:
        pinned = list(base.filter(pinned_at__isnull=False).order_by("-pinned_at", "-pk"))
    page = _page(base.filter(pinned_at__isnull=True), person, checked, cursor, limit)
    if pinned:
        page.pinned = prefetch_for_cards(pinned, person)
    return page


def profile_feed(
    viewer: User | AnonymousUser,
    author: User,
    *,
    order: str = "recent",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """``author``'s posts the viewer may see: profile posts and posts in groups they may see."""
    checked = check_order(order)
    person = as_person(viewer)
    decode_cursor(cursor, checked)
    if person is None:
        return FeedPage(posts=[], next_cursor=None)
    return _page(visible_posts(person).filter(author=author), person, checked, cursor, limit)


def access_topic(viewer: User | AnonymousUser, name: str) -> Hashtag:
    """The topic, if it exists for the viewer: some post they may see carries it, or they follow
    it. Otherwise ``TopicNotFound`` (so a tag used only in a secret group stays unknown)."""
    person = as_person(viewer)
    if person is None or not isinstance(name, str) or not (0 < len(name) <= 65):
        raise TopicNotFound
    key = normalize_hashtag(name)
    if not key or len(key) > 64:
        raise TopicNotFound
    tagged = PostHashtag.objects.filter(
        hashtag=OuterRef("pk"), post__in=visible_posts(person).values("pk")
    )
    followed = HashtagFollow.objects.filter(hashtag=OuterRef("pk"), user=person)
    topic = (
        Hashtag.objects.filter(name=key)
        .annotate(is_followed=Exists(followed))
        .filter(Exists(tagged) | Exists(followed))
        .first()
    )
    if topic is None:
        raise TopicNotFound
    return topic


def topic_feed(
    viewer: User | AnonymousUser,
    topic: Hashtag,
    *,
    order: str = "recent",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> FeedPage:
    """Posts carrying ``topic`` that the viewer may see."""
    checked = check_order(order)
    person = as_person(viewer)
    decode_cursor(cursor, checked)
    if person is None:
        return FeedPage(posts=[], next_cursor=None)
    tagged = PostHashtag.objects.filter(hashtag=topic).values("post_id")
    return _page(visible_posts(person).filter(pk__in=tagged), person, checked, cursor, limit)


# --- follows, settings, seen-by ------------------------------------------------------------------


def is_following_person(viewer: User | AnonymousUser, person: User) -> bool:
    me = as_person(viewer)
    return me is not None and PersonFollow.objects.filter(follower=me, followee=person).exists()


@dataclass
class FeedSettingRow:
    group: Group
    is_member: bool
    in_feed: bool


def feed_settings(viewer: User | AnonymousUser) -> list[FeedSettingRow]:
    """My groups with "show in my home feed", plus open groups I follow without joining."""
    person = as_person(viewer)
    if person is None:
        return []
    settings = dict(GroupFeedSetting.objects.filter(user=person).values_list("group_id", "in_feed"))
    member_ids = set(Membership.objects.filter(user=person).values_list("group_id", flat=True))
    followed = {pk for pk, in_feed in settings.items() if in_feed}
    groups = Group.objects.filter(
        Q(pk__in=member_ids) | Q(pk__in=followed, privacy=Group.Privacy.OPEN)
    ).order_by("name", "pk")
    if person.is_guest:
        groups = groups.filter(pk__in=member_ids)
    return [
        FeedSettingRow(
            group=group,
            is_member=group.pk in member_ids,
            in_feed=settings.get(group.pk, True),
        )
        for group in groups
    ]


def group_in_feed(viewer: User | AnonymousUser, group: Group) -> bool:
    """Whether ``group``'s posts are in the viewer's home feed."""
    person = as_person(viewer)
    if person is None:
        return False
    return group.pk in feed_sources(person).group_ids


def can_see_seen_by(viewer: User | AnonymousUser, post: Post) -> bool:
    person = as_person(viewer)
    if person is None:
        return False
    if post.author_id == person.pk:
        return True
    return post.group_id is not None and role_in(person, post.group_id) == Membership.Role.ADMIN


@dataclass
class SeenBy:
    post: Post
    count: int
    seen: list[PostSeen]


def seen_by(viewer: User | AnonymousUser, post_id: Any, *, limit: int = 200) -> SeenBy:
    """Who saw a post: for its author and its group's admins; everyone else gets "not found"."""
    post = access_post(viewer, post_id)
    if not can_see_seen_by(viewer, post):
        raise Http404("Not found")
    seen = list(
        PostSeen.objects.filter(post=post)
        .select_related("user")
        .order_by("-seen_at", "-pk")[:limit]
    )
    return SeenBy(post=post, count=post.seen_count, seen=seen)
