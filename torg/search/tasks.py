"""Background jobs that keep the search index current. They take ids and are safe to run twice."""

from __future__ import annotations

from django.tasks import task

from torg.search import indexing


@task()
def index_post(post_id: int) -> None:
    indexing.index_post(post_id)


@task()
def index_comment(comment_id: int) -> None:
    indexing.index_comment(comment_id)


@task()
def index_person(user_id: int) -> None:
    indexing.index_person(user_id)


@task()
def index_group(group_id: int) -> None:
    indexing.index_group(group_id)
