"""Every write on posts: ``check_<verb>_<thing>`` validates and checks access, ``do_<verb>_<thing>``
writes in one transaction and registers side effects (link previews) for after the commit.

Decisions:
- At most ``MAX_PINNED`` (3) pinned posts per group: a feed, not a notice board.
- Sharing a post that is itself a share shares its original (no chains of empty shares).
- Guests post only in groups (profile posts are for employees, who are the only readers).
- Deleted posts can be restored for ``RESTORE_DAYS`` (30) days; ``purge_deleted_posts`` (command
  and task) removes them for good after that.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from torg.core.events import enqueue_on_commit
from torg.core.markdown import (
    extract_hashtags,
    extract_mentions,
    normalize_hashtag,
    render_markdown,
)
from torg.governance import events as governance_events
from torg.governance.lifecycle import check_not_archived
from torg.groups.access import as_person
from torg.groups.models import Group, Membership
from torg.knowledge import actions as knowledge_actions
from torg.links.selectors import extract_urls
from torg.notifications import events as notification_events
from torg.people.access import visible_people
from torg.posts.access import (
    can_moderate_post,
    can_post_in,
    can_restore_post,
    can_see_post,
    role_in,
)
from torg.posts.models import (
    BODY_MAX_LENGTH,
    Attachment,
    Hashtag,
    Mention,
    Poll,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
)
from torg.realtime import events as realtime_events
from torg.search import events as search_events

if TYPE_CHECKING:
    from torg.accounts.models import User

MAX_PINNED = 3
RESTORE_DAYS = 30
MAX_ATTACHMENTS = 20
POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 10
POLL_OPTION_MAX_LENGTH = 200
POLL_QUESTION_MAX_LENGTH = 300
ALT_TEXT_MAX_LENGTH = 500
_HASHTAG_DISPLAY = re.compile(r"#(\w{1,64})")


@dataclass(frozen=True)
class PollSpec:
    """A poll as the composer or API describes it."""

    options: Sequence[str]
    question: str = ""
    allows_multiple: bool = False
    closes_at: datetime | None = None


@dataclass
class _Prepared:
    attachments: list[Attachment] = field(default_factory=list)
    options: list[str] = field(default_factory=list)


# --- helpers -----------------------------------------------------------------------------------


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


def _check_body(body: str, *, may_be_empty: bool) -> str:
    if not isinstance(body, str):
        raise ValidationError(_("The text is not valid."))
    if "\x00" in body:
        raise ValidationError(_("The text contains characters that are not allowed."))
    if len(body) > BODY_MAX_LENGTH:
        raise ValidationError(
            _("A post can be at most %(limit)d characters (this one has %(count)d).")
            % {"limit": BODY_MAX_LENGTH, "count": len(body)}
        )
    if not body.strip() and not may_be_empty:
        raise ValidationError(_("Write something, or add a picture, file or poll."))
    return body


def _readers_among(ids: list[int], *, author: User, group: Group | None) -> set[int]:
    """Which of ``ids`` may read a post by ``author`` in ``group`` (and the author may see)."""
    if not ids:
        return set()
    people = visible_people(author).filter(pk__in=ids)
    if group is None:
        people = people.filter(Q(is_guest=False) | Q(pk=author.pk))
    else:
        member = Q(memberships__group=group)
        if group.privacy == Group.Privacy.OPEN:
            people = people.filter(Q(is_guest=False) | member)
        else:
            people = people.filter(member)
    return set(people.values_list("pk", flat=True).distinct())


def render_post_body(body: str, *, author: User, group: Group | None) -> tuple[str, set[int]]:
    """body_html with mentions linked only for people who can read the post, and those ids."""
    readers = _readers_among(extract_mentions(body), author=author, group=group)
    names = dict(visible_people(author).filter(pk__in=readers).values_list("pk", "name"))
    html = render_markdown(body, mention_resolver=lambda ids: names)
    return str(html), readers


def hashtag_displays(body: str, names: list[str]) -> dict[str, str]:
    displays: dict[str, str] = {}
    for match in _HASHTAG_DISPLAY.finditer(body):
        key = normalize_hashtag(match.group(1))
        if key in names and key not in displays:
            displays[key] = match.group(1)
    return displays


def _save_mentions_and_tags(post: Post, mentioned: set[int], *, is_new: bool) -> None:
    # A new post has no rows to remove; an edited one drops what its new text no longer has.
    if not is_new:
        Mention.objects.filter(post=post, comment__isnull=True).exclude(
            user_id__in=mentioned
        ).delete()
    Mention.objects.bulk_create(
        [Mention(post=post, user_id=user_id) for user_id in sorted(mentioned)],
        ignore_conflicts=True,
    )
    names = extract_hashtags(post.body)
    displays = hashtag_displays(post.body, names)
    # Most hashtags exist already: look them up first, create only the new ones.
    known = dict(Hashtag.objects.filter(name__in=names).values_list("name", "pk")) if names else {}
    if missing := [name for name in names if name not in known]:
        Hashtag.objects.bulk_create(
            [Hashtag(name=name, display_name=displays.get(name, name)) for name in missing],
            ignore_conflicts=True,
        )
        known.update(Hashtag.objects.filter(name__in=missing).values_list("name", "pk"))
    tag_ids = sorted(known.values())
    if not is_new:
        PostHashtag.objects.filter(post=post).exclude(hashtag_id__in=tag_ids).delete()
    PostHashtag.objects.bulk_create(
        [
            PostHashtag(post=post, hashtag_id=tag_id, created_at=post.created_at)
            for tag_id in tag_ids
        ],
        ignore_conflicts=True,
    )


def _fetch_previews_on_commit(body: str) -> None:
    from torg.links.tasks import fetch_link_preview

    for url in extract_urls(body):
        enqueue_on_commit(fetch_link_preview, url)


def _check_poll(poll: PollSpec) -> list[str]:
    options = [str(option).strip() for option in poll.options if str(option).strip()]
    if len(options) < POLL_MIN_OPTIONS:
        raise ValidationError(_("A poll needs at least two options."))
    if len(options) > POLL_MAX_OPTIONS:
        raise ValidationError(
            _("A poll can have at most %(limit)d options.") % {"limit": POLL_MAX_OPTIONS}
        )
    if any(len(option) > POLL_OPTION_MAX_LENGTH for option in options):
        raise ValidationError(
            _("Each option can be at most %(limit)d characters.")
            % {"limit": POLL_OPTION_MAX_LENGTH}
        )
    if len({option.casefold() for option in options}) != len(options):
        raise ValidationError(_("Two options are the same."))
    if len(poll.question) > POLL_QUESTION_MAX_LENGTH:
        raise ValidationError(
            _("The question can be at most %(limit)d characters.")
            % {"limit": POLL_QUESTION_MAX_LENGTH}
        )
    if poll.closes_at is not None:
        if timezone.is_naive(poll.closes_at):
            raise ValidationError(_("The closing time needs a time zone."))
        if poll.closes_at <= timezone.now():
            raise ValidationError(_("The closing time must be in the future."))
    return options


def _check_attachments(author: User, attachment_ids: Iterable[int]) -> list[Attachment]:
    ids = list(dict.fromkeys(attachment_ids))
    if not ids:
        return []
    if len(ids) > MAX_ATTACHMENTS:
        raise ValidationError(
            _("A post can have at most %(limit)d attachments.") % {"limit": MAX_ATTACHMENTS}
        )
    if any(isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 2**63 for i in ids):
        raise ValidationError(_("An attachment was not found. Upload it again."))
    found = {
        a.pk: a
        for a in Attachment.objects.filter(
            pk__in=ids, uploader=author, post__isnull=True, comment__isnull=True
        )
    }
    if len(found) != len(ids):
        raise ValidationError(_("An attachment was not found. Upload it again."))
    return [found[i] for i in ids]


# --- create ------------------------------------------------------------------------------------


def check_create_post(
    *,
    author: User,
    group: Group | None,
    body: str,
    attachment_ids: Iterable[int] = (),
    poll: PollSpec | None = None,
    shared_post: Post | None = None,
) -> _Prepared:
    person = _require_person(author)
    if group is None:
        if person.is_guest:
            raise PermissionDenied(_("Guests can post only in their groups."))
    elif not can_post_in(person, group):
        if group.kind == Group.Kind.ANNOUNCEMENTS and role_in(person, group.pk) is not None:
            raise PermissionDenied(_("Only admins and moderators can post in this group."))
        raise PermissionDenied(_("Only members can post in this group."))
    check_not_archived(group)
    prepared = _Prepared()
    prepared.attachments = _check_attachments(person, attachment_ids)
    if poll is not None:
        prepared.options = _check_poll(poll)
    if shared_post is not None:
        _check_share_target(person, shared_post, group)
    _check_body(
        body, may_be_empty=bool(prepared.attachments or poll is not None or shared_post is not None)
    )
    return prepared


def do_create_post(
    *,
    author: User,
    group: Group | None,
    body: str,
    attachment_ids: Iterable[int] = (),
    poll: PollSpec | None = None,
    shared_post: Post | None = None,
    alt_texts: Mapping[int, str] | None = None,
    is_question: bool = False,
) -> Post:
    """Create a post in ``group`` (None: on the author's own profile)."""
    attachment_ids = list(attachment_ids)
    if shared_post is not None and shared_post.shared_post_id is not None:
        shared_post = shared_post.shared_post
    with transaction.atomic():
        prepared = check_create_post(
            author=author,
            group=group,
            body=body,
            attachment_ids=attachment_ids,
            poll=poll,
            shared_post=shared_post,
        )
        body_html, mentioned = render_post_body(body, author=author, group=group)
        post = Post.objects.create(
            author=author,
            group=group,
            body=body,
            body_html=body_html,
            shared_post=shared_post,
            created_at=timezone.now(),
        )
        for position, attachment in enumerate(prepared.attachments):
            attachment.post = post
            attachment.position = position
            if alt_texts and attachment.pk in alt_texts:
                attachment.alt_text = str(alt_texts[attachment.pk])[:ALT_TEXT_MAX_LENGTH]
        Attachment.objects.bulk_update(prepared.attachments, ["post", "position", "alt_text"])
        if poll is not None:
            poll_row = Poll.objects.create(
                post=post,
                question=poll.question.strip(),
                allows_multiple=poll.allows_multiple,
                closes_at=poll.closes_at,
            )
            PollOption.objects.bulk_create(
                [
                    PollOption(poll=poll_row, text=text, position=position)
                    for position, text in enumerate(prepared.options)
                ]
            )
        if shared_post is not None:
            Post.objects.filter(pk=shared_post.pk).update(share_count=F("share_count") + 1)
        _save_mentions_and_tags(post, mentioned, is_new=True)
        if is_question:  # the knowledge app keeps question state (torg.knowledge)
            knowledge_actions.do_mark_new_post_as_question(post=post)
        _fetch_previews_on_commit(body)
        search_events.post_changed(post)
        realtime_events.post_created(post)
        notification_events.post_created(post)
        governance_events.post_written(post)
    return post


# --- share -------------------------------------------------------------------------------------


def _check_share_target(person: User, original: Post, group: Group | None) -> None:
    if original.deleted_at is not None or not can_see_post(person, original):
        raise ValidationError(_("This post is not available."))
    original_group = original.group
    private = original_group is not None and original_group.privacy != Group.Privacy.OPEN
    if private and (group is None or original_group is None or group.pk != original_group.pk):
        raise PermissionDenied(
            _("Posts from closed and secret groups can only be shared within the same group.")
        )


def check_share_post(*, actor: User, post: Post, group: Group | None, body: str = "") -> None:
    original = post.shared_post if post.shared_post_id is not None else post
    assert original is not None
    check_create_post(author=actor, group=group, body=body, shared_post=original)


def do_share_post(*, actor: User, post: Post, group: Group | None, body: str = "") -> Post:
    """Share ``post`` (or, for a share, its original) into ``group`` or the actor's profile."""
    return do_create_post(author=actor, group=group, body=body, shared_post=post)


# --- edit --------------------------------------------------------------------------------------


def check_edit_post(*, actor: User, post: Post, body: str) -> None:
    person = _require_person(actor)
    if post.author_id != person.pk or post.deleted_at is not None:
        raise PermissionDenied(_("Only the author can edit a post."))
    has_extras = (
        post.shared_post_id is not None
        or Attachment.objects.filter(post=post).exists()
        or Poll.objects.filter(post=post).exists()
    )
    _check_body(body, may_be_empty=has_extras)


def do_edit_post(*, actor: User, post: Post, body: str) -> Post:
    """Change the text; the old text is kept as a revision. Unchanged text writes nothing."""
    with transaction.atomic():
        post = Post.objects.select_for_update(of=("self",)).select_related("group").get(pk=post.pk)
        check_edit_post(actor=actor, post=post, body=body)
        if body == post.body:
            return post
        now = timezone.now()
        PostRevision.objects.create(post=post, body=post.body, edited_by=actor, created_at=now)
        post.body_html, mentioned = render_post_body(body, author=post.author, group=post.group)
        post.body = body
        post.edited_at = now
        post.save(update_fields=["body", "body_html", "edited_at"])
        _save_mentions_and_tags(post, mentioned, is_new=False)
        _fetch_previews_on_commit(body)
        search_events.post_changed(post)
        governance_events.post_written(post)
    return post


# --- delete, restore, purge --------------------------------------------------------------------


def check_delete_post(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if post.deleted_at is not None:
        raise ValidationError(_("This post is already deleted."))
    if post.author_id != person.pk and not can_moderate_post(person, post):
        raise PermissionDenied(
            _("Only the author, group admins and moderators can delete this post.")
        )


def do_delete_post(*, actor: User, post: Post) -> None:
    """Soft delete: hidden everywhere at once, restorable by admins for 30 days."""
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        check_delete_post(actor=actor, post=post)
        Post.objects.filter(pk=post.pk).update(
            deleted_at=timezone.now(), deleted_by=actor, pinned_at=None
        )
        search_events.post_changed(post)


def check_restore_post(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if not can_restore_post(person, post):
        raise PermissionDenied(_("Only group admins and network admins can restore posts."))
    if post.deleted_at is None:
        raise ValidationError(_("This post is not deleted."))
    if post.deleted_at < timezone.now() - timedelta(days=RESTORE_DAYS):
        raise ValidationError(
            ngettext(
                "Posts can only be restored within %(days)d day of being deleted.",
                "Posts can only be restored within %(days)d days of being deleted.",
                RESTORE_DAYS,
            )
            % {"days": RESTORE_DAYS}
        )


def do_restore_post(*, actor: User, post: Post) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        check_restore_post(actor=actor, post=post)
        post.deleted_at = None
        post.deleted_by = None
        post.save(update_fields=["deleted_at", "deleted_by"])
        search_events.post_changed(post)
    return post


def do_purge_deleted_posts(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Remove posts deleted more than 30 days ago, with their files. Safe to run twice."""
    cutoff = (now or timezone.now()) - timedelta(days=RESTORE_DAYS)
    purged = 0
    while True:
        ids = list(
            Post.objects.filter(deleted_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return purged
        files = [
            (a.file.name, a.thumbnail.name)
            for a in Attachment.objects.filter(
                Q(post_id__in=ids) | Q(comment__post_id__in=ids)
            ).only("file", "thumbnail")
        ]
        with transaction.atomic():
            Post.objects.filter(pk__in=ids).delete()
        from django.core.files.storage import default_storage

        for names in files:
            for name in names:
                if name:
                    default_storage.delete(name)
        purged += len(ids)


# --- pin ---------------------------------------------------------------------------------------


def check_pin_post(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if post.group_id is None:
        raise ValidationError(_("Only posts in groups can be pinned."))
    if role_in(person, post.group_id) != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only group admins can pin posts."))
    if post.pinned_at is not None:
        return
    pinned = Post.objects.filter(
        group_id=post.group_id, pinned_at__isnull=False, deleted_at__isnull=True
    ).count()
    if pinned >= MAX_PINNED:
        raise ValidationError(
            _("A group can have at most %(limit)d pinned posts. Unpin one first.")
            % {"limit": MAX_PINNED}
        )


def do_pin_post(*, actor: User, post: Post) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        check_pin_post(actor=actor, post=post)
        if post.pinned_at is None:
            post.pinned_at = timezone.now()
            post.save(update_fields=["pinned_at"])
    return post


def check_unpin_post(*, actor: User, post: Post) -> None:
    person = _require_person(actor)
    if post.group_id is None or role_in(person, post.group_id) != Membership.Role.ADMIN:
        raise PermissionDenied(_("Only group admins can unpin posts."))


def do_unpin_post(*, actor: User, post: Post) -> Post:
    with transaction.atomic():
        post = Post.objects.select_for_update().get(pk=post.pk)
        check_unpin_post(actor=actor, post=post)
        if post.pinned_at is not None:
            post.pinned_at = None
            post.save(update_fields=["pinned_at"])
    return post


# --- polls -------------------------------------------------------------------------------------


def poll_is_closed(poll: Poll) -> bool:
    return poll.closes_at is not None and poll.closes_at <= timezone.now()


def check_vote_poll(*, actor: User, post: Post, option_ids: Sequence[int]) -> Poll:
    _require_person(actor)
    poll = Poll.objects.filter(post=post).first()
    if poll is None or post.deleted_at is not None:
        raise ValidationError(_("This post has no poll."))
    if poll_is_closed(poll):
        raise ValidationError(_("This poll is closed."))
    ids = list(dict.fromkeys(option_ids))
    if not ids:
        raise ValidationError(_("Choose an option."))
    if not poll.allows_multiple and len(ids) != 1:
        raise ValidationError(_("Choose one option."))
    valid = set(PollOption.objects.filter(poll=poll, pk__in=ids).values_list("pk", flat=True))
    if valid != set(ids):
        raise ValidationError(_("That option is not in this poll."))
    return poll


def do_vote_poll(*, actor: User, post: Post, option_ids: Sequence[int]) -> Poll:
    """Single choice: the vote replaces an earlier one. Multiple choice: each option toggles."""
    with transaction.atomic():
        check_vote_poll(actor=actor, post=post, option_ids=option_ids)
        poll = Poll.objects.select_for_update().get(post=post)
        ids = list(dict.fromkeys(option_ids))
        mine = set(
            PollVote.objects.filter(poll=poll, user=actor).values_list("option_id", flat=True)
        )
        if poll.allows_multiple:
            remove = mine & set(ids)
            add = [i for i in ids if i not in mine]
        else:
            remove = mine - set(ids)
            add = [i for i in ids if i not in mine]
        if remove:
            PollVote.objects.filter(poll=poll, user=actor, option_id__in=remove).delete()
            PollOption.objects.filter(pk__in=remove).update(vote_count=F("vote_count") - 1)
        if add:
            PollVote.objects.bulk_create(
                [PollVote(poll=poll, option_id=i, user=actor) for i in add]
            )
            PollOption.objects.filter(pk__in=add).update(vote_count=F("vote_count") + 1)
        after = (mine - remove) | set(add)
        if not mine and after:
            Poll.objects.filter(pk=poll.pk).update(voter_count=F("voter_count") + 1)
        elif mine and not after:
            Poll.objects.filter(pk=poll.pk).update(voter_count=F("voter_count") - 1)
        poll.refresh_from_db()
    return poll
