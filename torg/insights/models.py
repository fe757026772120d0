"""Rollup tables. Dashboards read only these; background tasks fill them (see docs/insights.md)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class DailyActive(models.Model):
    """Someone did something (visited, posted, commented, reacted, saw a post) on ``day``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user"], name="active_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user_id} active {self.day}"


class NetworkDay(models.Model):
    day = models.DateField(unique=True)
    people = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)
    weekly_active = models.PositiveIntegerField(default=0)
    monthly_active = models.PositiveIntegerField(default=0)
    posters = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    # Negative signals: "sad" reactions and comments the lexicon scorer finds negative.
    sad_reactions = models.PositiveIntegerField(default=0)
    negative_comments = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"network {self.day}"


class SegmentDay(models.Model):
    """Active people per department or location on a day (shown only for 5 people or more)."""

    class Dimension(models.TextChoices):
        DEPARTMENT = "department"
        LOCATION = "location"

    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    segment_id = models.PositiveBigIntegerField()
    name = models.CharField(max_length=120)
    day = models.DateField()
    people = models.PositiveIntegerField(default=0)
    active = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dimension", "segment_id"], name="one_segment_row_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.segment_id} {self.day}"


class GroupDay(models.Model):
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    members = models.PositiveIntegerField(default=0)
    active_members = models.PositiveIntegerField(default=0)
    readers = models.PositiveIntegerField(default=0)
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="one_group_row_a_day")]

    def __str__(self) -> str:
        return f"group {self.group_id} {self.day}"


class PostDay(models.Model):
    """A group post's reach and engagement, recomputed while its day is in the hourly window
    (the day it was posted and the next), then kept: "top posts" compare first-two-day figures."""

    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    seen = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    shares = models.PositiveIntegerField(default=0)
    engagement = models.PositiveIntegerField(default=0)
    # Reactions by kind (their sum is ``reactions``) and comments the sentiment scorer reads as
    # negative: the signals behind "what engages" and "what frustrates".
    like_reactions = models.PositiveIntegerField(default=0)
    love_reactions = models.PositiveIntegerField(default=0)
    haha_reactions = models.PositiveIntegerField(default=0)
    wow_reactions = models.PositiveIntegerField(default=0)
    sad_reactions = models.PositiveIntegerField(default=0)
    celebrate_reactions = models.PositiveIntegerField(default=0)
    negative_comments = models.PositiveIntegerField(default=0)
    # Stored so rankings sort on an index; empty below the minimum sample (see insights docs).
    engagement_rate = models.FloatField(null=True, blank=True)
    negative_share = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["group", "day", "engagement"], name="postday_top"),
            models.Index(fields=["day", "engagement_rate"], name="postday_engaging"),
            models.Index(fields=["day", "negative_share"], name="postday_frustrating"),
        ]

    def __str__(self) -> str:
        return f"post {self.post_id} {self.day}"


class GroupHour(models.Model):
    """Engagement (comments + reactions) on posts by the hour and weekday they were posted."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    posts = models.PositiveIntegerField(default=0)
    engagement = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "day", "hour"], name="one_group_hour_row")
        ]

    def __str__(self) -> str:
        return f"group {self.group_id} {self.day} {self.hour}h"


class TopicDay(models.Model):
    """A hashtag's posts and the engagement on its posts on ``day``, per group (``group`` empty:
    profile posts). Negative signals: "sad" reactions and comments the scorer reads as negative."""

    hashtag = models.ForeignKey("posts.Hashtag", on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    reactions = models.PositiveIntegerField(default=0)
    sad_reactions = models.PositiveIntegerField(default=0)
    negative_comments = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "hashtag"], name="topicday_day"),
            models.Index(fields=["group", "day"], name="topicday_group"),
        ]

    def __str__(self) -> str:
        return f"#{self.hashtag_id} in {self.group_id} {self.day}"


class QuestionStat(models.Model):
    """One question's answer figures, recomputed whenever the hourly job sees it change."""

    question = models.OneToOneField(
        "knowledge.Question", on_delete=models.CASCADE, related_name="+"
    )
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()  # the day the question was posted (local time)
    answers = models.PositiveIntegerField(default=0)
    first_answer_seconds = models.PositiveIntegerField(null=True, blank=True)
    best_answer_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["day"], name="questionstat_day"),
            models.Index(fields=["group", "day"], name="questionstat_group"),
        ]

    def __str__(self) -> str:
        return f"question {self.question_id} {self.day}"


class ContributorDay(models.Model):
    """What one person wrote and received in one group (empty: profile posts) on ``day``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(
        "groups.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    posts = models.PositiveIntegerField(default=0)
    comments = models.PositiveIntegerField(default=0)
    answers = models.PositiveIntegerField(default=0)
    best_answers = models.PositiveIntegerField(default=0)
    reactions_received = models.PositiveIntegerField(default=0)
    comments_received = models.PositiveIntegerField(default=0)
    votes_received = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "user"], name="contributorday_day"),
            models.Index(fields=["group", "day"], name="contributorday_group"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.group_id} {self.day}"
