"""Background jobs that turn events into notifications. They take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.notifications import delivery


@task()
def post_created(post_id: int) -> list[int]:
    return delivery.notify_post_created(post_id)


@task()
def comment_created(comment_id: int) -> list[int]:
    return delivery.notify_comment_created(comment_id)


@task()
def reaction_created(reaction_id: int) -> list[int]:
    return delivery.notify_reaction_created(reaction_id)


@task()
def join_request_created(join_request_id: int) -> list[int]:
    return delivery.notify_join_request(join_request_id)


@task()
def join_request_approved(join_request_id: int) -> list[int]:
    return delivery.notify_request_approved(join_request_id)


@task()
def invitation_created(invitation_id: int) -> list[int]:
    return delivery.notify_invitation(invitation_id)
