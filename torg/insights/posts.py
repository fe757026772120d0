"""Post insights: one post's figures, and "what engages / what frustrates" rankings.

One post's page reads that post's own counters and rows under the post's indexes (reactions by
kind, its comments for the sentiment scorer, its seen-by rows, its videos' views, its
announcement's receipts). The rankings read only the ``PostDay`` rollup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Count
from django.utils.text import Truncator

from torg.feed.models import PostSeen
from torg.groups.models import Group
from torg.insights.access import PostInsightsAccess
from torg.insights.models import PostDay
from torg.insights.rollup import MIN_SEEN_FOR_RATE, MIN_SIGNALS_FOR_SHARE
from torg.insights.selectors import Table, ratio
from torg.insights.sentiment import is_negative
from torg.posts.models import Comment, Post, Reaction

if TYPE_CHECKING:
    from torg.announcements.selectors import ReceiptCounts
    from torg.media.models import Video
    from torg.media.selectors import ChartData, VideoStats

# As many names as the feed's seen-by page lists.
SEEN_BY_LIMIT = 200
RANKING_SIZE = 10

__all__ = ["MIN_SEEN_FOR_RATE", "MIN_SIGNALS_FOR_SHARE", "PostInsights", "post_insights"]


@dataclass
class VideoFigures:
    video: Video
    stats: VideoStats
    chart: ChartData


@dataclass
class PostInsights:
    post: Post
    show_names: bool
    may_read: bool
    excerpt: str
    members: int | None  # None for a profile post (no group, so no reach)
    seen: int
    reach: float | None
    comments: int
    reactions: int
    shares: int
    sad_reactions: int
    negative_comments: int
    negative_share: float
    reaction_rows: list[dict[str, Any]]  # for the bar chart: kind, label, count, percent
    seen_by: list[PostSeen]
    videos: list[VideoFigures]
    receipts: ReceiptCounts | None
    acknowledgement_rate: float | None
    tables: dict[str, Table] = field(default_factory=dict)


def post_insights(granted: PostInsightsAccess) -> PostInsights:
    """Figures of one post, live (counters and the post's own rows), in a fixed number of
    queries: reactions by kind, comment bodies, seen-by names (if shown), videos (+2 per video),
    announcement (+2 if it is one)."""
    from torg.announcements.models import Announcement
    from torg.announcements.selectors import receipt_counts
    from torg.media.selectors import video_stats, videos_by_post

    post = granted.post
    by_kind = dict(
        Reaction.objects.filter(post=post, comment__isnull=True)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    reactions = sum(by_kind.values())
    comment_bodies = list(
        Comment.objects.filter(post=post, deleted_at__isnull=True).values_list("body", flat=True)
    )
    comments = len(comment_bodies)
    negative_comments = sum(1 for body in comment_bodies if is_negative(body))
    sad = by_kind.get(Reaction.Kind.SAD, 0)
    members = post.group.member_count if post.group is not None else None
    seen = post.seen_count
    seen_by: list[PostSeen] = []
    if granted.show_names:
        # The feed's seen-by data: the same rows, order and limit as its "Seen by" page.
        seen_by = list(
            PostSeen.objects.filter(post=post)
            .select_related("user")
            .order_by("-seen_at", "-pk")[:SEEN_BY_LIMIT]
        )
    videos = []
    for video in videos_by_post([post.pk]).get(post.pk, []):
        stats = video_stats(video)
        videos.append(VideoFigures(video=video, stats=stats, chart=stats.chart()))
    receipts = None
    announcement = Announcement.objects.filter(post=post).first() if post.group_id else None
    if announcement is not None:
        announcement.post = post
        receipts = receipt_counts(announcement)
    reaction_rows = [
        {
            "kind": kind.value,
            "label": kind.label,
            "count": by_kind.get(kind.value, 0),
            "percent": round(100 * by_kind.get(kind.value, 0) / reactions) if reactions else 0,
        }
        for kind in Reaction.Kind
    ]
    insights = PostInsights(
        post=post,
        show_names=granted.show_names,
        may_read=granted.may_read,
        excerpt=Truncator(post.body).chars(200) if granted.may_read else "",
        members=members,
        seen=seen,
        reach=ratio(seen, members) if members is not None else None,
        comments=comments,
        reactions=reactions,
        shares=post.share_count,
        sad_reactions=sad,
        negative_comments=negative_comments,
        negative_share=ratio(sad + negative_comments, reactions + comments),
        reaction_rows=reaction_rows,
        seen_by=seen_by,
        videos=videos,
        receipts=receipts,
        acknowledgement_rate=(
            ratio(receipts.acknowledged, receipts.audience) if receipts is not None else None
        ),
    )
    insights.tables = _tables(insights)
    return insights


def _tables(insights: PostInsights) -> dict[str, Table]:
    summary: list[list[Any]] = [
        ["seen", insights.seen],
        ["members", insights.members if insights.members is not None else ""],
        ["reach", insights.reach if insights.reach is not None else ""],
        ["comments", insights.comments],
        ["reactions", insights.reactions],
        ["shares", insights.shares],
        ["sad_reactions", insights.sad_reactions],
        ["negative_comments", insights.negative_comments],
        ["negative_share", insights.negative_share],
    ]
    if insights.receipts is not None:
        summary += [
            ["acknowledged", insights.receipts.acknowledged],
            ["recipients", insights.receipts.audience],
            ["acknowledgement_rate", insights.acknowledgement_rate],
        ]
    tables = {
        "summary": Table("summary", ["figure", "value"], summary),
        "reactions": Table(
            "reactions",
            ["kind", "reactions", "share"],
            [
                [row["kind"], row["count"], ratio(row["count"], insights.reactions)]
                for row in insights.reaction_rows
            ],
        ),
    }
    if insights.show_names:
        tables["seen_by"] = Table(
            "seen_by",
            ["name", "seen_at"],
            [[seen.user.name, seen.seen_at.isoformat()] for seen in insights.seen_by],
        )
    if insights.videos:
        tables["video"] = Table(
            "video",
            [
                "video",
                "views",
                "unique_viewers",
                "average_seconds",
                "completion_rate",
                "playbacks",
            ],
            [
                [
                    figures.video.name,
                    figures.stats.views,
                    figures.stats.unique_viewers,
                    figures.stats.average_seconds,
                    round(figures.stats.completion_rate, 3),
                    figures.stats.all_playbacks,
                ]
                for figures in insights.videos
            ],
        )
        tables["retention"] = Table(
            "retention",
            ["video", "from_percent", "to_percent", "share_of_views"],
            [
                [figures.video.name, 5 * i, 5 * (i + 1), round(share, 3)]
                for figures in insights.videos
                for i, share in enumerate(figures.stats.retention)
            ],
        )
    return tables


# --- "what engages" / "what frustrates" ------------------------------------------------------


def _ranked(
    *, since: date, until: date, group: Group | None, open_only: bool, order: str, column: str
) -> list[PostDay]:
    rows = PostDay.objects.filter(
        day__gte=since,
        day__lte=until,
        post__deleted_at__isnull=True,
        **{f"{column}__isnull": False},
    )
    if group is not None:
        rows = rows.filter(group=group)
    if open_only:
        # Read by people who are not members of closed or secret groups: open groups only
        # (company-wide groups are always open), judged by the group's privacy today.
        rows = rows.filter(group__privacy=Group.Privacy.OPEN)
    return list(
        rows.select_related("post", "group").order_by(f"-{column}", order, "-post_id")[
            :RANKING_SIZE
        ]
    )


def engaging_posts(
    *, since: date, until: date, group: Group | None = None, with_text: bool = False
) -> Table:
    """Posts by engagement rate: (comments + reactions + shares) ÷ seen by, for posts seen by
    at least ``MIN_SEEN_FOR_RATE`` people, figures of the post's first two days."""
    with_group = group is None
    rows = _ranked(
        since=since,
        until=until,
        group=group,
        open_only=group is None,
        order="-engagement",
        column="engagement_rate",
    )
    figures = ["seen", "comments", "reactions", "shares", "engagement_rate"]
    return _post_table("engaging_posts", rows, figures, with_group=with_group, with_text=with_text)


def frustrating_posts(
    *, since: date, until: date, group: Group | None = None, with_text: bool = False
) -> Table:
    """Posts by negative share: (sad reactions + negative comments) ÷ (reactions + comments),
    for posts with at least ``MIN_SIGNALS_FOR_SHARE`` reactions + comments."""
    with_group = group is None
    rows = _ranked(
        since=since,
        until=until,
        group=group,
        open_only=group is None,
        order="-sad_reactions",
        column="negative_share",
    )
    figures = ["comments", "reactions", "sad_reactions", "negative_comments", "negative_share"]
    return _post_table(
        "frustrating_posts", rows, figures, with_group=with_group, with_text=with_text
    )


def _post_table(
    name: str, rows: Any, figures: list[str], *, with_group: bool, with_text: bool
) -> Table:
    """A ranked post table: id, day, group (network-wide), excerpt, then ``figures`` (columns
    named as the ranked rows' attributes)."""
    columns = ["post_id", "posted", *(["group"] if with_group else []), "excerpt", *figures]
    return Table(
        name,
        columns,
        [
            [
                p.post_id,
                p.day.isoformat(),
                *([p.group.name] if with_group else []),
                Truncator(p.post.body).chars(80) if with_text else "",
                *(getattr(p, figure) for figure in figures),
            ]
            for p in rows
        ],
    )
