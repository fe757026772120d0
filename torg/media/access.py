"""Looking up videos and uploads for a person. Hidden and nonexistent answer alike (404).

A video is visible exactly when its attachment is (``torg.posts.access.access_attachment``):
the post is visible (for a comment's video: the comment is not deleted and its post is visible),
or it is the uploader's own unattached upload. A video sent in a chat is visible exactly when
its message file is (``torg.chat.access.access_file``): to the conversation's members now, while
the message is not deleted, or to the uploader before it is sent. This is decided afresh on
every request, including every HLS segment and every range request of the MP4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404

from torg.groups.access import as_person
from torg.groups.models import Membership
from torg.media.models import ChunkedUpload, Video
from torg.posts.access import AttachmentNotFound, access_attachment, can_moderate_post, role_in

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


class VideoNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


class UploadNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


def _valid_token(token: Any) -> bool:
    return isinstance(token, str) and 10 <= len(token) <= 40 and token.isascii()


def access_video(viewer: User | AnonymousUser, token: Any) -> Video:
    """The video if ``viewer`` may watch it, else ``VideoNotFound``."""
    if not _valid_token(token) or as_person(viewer) is None:
        raise VideoNotFound
    video = (
        Video.objects.select_related(
            "attachment",
            "attachment__post",
            "attachment__post__group",
            "attachment__comment",
            "attachment__comment__post",
            "message_file",
        )
        .filter(token=token)
        .first()
    )
    if video is None:
        raise VideoNotFound
    if video.message_file_id is not None:
        from torg.chat.access import ChatNotFound, access_file

        try:
            access_file(viewer, video.message_file_id)
        except ChatNotFound:
            raise VideoNotFound from None
        return video
    try:
        access_attachment(viewer, video.attachment_id)
    except AttachmentNotFound:
        raise VideoNotFound from None
    return video


def can_manage_video(viewer: User | AnonymousUser, video: Video) -> bool:
    """Captions and statistics. On a post: the uploader, the post's author, its group's admins
    and network admins. On a comment: whoever may delete the comment
    (``torg.posts.comment_actions.can_delete_comment``): its author (the uploader), the post's
    group admins and moderators, network admins. A chat video: nobody (a conversation has no
    statistics and captions page)."""
    person = as_person(viewer)
    attachment = video.attachment
    if person is None or attachment is None:
        return False
    if attachment.uploader_id == person.pk or person.is_network_admin:
        return True
    comment = attachment.comment
    if comment is not None:
        if comment.deleted_at is not None:
            return False
        return comment.author_id == person.pk or can_moderate_post(person, comment.post)
    post = attachment.post
    if post is None:
        return False
    if post.author_id == person.pk:
        return True
    return post.group_id is not None and role_in(person, post.group_id) == Membership.Role.ADMIN


def access_managed_video(viewer: User | AnonymousUser, token: Any) -> Video:
    """A video whose statistics and captions ``viewer`` may manage; others get the same 404
    (people who may watch but not manage learn nothing new from it)."""
    video = access_video(viewer, token)
    if not can_manage_video(viewer, video):
        raise VideoNotFound
    return video


def access_upload(viewer: User | AnonymousUser, token: Any) -> ChunkedUpload:
    """One's own resumable upload; anyone else's looks nonexistent."""
    person = as_person(viewer)
    if person is None or not _valid_token(token):
        raise UploadNotFound
    upload = ChunkedUpload.objects.filter(token=token, uploader=person).first()
    if upload is None:
        raise UploadNotFound
    return upload
