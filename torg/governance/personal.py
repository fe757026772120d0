"""Personal data: a person downloads everything they created; an admin erases a person.

The export is a zip with ``data.json`` (format ``torg-export/1``, see docs/governance.md) and
the person's uploaded files under ``files/``. Erasure anonymises the account and either keeps
the person's posts, comments and messages under the anonymous name (``anonymise``) or deletes
them (``remove``). A legal hold on the person blocks erasure.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from torg.governance import audit
from torg.governance.models import Role
from torg.governance.retention import is_user_held
from torg.governance.roles import has_role

if TYPE_CHECKING:
    from torg.accounts.models import User

FORMAT = "torg-export/1"
ERASE_POLICIES = ("anonymise", "remove")


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _file_entry(prefix: str, row: Any) -> dict[str, Any]:
    safe_name = row.name.replace("/", "_").replace("\\", "_")[:120] or "file"
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "path": f"files/{prefix}-{row.pk}-{safe_name}",
    }


def export_data(user: User) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Everything ``user`` created, and (zip path, storage name) pairs of their files."""
    from torg.chat.models import Message, MessageFile
    from torg.posts.models import Attachment, Comment, PollVote, Post, Reaction

    files: list[tuple[str, str]] = []

    def attachments_of(rows: Any, prefix: str) -> list[dict[str, Any]]:
        entries = []
        for row in rows:
            entry = _file_entry(prefix, row)
            files.append((entry["path"], row.file.name))
            entries.append(entry)
        return entries

    post_files: dict[int, list[Any]] = {}
    comment_files: dict[int, list[Any]] = {}
    for attachment in Attachment.objects.filter(uploader=user).order_by("pk"):
        if attachment.post_id:
            post_files.setdefault(attachment.post_id, []).append(attachment)
        elif attachment.comment_id:
            comment_files.setdefault(attachment.comment_id, []).append(attachment)
    posts = [
        {
            "id": p.pk,
            "group": p.group.name if p.group is not None else None,
            "created_at": _when(p.created_at),
            "edited_at": _when(p.edited_at),
            "deleted_at": _when(p.deleted_at),
            "body": p.body,
            "attachments": attachments_of(post_files.get(p.pk, []), "post"),
        }
        for p in Post.objects.filter(author=user).select_related("group").order_by("created_at")
    ]
    comments = [
        {
            "id": c.pk,
            "post_id": c.post_id,
            "created_at": _when(c.created_at),
            "edited_at": _when(c.edited_at),
            "deleted_at": _when(c.deleted_at),
            "body": c.body,
            "attachments": attachments_of(comment_files.get(c.pk, []), "comment"),
        }
        for c in Comment.objects.filter(author=user).order_by("created_at")
    ]
    reactions = [
        {
            "kind": kind,
            "post_id": post_id,
            "comment_id": comment_id,
            "created_at": _when(created_at),
        }
        for kind, post_id, comment_id, created_at in Reaction.objects.filter(user=user)
        .order_by("created_at")
        .values_list("kind", "post_id", "comment_id", "created_at")
    ]
    votes = [
        {"poll_post_id": post_id, "option": text, "created_at": _when(created_at)}
        for post_id, text, created_at in PollVote.objects.filter(user=user)
        .order_by("created_at")
        .values_list("poll__post_id", "option__text", "created_at")
    ]
    message_files: dict[int, list[Any]] = {}
    for chat_file in MessageFile.objects.filter(uploader=user, message__isnull=False).order_by(
        "pk"
    ):
        message_files.setdefault(chat_file.message_id, []).append(chat_file)  # type: ignore[arg-type]
    messages = [
        {
            "id": m.pk,
            "conversation_id": m.conversation_id,
            "created_at": _when(m.created_at),
            "edited_at": _when(m.edited_at),
            "deleted_at": _when(m.deleted_at),
            "body": m.body,
            "files": attachments_of(message_files.get(m.pk, []), "chat"),
        }
        for m in Message.objects.filter(sender=user).order_by("created_at")
    ]
    profile = {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "job_title": user.job_title,
        "phone": user.phone,
        "bio": user.bio,
        "languages": user.languages,
        "time_zone": user.time_zone,
        "language": user.language,
        "date_joined": _when(user.date_joined),
    }
    avatar_name = user.avatar.name if user.avatar else ""
    if avatar_name:
        files.append(("files/avatar-" + avatar_name.rsplit("/", 1)[-1], avatar_name))
        profile["avatar"] = files[-1][0]
    data = {
        "format": FORMAT,
        "exported_at": _when(timezone.now()),
        "profile": profile,
        "posts": posts,
        "comments": comments,
        "reactions": reactions,
        "poll_votes": votes,
        "chat_messages": messages,
    }
    return data, files


def do_export_personal_data(*, actor: User) -> bytes:
    """The zip for ``actor``'s own data; the export is audited."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied(_("Please sign in first."))
    data, files = export_data(actor)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        for path, name in files:
            if not name:
                continue
            # Through the storage API in blocks (local disk or S3): a missing file is left out.
            try:
                with default_storage.open(name, "rb") as handle, archive.open(path, "w") as out:
                    shutil.copyfileobj(handle, out, 1024 * 1024)
            except FileNotFoundError:
                continue
    with transaction.atomic():
        audit.record(
            actor,
            "personal.export",
            target=actor,
            target_kind="user",
            posts=len(data["posts"]),
            files=len(files),
        )
    return buffer.getvalue()


def check_erase_person(*, actor: User, user: User, policy: str) -> None:
    if not has_role(actor, Role.NETWORK_ADMIN):
        raise PermissionDenied(_("Only network admins can erase a person."))
    if policy not in ERASE_POLICIES:
        raise ValidationError({"policy": _("Choose to anonymise or remove the content.")})
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot erase yourself."))
    if is_user_held(user):
        raise ValidationError(_("This person is under a legal hold and cannot be erased."))
    if user.email.endswith("@erased.invalid"):
        raise ValidationError(_("This person has already been erased."))


def do_erase_person(*, actor: User, user: User, policy: str) -> User:
    """Anonymise the account; with ``remove`` also delete what the person wrote and uploaded."""
    from torg.accounts.models import ApiToken, new_session_token
    from torg.chat.models import Message, MessageFile
    from torg.posts.models import Attachment, Comment, Post, Reaction

    check_erase_person(actor=actor, user=user, policy=policy)
    removed_files: list[str] = []
    with transaction.atomic():
        person = type(user).objects.select_for_update().get(pk=user.pk)
        counts: dict[str, int] = {}
        if policy == "remove":
            for model, field in (
                (Attachment, "uploader"),
                (MessageFile, "uploader"),
            ):
                for row in model.objects.filter(**{field: person}).only("file", "thumbnail"):
                    removed_files += [n for n in (row.file.name, row.thumbnail.name) if n]
            counts["posts"] = Post.objects.filter(author=person).delete()[1].get("posts.Post", 0)
            counts["comments"] = (
                Comment.objects.filter(author=person).delete()[1].get("posts.Comment", 0)
            )
            counts["messages"] = (
                Message.objects.filter(sender=person).delete()[1].get("chat.Message", 0)
            )
            Reaction.objects.filter(user=person).delete()
            Attachment.objects.filter(uploader=person).delete()
            MessageFile.objects.filter(uploader=person).delete()
        if person.avatar and person.avatar.name:
            removed_files.append(person.avatar.name)
        person.name = _("Former member")
        person.email = f"erased-{person.pk}@erased.invalid"
        person.job_title = ""
        person.phone = ""
        person.bio = ""
        person.languages = []
        person.avatar = ""
        person.department = None
        person.location = None
        person.manager = None
        person.is_active = False
        person.is_staff = False
        person.set_unusable_password()
        # A new session token signs the person out everywhere (it is part of the auth hash).
        person.session_token = new_session_token()
        person.save()
        person.skills.clear()
        type(person).objects.filter(manager=person).update(manager=None)
        ApiToken.objects.filter(user=person).delete()
        person.governance_roles.all().delete()
        audit.record(
            actor,
            "personal.erase",
            target=person,
            target_kind="user",
            policy=policy,
            posts=counts.get("posts"),
            comments=counts.get("comments"),
            messages=counts.get("messages"),
        )

    def delete_files() -> None:
        for name in removed_files:
            default_storage.delete(name)

    transaction.on_commit(delete_files, robust=True)
    return person
