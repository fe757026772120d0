"""Background jobs that turn events into notifications. They take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.notifications import delivery, digest, emails, governance


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


@task()
def report_decided(report_id: int) -> list[int]:
    return governance.notify_report_decided(report_id)


@task()
def author_moderated(report_id: int) -> list[int]:
    return governance.notify_author_moderated(report_id)


@task()
def group_flagged(group_id: int) -> list[int]:
    return governance.notify_group_review(group_id)


@task()
def group_requested(group_id: int) -> list[int]:
    return governance.notify_group_request(group_id)


@task()
def group_decided(group_id: int, approved: bool, actor_id: int | None) -> list[int]:
    return governance.notify_group_decided(group_id, approved, actor_id)


@task()
def email_notifications(aggregation_key: str, user_ids: list[int]) -> list[int]:
    """E-mail (or hold for quiet hours) what ``deliver`` just created or updated."""
    return emails.send_immediate(aggregation_key, user_ids)


@task()
def release_held_emails() -> list[int]:
    """Periodic: send what quiet hours held back, once they are over."""
    return emails.release_held()


@task()
def send_digests() -> list[int]:
    """Periodic: the daily and weekly "What you missed" e-mails that are due."""
    return digest.send_digests()
