"""Reactions on posts and comments: set, change, remove; summaries and "who reacted".

One reaction per person per target (unique constraints on Reaction). Setting a reaction when
one exists changes its kind; the target's ``reaction_count`` (all kinds together) changes only
when a row was really inserted or deleted, with F() expressions, so a double submit or two racing
requests still leave exactly one reaction and the right count.

A reaction on a comment has ``comment`` set and ``post`` empty; a reaction on a post has ``post``
set and ``comment`` empty.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Value
from django.utils.translation import gettext as _

from torg.groups.access import as_person
from torg.notifications import events as notification_events
from torg.people.access import visible_people
from torg.posts.access import access_post, parse_id
from torg.posts.comment_actions import access_comment
from torg.posts.models import Comment, Post, Reaction
from torg.realtime import events as realtime_events

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User

KINDS: tuple[str, ...] = tuple(Reaction.Kind.values)
WHO_PAGE_SIZE = 50

Target = Post | Comment


class ReactionSummary(TypedDict):
    counts: dict[str, int]
    mine: str | None


def _require_person(actor: User | None) -> User:
    person = as_person(actor) if actor is not None else None
    if person is None:
        raise PermissionDenied(_("Sign in to do that."))
    return person


def _check_kind(kind: Any) -> str:
    if not isinstance(kind, str) or kind not in KINDS:
        raise ValidationError({"kind": _("Choose one of the reactions.")})
    return kind


def _recheck(person: User, target: Target) -> Target:
    """The target again, through access: hidden and deleted targets answer 404."""
    if isinstance(target, Comment):
        return access_comment(person, target.pk)
    return access_post(person, target.pk)


def _lookup(person: User, target: Target) -> dict[str, Any]:
    if isinstance(target, Comment):
        return {"user": person, "comment": target}
    return {"user": person, "post": target, "comment__isnull": True}


def _bump(target: Target, delta: int) -> None:
    model = Comment if isinstance(target, Comment) else Post
    if delta > 0:
        model.objects.filter(pk=target.pk).update(reaction_count=F("reaction_count") + delta)
    else:
        model.objects.filter(pk=target.pk, reaction_count__gte=-delta).update(
            reaction_count=F("reaction_count") + delta
        )


# --- set / change ------------------------------------------------------------------------------


def check_react(*, actor: User, target: Target, kind: str) -> Target:
    person = _require_person(actor)
    checked = _recheck(person, target)
    _check_kind(kind)
    return checked


def do_react(*, actor: User, target: Target, kind: str) -> Reaction:
    """Set ``actor``'s reaction on a post or comment to ``kind`` (insert or change)."""
    checked = check_react(actor=actor, target=target, kind=kind)
    lookup = _lookup(actor, checked)
    with transaction.atomic():
        existing = Reaction.objects.select_for_update().filter(**lookup).first()
        if existing is not None:
            if existing.kind != kind:
                existing.kind = kind
                existing.save(update_fields=["kind"])
            return existing
        try:
            with transaction.atomic():  # a savepoint: a racing insert must not poison the rest
                fields = {"user": actor, "kind": kind}
                if isinstance(checked, Comment):
                    reaction = Reaction.objects.create(comment=checked, **fields)
                else:
                    reaction = Reaction.objects.create(post=checked, **fields)
        except IntegrityError:
            # Someone (this person, in another request) inserted first: change that one instead.
            Reaction.objects.filter(**lookup).update(kind=kind)
            return Reaction.objects.get(**lookup)
        _bump(checked, +1)
        realtime_events.reaction_changed(checked)
        notification_events.reaction_created(reaction)
    return reaction


def do_react_to_post(*, actor: User, post: Post, kind: str) -> Reaction:
    return do_react(actor=actor, target=post, kind=kind)


def do_react_to_comment(*, actor: User, comment: Comment, kind: str) -> Reaction:
    return do_react(actor=actor, target=comment, kind=kind)


# --- remove ------------------------------------------------------------------------------------


def check_unreact(*, actor: User, target: Target) -> Target:
    person = _require_person(actor)
    return _recheck(person, target)


def do_unreact(*, actor: User, target: Target) -> bool:
    """Remove ``actor``'s reaction; True if there was one. Removing twice is harmless."""
    checked = check_unreact(actor=actor, target=target)
    with transaction.atomic():
        deleted, _details = Reaction.objects.filter(**_lookup(actor, checked)).delete()
        if deleted:
            _bump(checked, -deleted)
            realtime_events.reaction_changed(checked)
    return bool(deleted)


def do_toggle_reaction(*, actor: User, target: Target, kind: str) -> Reaction | None:
    """The reaction bar's button: pressing your current reaction removes it, else sets it."""
    checked = check_react(actor=actor, target=target, kind=kind)
    current = Reaction.objects.filter(**_lookup(actor, checked)).values_list("kind", flat=True)
    if current.first() == kind:
        do_unreact(actor=actor, target=checked)
        return None
    return do_react(actor=actor, target=checked, kind=kind)


# --- reads -------------------------------------------------------------------------------------


def _empty() -> ReactionSummary:
    return {"counts": {}, "mine": None}


def _summaries(
    field: str, ids: list[int], viewer: User | AnonymousUser | None
) -> dict[int, ReactionSummary]:
    result: dict[int, ReactionSummary] = {pk: _empty() for pk in ids}
    if not ids:
        return result
    scope = Q(**{f"{field}__in": ids})
    if field == "post_id":
        scope &= Q(comment__isnull=True)
    person = as_person(viewer) if viewer is not None else None
    # Counts by kind and the viewer's own reaction in one grouped query.
    mine = Count("id", filter=Q(user=person)) if person is not None else Value(0)
    rows = (
        Reaction.objects.filter(scope)
        .values_list(field, "kind")
        .annotate(n=Count("id"), mine=mine)
        .order_by(field, "kind")
    )
    for target_id, kind, n, is_mine in rows:
        result[target_id]["counts"][kind] = n
        if is_mine:
            result[target_id]["mine"] = kind
    return result


def reaction_summary_for(
    posts: Sequence[Post], viewer: User | AnonymousUser | None
) -> dict[int, ReactionSummary]:
    """{post id: {"counts": {kind: n}, "mine": kind or None}} in one query."""
    return _summaries("post_id", [p.pk for p in posts], viewer)


def reaction_summary_for_comments(
    comments: Sequence[Comment], viewer: User | AnonymousUser | None
) -> dict[int, ReactionSummary]:
    """The same for comments, in one query."""
    return _summaries("comment_id", [c.pk for c in comments], viewer)


def attach_comment_reactions(
    comments: Sequence[Comment], viewer: User | AnonymousUser | None
) -> None:
    """Set ``comment.reaction_summary`` on each comment (one query)."""
    summaries = reaction_summary_for_comments(comments, viewer)
    for comment in comments:
        comment.reaction_summary = summaries[comment.pk]  # type: ignore[attr-defined]


@dataclass
class ReactorsPage:
    items: list[tuple[User, str]]  # (person, kind), newest first
    next_after: int | None  # pass as ``after`` for the next page


def who_reacted(
    viewer: User | AnonymousUser,
    target: Target,
    kind: str | None = None,
    *,
    after: Any = None,
    limit: int = WHO_PAGE_SIZE,
) -> ReactorsPage:
    """Who reacted to an (access-checked) post or comment, newest first, keyset by reaction id.

    Only people ``viewer`` may see are listed. An unknown ``kind`` raises ``ValidationError``.
    """
    if kind is not None:
        _check_kind(kind)
    limit = max(1, min(int(limit), WHO_PAGE_SIZE))
    if isinstance(target, Comment):
        rows = Reaction.objects.filter(comment=target)
    else:
        rows = Reaction.objects.filter(post=target, comment__isnull=True)
    if kind is not None:
        rows = rows.filter(kind=kind)
    if after is not None:
        pk = parse_id(after)
        if pk is None:
            raise ValidationError({"after": _("Not a valid position.")})
        rows = rows.filter(pk__lt=pk)
    rows = rows.filter(user__in=visible_people(viewer).values("pk"))
    page = list(rows.select_related("user").order_by("-id")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return ReactorsPage(
        items=[(r.user, r.kind) for r in page],
        next_after=page[-1].pk if more and page else None,
    )
