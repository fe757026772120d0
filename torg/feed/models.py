"""What shapes a person's home feed: follows, per-group feed choices, and who has seen what."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PersonFollow(models.Model):
    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following"
    )
    followee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="followers"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_person_once"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="no_self_follow"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class HashtagFollow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hashtag_follows"
    )
    hashtag = models.ForeignKey("posts.Hashtag", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "hashtag"], name="follow_hashtag_once")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} follows tag {self.hashtag_id}"


class GroupFeedSetting(models.Model):
    """A member who unfollowed a group (in_feed False), or a non-member following an open group."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_feed_settings"
    )
    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    in_feed = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "group"], name="one_feed_setting_per_group")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'follows' if self.in_feed else 'unfollowed'} {self.group_id}"


class PostSeen(models.Model):
    post = models.ForeignKey("posts.Post", on_delete=models.CASCADE, related_name="seen_by")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="seen_once")]
        # The insights rollup reads one day's seen-by rows (torg.insights.rollup).
        indexes = [models.Index(fields=["seen_at"], name="feed_postseen_seen_at")]

    def __str__(self) -> str:
        return f"{self.user_id} saw {self.post_id}"
