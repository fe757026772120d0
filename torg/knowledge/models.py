"""Questions and answers, answer votes and curated topics.

A question is a post with a ``Question`` row; its answers are the post's top-level comments.
The posts app knows nothing of questions: their state lives here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Question(models.Model):
    post = models.OneToOneField("posts.Post", on_delete=models.CASCADE, related_name="question")
    best_answer = models.ForeignKey(
        "posts.Comment", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    best_marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["best_answer", "-created_at"], name="question_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(best_answer__isnull=True) | Q(answered_at__isnull=False),
                name="best_answer_has_time",
            )
        ]

    def __str__(self) -> str:
        return f"question on post {self.post_id}"


class AnswerVote(models.Model):
    """One up-vote of one person on one answer (a top-level comment of a question)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    comment = models.ForeignKey("posts.Comment", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="one_vote_per_answer")
        ]
        indexes = [models.Index(fields=["question", "comment"])]

    def __str__(self) -> str:
        return f"vote by {self.user_id} on {self.comment_id}"


class SuggestedTopic(models.Model):
    """A topic a group's admins recommend; at most ``MAX_SUGGESTED_TOPICS`` per group."""

    group = models.ForeignKey("groups.Group", on_delete=models.CASCADE, related_name="+")
    hashtag = models.ForeignKey("posts.Hashtag", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "hashtag"], name="one_suggestion_per_topic")
        ]

    def __str__(self) -> str:
        return f"#{self.hashtag_id} in {self.group_id}"
