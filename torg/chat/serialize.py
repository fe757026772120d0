"""Messages as JSON (what the API, the page script and realtime events carry)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.urls import reverse

from torg.chat.models import Message, MessageFile, Reaction
from torg.chat.videos import video_data, video_of
from torg.links.models import LinkPreview
from torg.links.selectors import extract_urls, previews_for

EMOJI = dict(Reaction.Emoji.choices)


def file_data(stored: MessageFile) -> dict[str, Any]:
    return {
        "id": stored.pk,
        "kind": stored.kind,
        "name": stored.name,
        "content_type": stored.content_type,
        "size": stored.size,
        "width": stored.width,
        "height": stored.height,
        "url": reverse("chat:file", args=[stored.pk]),
        "thumbnail_url": reverse("chat:thumbnail", args=[stored.pk]) if stored.thumbnail else None,
        "video": video_data(video) if (video := video_of(stored)) is not None else None,
    }


def preview_data(preview: LinkPreview) -> dict[str, Any]:
    return {
        "url": preview.canonical_url or preview.url,
        "title": preview.title or preview.url,
        "description": preview.description[:300],
        "site_name": preview.site_name,
        "image_url": reverse("links:preview-image", args=[preview.pk]) if preview.image else None,
    }


def message_data(
    message: Message,
    *,
    files: Iterable[MessageFile],
    reactions: Mapping[str, list[int]],
    previews: Mapping[str, LinkPreview],
    conversation_url: str | None = None,
) -> dict[str, Any]:
    deleted = message.deleted_at is not None
    if conversation_url is None:
        conversation_url = reverse("chat:conversation", args=[message.conversation_id])
    urls = [] if deleted else extract_urls(message.body)
    return {
        "id": message.pk,
        "conversation": message.conversation_id,
        "seq": message.seq,
        "sender": {"id": message.sender_id, "name": message.sender.name},
        "html": "" if deleted else message.body_html,
        "body": "" if deleted else message.body,
        "parent": message.parent_id,
        "reply_count": message.reply_count,
        "created_at": message.created_at.isoformat(),
        "edited": message.edited_at is not None,
        "deleted": deleted,
        "files": [] if deleted else [file_data(f) for f in files],
        "reactions": [
            {"emoji": emoji, "symbol": EMOJI[emoji], "count": len(users), "users": users}
            for emoji, users in reactions.items()
            if emoji in EMOJI
        ],
        "previews": [preview_data(previews[url]) for url in urls if url in previews][:3],
        "url": f"{conversation_url}#m{message.seq}",
    }


def messages_data(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """JSON for ``messages`` (senders selected), files (with their videos), reactions and
    previews in at most 3 queries. Messages annotated ``has_files`` / ``has_reactions``
    (``selectors.history``) are only looked up when they have some, so a page without any
    takes none of those."""
    with_files = [m.pk for m in messages if getattr(m, "has_files", True)]
    with_reactions = [m.pk for m in messages if getattr(m, "has_reactions", True)]
    files: dict[int, list[MessageFile]] = defaultdict(list)
    reactions: dict[int, dict[str, list[int]]] = defaultdict(dict)
    if with_files:
        for stored in (
            MessageFile.objects.filter(message_id__in=with_files)
            .select_related("video")
            .order_by("pk")
        ):
            assert stored.message_id is not None
            files[stored.message_id].append(stored)
    if with_reactions:
        for message_id, emoji, user_id in (
            Reaction.objects.filter(message_id__in=with_reactions)
            .order_by("pk")
            .values_list("message_id", "emoji", "user_id")
        ):
            reactions[message_id].setdefault(emoji, []).append(user_id)
    urls = [u for m in messages if m.deleted_at is None for u in extract_urls(m.body)]
    previews = previews_for(urls) if urls else {}
    # reverse() once per conversation, not once per message (it is a tenth of a page's time).
    urls_by_conversation = {
        cid: reverse("chat:conversation", args=[cid])
        for cid in {m.conversation_id for m in messages}
    }
    return [
        message_data(
            m,
            files=files[m.pk],
            reactions=reactions[m.pk],
            previews=previews,
            conversation_url=urls_by_conversation[m.conversation_id],
        )
        for m in messages
    ]
