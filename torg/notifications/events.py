"""Hooks the posts, groups and governance actions call inside their transaction: each registers a
notification task for after the commit (nothing happens for a rolled-back write)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from torg.core.events import enqueue_on_commit
from torg.notifications import tasks

if TYPE_CHECKING:
    from torg.groups.models import GroupInvitation, JoinRequest, Membership
    from torg.posts.models import Comment, Post, Reaction


def post_created(post: Post) -> None:
    enqueue_on_commit(tasks.post_created, post.pk)


def comment_created(comment: Comment) -> None:
    enqueue_on_commit(tasks.comment_created, comment.pk)


def reaction_created(reaction: Reaction) -> None:
    if reaction.comment_id is None:
        enqueue_on_commit(tasks.reaction_created, reaction.pk)


def join_requested(join_request: JoinRequest | Membership) -> None:
    """Called with whatever joining produced: only a pending request notifies the admins."""
    from torg.groups.models import JoinRequest

    if isinstance(join_request, JoinRequest):
        enqueue_on_commit(tasks.join_request_created, join_request.pk)


def join_request_approved(join_request: JoinRequest) -> None:
    enqueue_on_commit(tasks.join_request_approved, join_request.pk)


def invitation_created(invitation: GroupInvitation) -> None:
    enqueue_on_commit(tasks.invitation_created, invitation.pk)


# --- governance (torg.governance.moderation and .lifecycle) -------------------------------------


def report_decided(report_id: int) -> None:
    """A moderator decided the report: its reporter hears the outcome."""
    enqueue_on_commit(tasks.report_decided, report_id)


def author_moderated(report_id: int) -> None:
    """The reported writing was hidden or removed, or its author warned: the author hears it."""
    enqueue_on_commit(tasks.author_moderated, report_id)


def group_flagged(group_id: int) -> None:
    """The group was flagged as inactive: its admins are asked to keep or archive it."""
    enqueue_on_commit(tasks.group_flagged, group_id)


def group_requested(group_id: int) -> None:
    """A new group waits for approval: the network admins hear of it."""
    enqueue_on_commit(tasks.group_requested, group_id)


def group_decided(group_id: int, *, approved: bool, actor_id: int | None) -> None:
    """A network admin approved or rejected a new group: its creator hears of it."""
    enqueue_on_commit(tasks.group_decided, group_id, approved, actor_id)
