"""Keeping the index in step with posts, comments, files, people, groups and topics.

``index_*`` functions take ids, read the current rows and write (or remove) their documents;
running one twice changes nothing. They run in background tasks enqueued by
``torg.search.events`` after commit. Visibility is never stored: a document only records which
post (or group, person, hashtag) it belongs to, and queries join that to the current tables.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from torg.accounts.models import User
from torg.groups.models import Group
from torg.posts.models import Attachment, Comment, Hashtag, Post, PostHashtag
from torg.search.backends import DocumentData, backend
from torg.search.extract import extract_text
from torg.search.models import SearchDocument

Kind = SearchDocument.Kind
_FIELDS = ["post_id", "comment_id", "group_id", "author_id", "created_at", "title", "body"]


def write_documents(docs: Sequence[DocumentData]) -> None:
    """Insert or replace ``docs`` (one per kind and object) and their full text."""
    if not docs:
        return
    with transaction.atomic():
        SearchDocument.objects.bulk_create(
            [
                SearchDocument(
                    kind=d.kind,
                    object_id=d.object_id,
                    post_id=d.post_id,
                    comment_id=d.comment_id,
                    group_id=d.group_id,
                    author_id=d.author_id,
                    created_at=d.created_at,
                    title=d.title[:255],
                    body=d.body,
                )
                for d in docs
            ],
            update_conflicts=True,
            unique_fields=["kind", "object_id"],
            update_fields=_FIELDS,
        )
        ids: dict[tuple[str, int], int] = {}
        for kind in {d.kind for d in docs}:
            object_ids = [d.object_id for d in docs if d.kind == kind]
            for pk, object_id in SearchDocument.objects.filter(
                kind=kind, object_id__in=object_ids
            ).values_list("pk", "object_id"):
                ids[(kind, object_id)] = pk
        backend().write_full_text([(ids[(d.kind, d.object_id)], d) for d in docs])


def delete_documents(kind: str, object_ids: Iterable[int]) -> int:
    object_ids = list(object_ids)
    if not object_ids:
        return 0
    with transaction.atomic():
        ids = list(
            SearchDocument.objects.filter(kind=kind, object_id__in=object_ids).values_list(
                "pk", flat=True
            )
        )
        backend().delete_full_text(ids)
        SearchDocument.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- documents of each kind ------------------------------------------------------------------


def post_document(post: Post) -> DocumentData:
    return DocumentData(
        kind=Kind.POST,
        object_id=post.pk,
        post_id=post.pk,
        group_id=post.group_id,
        author_id=post.author_id,
        created_at=post.created_at,
        body=post.body,
    )


def comment_document(comment: Comment) -> DocumentData:
    return DocumentData(
        kind=Kind.COMMENT,
        object_id=comment.pk,
        post_id=comment.post_id,
        comment_id=comment.pk,
        author_id=comment.author_id,
        created_at=comment.created_at,
        body=comment.body,
    )


def file_document(attachment: Attachment, post_id: int, text: str) -> DocumentData:
    return DocumentData(
        kind=Kind.FILE,
        object_id=attachment.pk,
        post_id=post_id,
        comment_id=attachment.comment_id,
        author_id=attachment.uploader_id,
        created_at=attachment.created_at,
        title=attachment.name,
        body=text,
    )


def person_document(user: User) -> DocumentData:
    skills = " ".join(s.name for s in user.skills.all())
    return DocumentData(
        kind=Kind.PERSON,
        object_id=user.pk,
        created_at=user.date_joined,
        title=user.name,
        body=" ".join(part for part in [user.job_title, skills, user.bio] if part),
    )


def group_document(group: Group) -> DocumentData:
    return DocumentData(
        kind=Kind.GROUP,
        object_id=group.pk,
        group_id=group.pk,
        created_at=group.created_at,
        title=group.name,
        body=group.description,
    )


def topic_document(hashtag: Hashtag) -> DocumentData:
    return DocumentData(
        kind=Kind.TOPIC,
        object_id=hashtag.pk,
        created_at=hashtag.created_at,
        title=hashtag.display_name,
    )


# --- index one thing -------------------------------------------------------------------------


def _index_files(attachments: Iterable[Attachment], post_id: int) -> list[DocumentData]:
    known = dict(
        SearchDocument.objects.filter(
            kind=Kind.FILE, object_id__in=[a.pk for a in attachments]
        ).values_list("object_id", "body")
    )
    docs = []
    for attachment in attachments:
        # Files never change once attached: extract their text once.
        text = known[attachment.pk] if attachment.pk in known else extract_text(attachment)
        docs.append(file_document(attachment, post_id, text))
    return docs


def index_post(post_id: int) -> None:
    """The post's document, its files' documents and its topics; removed when it is gone."""
    post = Post.objects.filter(pk=post_id).first()
    attachment_ids = list(
        Attachment.objects.filter(post_id=post_id, kind=Attachment.Kind.FILE).values_list(
            "pk", flat=True
        )
    )
    if post is None or post.deleted_at is not None:
        # Deleted posts are excluded by every query anyway; drop their documents to keep the
        # index small (a restore enqueues this again and brings them back).
        delete_documents(Kind.POST, [post_id])
        delete_documents(Kind.FILE, attachment_ids)
        return
    attachments = list(Attachment.objects.filter(pk__in=attachment_ids))
    docs = [post_document(post), *_index_files(attachments, post.pk)]
    tags = Hashtag.objects.filter(
        pk__in=PostHashtag.objects.filter(post_id=post.pk).values("hashtag_id")
    )
    docs.extend(topic_document(tag) for tag in tags)
    write_documents(docs)


def index_comment(comment_id: int) -> None:
    comment = Comment.objects.filter(pk=comment_id).first()
    attachment_ids = list(
        Attachment.objects.filter(comment_id=comment_id, kind=Attachment.Kind.FILE).values_list(
            "pk", flat=True
        )
    )
    if comment is None or comment.deleted_at is not None:
        delete_documents(Kind.COMMENT, [comment_id])
        delete_documents(Kind.FILE, attachment_ids)
        return
    attachments = list(Attachment.objects.filter(pk__in=attachment_ids))
    write_documents([comment_document(comment), *_index_files(attachments, comment.post_id)])


def index_person(user_id: int) -> None:
    user = User.objects.filter(pk=user_id).prefetch_related("skills").first()
    if user is None or not user.is_active:
        delete_documents(Kind.PERSON, [user_id])
        return
    write_documents([person_document(user)])


def index_group(group_id: int) -> None:
    group = Group.objects.filter(pk=group_id).first()
    if group is None:
        delete_documents(Kind.GROUP, [group_id])
        return
    write_documents([group_document(group)])
