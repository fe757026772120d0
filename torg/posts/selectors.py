"""Reads for post cards and pages, with a fixed number of queries whatever the page size.

``prefetch_for_cards(posts, viewer)`` is the one function every list of post cards goes through
(feeds, group pages, profiles, topic pages, the detail page). It sets ``card_*`` attributes that
``posts/_post.html`` reads, so the template never triggers a query.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet, prefetch_related_objects
from django.utils import timezone

from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.links.selectors import extract_urls, previews_for
from torg.posts.access import access_post, visible_posts
from torg.posts.models import (
    Attachment,
    Comment,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostRevision,
)
from torg.posts.selectors_cards import (
    attachments_with_videos,
    latest_comments,
    reaction_summaries,
)
from torg.posts.selectors_cards import polls as card_polls
from torg.posts.selectors_cards import roles as card_roles

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User
    from torg.links.models import LinkPreview

LATEST_COMMENTS = 2


@dataclass
class OptionCard:
    option: PollOption
    percent: int
    mine: bool


@dataclass
class PollCard:
    poll: Poll
    options: list[OptionCard]
    closed: bool
    voted: bool

    @property
    def show_results(self) -> bool:
        return self.voted or self.closed


def _latest_comments(posts: list[Post], person: User) -> dict[int, list[Comment]]:
    # Fixed SQL (torg.posts.selectors_cards): the same results as the comments helper's
    # latest_comments_for + attach_comment_reactions, without building querysets per page.
    comments = latest_comments([p.pk for p in posts], LATEST_COMMENTS)
    shown = [c for items in comments.values() for c in items]
    summaries = reaction_summaries("comment", [c.pk for c in shown], person)
    for comment in shown:
        comment.reaction_summary = summaries[comment.pk]  # type: ignore[attr-defined]
    return comments


def _reaction_summaries(posts: list[Post], person: User) -> dict[int, Any]:
    return dict(reaction_summaries("post", [p.pk for p in posts], person))


def _poll_cards(post_ids: list[int], person: User) -> dict[int, PollCard]:
    polls = card_polls(post_ids)  # fixed SQL; options and votes only when there are polls
    if not polls:
        return {}
    prefetch_related_objects(polls, "options")
    mine = set(
        PollVote.objects.filter(poll__in=polls, user=person).values_list("option_id", flat=True)
    )
    now = timezone.now()
    cards: dict[int, PollCard] = {}
    for poll in polls:
        options = list(poll.options.all())
        total = sum(o.vote_count for o in options)
        cards[poll.post_id] = PollCard(
            poll=poll,
            options=[
                OptionCard(
                    option=o,
                    percent=round(100 * o.vote_count / total) if total else 0,
                    mine=o.pk in mine,
                )
                for o in options
            ],
            closed=poll.closes_at is not None and poll.closes_at <= now,
            voted=any(o.pk in mine for o in options),
        )
    return cards


def _first_preview(post: Post, previews: dict[str, LinkPreview]) -> LinkPreview | None:
    for url in extract_urls(post.body):
        if url in previews:
            return previews[url]
    return None


def prefetch_for_cards(posts: Iterable[Post], viewer: User | AnonymousUser) -> list[Post]:
    """Load everything a list of post cards shows, in a fixed number of queries.

    Sets on each post: ``card_images``, ``card_files``, ``card_poll``, ``card_preview``,
    ``card_original`` (the shared post if the viewer may see it, else None; ``card_original_gone``
    when a share's original is hidden or deleted), ``prefetched_latest_comments``,
    ``reaction_summary`` ({"counts": {kind: n}, "mine": kind}), ``card_can_edit``,
    ``card_can_delete``, ``card_can_pin``.
    """
    posts = list(posts)
    person = as_person(viewer)
    if not posts or person is None:
        return posts
    author_field, group_field = Post._meta.get_field("author"), Post._meta.get_field("group")
    if not all(author_field.is_cached(p) and group_field.is_cached(p) for p in posts):
        prefetch_related_objects(posts, "author", "group")  # feeds load them with the page
    post_ids = [p.pk for p in posts]

    original_ids = {p.shared_post_id for p in posts if p.shared_post_id is not None}
    originals: dict[int, Post] = {}
    if original_ids:
        originals = {
            o.pk: o
            for o in visible_posts(person)
            .filter(pk__in=original_ids)
            .select_related("author", "group")
        }

    # The latest comments first: their attachments (videos selected) come in the posts' query.
    comments = _latest_comments(posts, person)
    shown_comments = [c for items in comments.values() for c in items]
    comment_ids = [c.pk for c in shown_comments if c.deleted_at is None]
    # One query (fixed SQL) for the attachments of the posts, shared originals and shown
    # comments, each with its torg.media video: the posts' videos are taken from it (the same
    # videos, in the same order, as torg.media.selectors.videos_by_post would read).
    attachments: dict[int, list[Attachment]] = defaultdict(list)
    videos: dict[int, list[Any]] = defaultdict(list)
    comment_attachments: list[Attachment] = []
    for attachment in attachments_with_videos([*post_ids, *originals], comment_ids):
        if attachment.post_id is None:
            comment_attachments.append(attachment)
            continue
        attachments[attachment.post_id].append(attachment)
        # Loaded (no query); a missing one raises RelatedObjectDoesNotExist, an AttributeError.
        video = getattr(attachment, "video", None)
        if video is not None:
            videos[attachment.post_id].append(video)
    from torg.posts.comment_actions import attach_comment_media

    attach_comment_media(shown_comments, person, attachments=comment_attachments)

    polls = _poll_cards(post_ids, person)
    urls = [url for p in [*posts, *originals.values()] for url in extract_urls(p.body)]
    previews = previews_for(urls) if urls else {}
    reactions = _reaction_summaries(posts, person)

    roles = card_roles(person, sorted({p.group_id for p in posts if p.group_id is not None}))

    for original in originals.values():
        _set_media(original, attachments.get(original.pk, []), previews)
        _set_videos(original, videos.get(original.pk, []))
    for post in posts:
        _set_media(post, attachments.get(post.pk, []), previews)
        _set_videos(post, videos.get(post.pk, []))
        post.card_poll = polls.get(post.pk)  # type: ignore[attr-defined]
        post.card_original = originals.get(post.shared_post_id or 0)  # type: ignore[attr-defined]
        post.card_original_gone = (  # type: ignore[attr-defined]
            post.shared_post_id is not None and post.card_original is None  # type: ignore[attr-defined]
        )
        post.prefetched_latest_comments = comments.get(post.pk, [])  # type: ignore[attr-defined]
        # _comments.html reads ``prefetched_latest_comments|default:post.latest_comments``.
        post.latest_comments = post.prefetched_latest_comments  # type: ignore[attr-defined]
        post.reaction_summary = reactions.get(post.pk)  # type: ignore[attr-defined]
        role = roles.get(post.group_id or 0)
        is_author = post.author_id == person.pk
        post.card_can_edit = is_author  # type: ignore[attr-defined]
        post.card_can_delete = (  # type: ignore[attr-defined]
            is_author
            or person.is_network_admin
            or role in (Membership.Role.ADMIN, Membership.Role.MODERATOR)
        )
        post.card_can_pin = role == Membership.Role.ADMIN  # type: ignore[attr-defined]
        post.card_can_manage_videos = (  # type: ignore[attr-defined]
            is_author or person.is_network_admin or role == Membership.Role.ADMIN
        )
    return posts


def _set_media(post: Post, items: list[Attachment], previews: dict[str, LinkPreview]) -> None:
    post.card_images = [a for a in items if a.kind == Attachment.Kind.IMAGE]  # type: ignore[attr-defined]
    post.card_files = [a for a in items if a.kind == Attachment.Kind.FILE]  # type: ignore[attr-defined]
    post.card_preview = _first_preview(post, previews)  # type: ignore[attr-defined]


def _set_videos(post: Post, videos: list[Any]) -> None:
    # A video's attachment (its source, later its MP4) shows as the player, not as a file.
    post.card_videos = videos  # type: ignore[attr-defined]
    if videos:
        video_files = {video.attachment_id for video in videos}
        post.card_files = [a for a in post.card_files if a.pk not in video_files]  # type: ignore[attr-defined]


def post_detail(viewer: User | AnonymousUser, post_id: Any) -> Post:
    """One post, ready for its card, or ``PostNotFound``."""
    post = access_post(viewer, post_id)
    return prefetch_for_cards([post], viewer)[0]


def post_revisions(post: Post) -> QuerySet[PostRevision]:
    """Earlier versions, newest first."""
    return PostRevision.objects.filter(post=post).select_related("edited_by")


def shareable_groups(viewer: User | AnonymousUser, post: Post) -> list[Group]:
    """Groups ``viewer`` may share ``post`` into (closed/secret originals: only their own)."""
    person = as_person(viewer)
    if person is None:
        return []
    original = post.shared_post if post.shared_post_id is not None else post
    assert original is not None
    memberships = Membership.objects.filter(user=person).select_related("group")
    if original.group is not None and original.group.privacy != Group.Privacy.OPEN:
        memberships = memberships.filter(group_id=original.group.pk)
    managers = (Membership.Role.ADMIN, Membership.Role.MODERATOR)
    return sorted(
        (
            m.group
            for m in memberships
            if m.group.kind != Group.Kind.ANNOUNCEMENTS or m.role in managers
        ),
        key=lambda g: g.name.casefold(),
    )


def mention_suggestions(viewer: User | AnonymousUser, q: str, *, limit: int = 8) -> list[Any]:
    """People whose name starts with (or contains) ``q`` that ``viewer`` may see."""
    from torg.people.access import visible_people

    q = q.strip()[:100]
    if not q:
        return []
    return list(
        visible_people(viewer)
        .filter(name__icontains=q)
        .only("pk", "name", "job_title", "avatar")
        .order_by("name")[:limit]
    )
