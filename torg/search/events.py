"""What actions call when searchable things change: one call per write path.

Each call enqueues an index task after the transaction commits. Visibility is decided at query
time, so a privacy change needs no re-indexing to take effect; ``group_changed`` only refreshes
the group's name and description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torg.core.events import enqueue_on_commit

if TYPE_CHECKING:
    from torg.accounts.models import User
    from torg.groups.models import Group
    from torg.posts.models import Comment, Post


def post_changed(post: Post) -> None:
    """Created, edited, deleted or restored (its files and topics come along)."""
    from torg.search.tasks import index_post

    enqueue_on_commit(index_post, post.pk)


def comment_changed(comment: Comment) -> None:
    from torg.search.tasks import index_comment

    enqueue_on_commit(index_comment, comment.pk)


def person_changed(user: User) -> None:
    from torg.search.tasks import index_person

    enqueue_on_commit(index_person, user.pk)


def group_changed(group: Group) -> None:
    from torg.search.tasks import index_group

    enqueue_on_commit(index_group, group.pk)
