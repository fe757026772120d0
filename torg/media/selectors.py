"""Reads for video cards, status and statistics."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Avg, Count, F, Q
from django.urls import reverse

from torg.media.models import RETENTION_BUCKETS, Video, VideoView

if TYPE_CHECKING:
    from torg.accounts.models import User

# A view counts once at least this many seconds were watched.
COUNTED_SECONDS = 3.0


def videos_by_post(post_ids: Iterable[int]) -> dict[int, list[Video]]:
    """The videos of these posts, in one query (``prefetch_for_cards`` calls this)."""
    ids = list(post_ids)
    grouped: dict[int, list[Video]] = defaultdict(list)
    if not ids:
        return grouped
    for video in (
        Video.objects.filter(attachment__post_id__in=ids)
        .select_related("attachment")
        .order_by("attachment__position", "attachment_id")
    ):
        assert video.attachment is not None and video.attachment.post_id is not None
        grouped[video.attachment.post_id].append(video)
    return grouped


def file_url(video: Video, name: str) -> str:
    return reverse("media:file", args=[video.token, name])


@dataclass
class VideoStats:
    views: int
    unique_viewers: int
    average_seconds: float
    completion_rate: float  # 0..1, share of counted views that reached the last 5 %
    retention: list[float]  # per 5 % bucket, share of counted views that played through it
    all_playbacks: int

    @property
    def completion_percent(self) -> int:
        return round(self.completion_rate * 100)

    def chart(self, width: int = 600, height: int = 200) -> ChartData:
        return retention_chart(self.retention, width=width, height=height)


@dataclass
class ChartData:
    width: int
    height: int
    points: str  # for <polyline points="...">
    area: str  # closed polygon under the curve
    ticks: list[tuple[int, float, str]]  # (y percent label, y, label)
    labels: list[tuple[float, str]]  # x positions and percent labels
    left: int  # where the plot starts and ends (x)
    right: int


def video_stats(video: Video) -> VideoStats:
    """Statistics of ``video`` in two queries, computed by the database."""
    counted = VideoView.objects.filter(video=video, watched_seconds__gte=COUNTED_SECONDS)
    bits = {f"b{i}": F("buckets").bitand(1 << i) for i in range(RETENTION_BUCKETS)}
    totals = counted.alias(**bits).aggregate(
        views=Count("pk"),
        viewers=Count("viewer", distinct=True),
        average=Avg("watched_seconds"),
        **{f"r{i}": Count("pk", filter=Q(**{f"b{i}__gt": 0})) for i in range(RETENTION_BUCKETS)},
    )
    views = int(totals["views"] or 0)
    retention = [
        (int(totals[f"r{i}"] or 0) / views) if views else 0.0 for i in range(RETENTION_BUCKETS)
    ]
    return VideoStats(
        views=views,
        unique_viewers=int(totals["viewers"] or 0),
        average_seconds=round(float(totals["average"] or 0), 1),
        completion_rate=retention[-1] if views else 0.0,
        retention=retention,
        all_playbacks=VideoView.objects.filter(video=video).count(),
    )


def retention_chart(retention: list[float], *, width: int, height: int) -> ChartData:
    """Coordinates for an inline SVG line chart (drawn on the server: no chart script)."""
    pad_left, pad_right, pad_bottom, pad_top = 52, 28, 24, 10
    inner_w, inner_h = width - pad_left - pad_right, height - pad_bottom - pad_top
    n = max(1, len(retention))
    coords = []
    for i, share in enumerate(retention):
        x = pad_left + inner_w * (i + 0.5) / n
        y = pad_top + inner_h * (1 - share)
        coords.append((round(x, 1), round(y, 1)))
    points = " ".join(f"{x},{y}" for x, y in coords)
    base = pad_top + inner_h
    area = f"{coords[0][0]},{base} {points} {coords[-1][0]},{base}" if coords else ""
    ticks = [
        (percent, round(pad_top + inner_h * (1 - percent / 100), 1), f"{percent} %")
        for percent in (0, 50, 100)
    ]
    labels = [
        (round(pad_left + inner_w * fraction, 1), f"{int(fraction * 100)} %")
        for fraction in (0, 0.25, 0.5, 0.75, 1)
    ]
    return ChartData(width, height, points, area, ticks, labels, pad_left, width - pad_right)


def my_open_uploads(person: User) -> int:
    from torg.media.models import ChunkedUpload

    return ChunkedUpload.objects.filter(uploader=person, attachment__isnull=True).count()
