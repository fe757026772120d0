"""REST endpoints at /api/v1/notifications. Same selectors and actions as the pages."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from torg.api.refusals import run as _run
from torg.groups.access import access_group_by_id
from torg.notifications import actions, email_settings, quiet, selectors
from torg.notifications.models import Notification
from torg.posts.access import access_post

if TYPE_CHECKING:
    from torg.accounts.models import User

router = Router(tags=["notifications"])

LevelName = Literal["all", "highlights", "mentions", "off"]
MAX_ID = 2**63 - 1


class NotificationOut(Schema):
    id: int
    kind: str
    text: str
    detail: str = Field("", description="The moderator's note on a moderation outcome")
    reason: str
    reason_text: str
    url: str
    settings_url: str
    post_id: int | None
    comment_id: int | None
    group_id: int | None
    actor_id: int | None
    actor_count: int
    recent_actor_ids: list[int]
    created_at: datetime
    updated_at: datetime
    read_at: datetime | None


class NotificationListOut(Schema):
    notifications: list[NotificationOut]
    next_before: int | None = Field(None, description="Pass as ?before= for the next page")


class ListParams(Schema):
    before: int | None = Field(None, ge=1, le=MAX_ID)
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=selectors.MAX_PAGE_SIZE)


class CountOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class GroupLevelOut(Schema):
    group_id: int
    group_name: str
    level: str
    is_default: bool


class LevelIn(Schema):
    level: LevelName


class MuteIn(Schema):
    target_kind: Literal["group", "post", "person"]
    target_id: int = Field(ge=1, le=MAX_ID)
    duration: Literal["1h", "8h", "1w", "forever"]


class MuteOut(Schema):
    id: int
    target_kind: str
    target_id: int
    label: str
    until: datetime | None


class FollowOut(Schema):
    post_id: int
    following: bool


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "text": selectors.describe(n),
        "detail": selectors.detail(n),
        "reason": n.reason,
        "reason_text": str(n.get_reason_display()),
        "url": selectors.target_url(n),
        "settings_url": selectors.settings_url(n),
        "post_id": n.post_id,
        "comment_id": n.comment_id,
        "group_id": n.group_id,
        "actor_id": n.actor_id,
        "actor_count": n.actor_count,
        "recent_actor_ids": list(n.recent_actor_ids),
        "created_at": n.created_at,
        "updated_at": n.updated_at,
        "read_at": n.read_at,
    }


@router.get("/", response=NotificationListOut, summary="My notifications, newest first")
def list_notifications(request: HttpRequest, params: Query[ListParams]) -> dict[str, Any]:
    try:
        page = selectors.notification_page(
            _actor(request), before=params.before, limit=params.limit
        )
    except selectors.InvalidCursor as error:
        raise HttpError(400, "Invalid cursor") from error
    return {"notifications": [_out(n) for n in page.items], "next_before": page.next_before}


@router.get("/unread-count", response=CountOut, summary="How many are unread")
def unread(request: HttpRequest) -> dict[str, int]:
    return {"unread": selectors.unread_count(_actor(request))}


@router.post("/read-all", response=MarkedOut, summary="Mark all as read")
def read_all(request: HttpRequest) -> dict[str, int]:
    return {"marked": _run(lambda: actions.do_mark_all_read(actor=_actor(request)))}


@router.post("/{int:notification_id}/read", response=NotificationOut, summary="Mark one as read")
def read_one(request: HttpRequest, notification_id: int) -> dict[str, Any]:
    person = _actor(request)
    notification = actions.access_notification(person, notification_id)
    actions.do_mark_read(actor=person, notification=notification)
    return _out(notification)


@router.get("/group-levels", response=list[GroupLevelOut], summary="My level in each group")
def group_levels(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "group_id": row.group.pk,
            "group_name": row.group.name,
            "level": row.level,
            "is_default": row.is_default,
        }
        for row in selectors.group_levels(_actor(request))
    ]


@router.put("/group-levels/{int:group_id}", response=GroupLevelOut, summary="Set a group's level")
def set_group_level(request: HttpRequest, group_id: int, payload: LevelIn) -> dict[str, Any]:
    person = _actor(request)
    group = access_group_by_id(person, group_id)
    _run(lambda: actions.do_set_group_level(actor=person, group=group, level=payload.level))
    return {
        "group_id": group.pk,
        "group_name": group.name,
        "level": payload.level,
        "is_default": False,
    }


@router.post(
    "/preset/mentions-only",
    response=list[GroupLevelOut],
    summary='"Only replies to my posts and mentions" for every group',
)
def mentions_preset(request: HttpRequest) -> list[dict[str, Any]]:
    _run(lambda: actions.do_apply_mentions_preset(actor=_actor(request)))
    return group_levels(request)


def _mute_rows(person: User) -> list[dict[str, Any]]:
    return [
        {
            "id": row.mute.pk,
            "target_kind": row.mute.target_kind,
            "target_id": row.mute.target_id,
            "label": row.label,
            "until": row.mute.until,
        }
        for row in selectors.active_mutes(person)
    ]


@router.get("/mutes", response=list[MuteOut], summary="My active mutes")
def list_mutes(request: HttpRequest) -> list[dict[str, Any]]:
    return _mute_rows(_actor(request))


@router.post("/mutes", response={201: MuteOut}, summary="Mute a group, a post or a person")
def create_mute(request: HttpRequest, payload: MuteIn) -> Status[Any]:
    person = _actor(request)
    mute = _run(
        lambda: actions.do_mute(
            actor=person,
            target_kind=payload.target_kind,
            target_id=payload.target_id,
            duration=payload.duration,
        )
    )
    row = next(r for r in _mute_rows(person) if r["id"] == mute.pk)
    return Status(201, row)


@router.delete("/mutes/{int:mute_id}", response={204: None}, summary="Unmute")
def delete_mute(request: HttpRequest, mute_id: int) -> Status[Any]:
    person = _actor(request)
    mute = actions.access_mute(person, mute_id)
    _run(lambda: actions.do_unmute(actor=person, mute=mute))
    return Status(204, None)


@router.get("/posts/{int:post_id}/follow", response=FollowOut, summary="Do I follow this post?")
def get_follow(request: HttpRequest, post_id: int) -> dict[str, Any]:
    person = _actor(request)
    post = access_post(person, post_id)
    return {"post_id": post.pk, "following": selectors.is_following(person, post.pk)}


@router.put("/posts/{int:post_id}/follow", response=FollowOut, summary="Follow a post")
def follow(request: HttpRequest, post_id: int) -> dict[str, Any]:
    person = _actor(request)
    post = access_post(person, post_id)
    _run(lambda: actions.do_set_post_follow(actor=person, post=post, following=True))
    return {"post_id": post.pk, "following": True}


@router.delete("/posts/{int:post_id}/follow", response=FollowOut, summary="Unfollow a post")
def unfollow(request: HttpRequest, post_id: int) -> dict[str, Any]:
    person = _actor(request)
    post = access_post(person, post_id)
    _run(lambda: actions.do_set_post_follow(actor=person, post=post, following=False))
    return {"post_id": post.pk, "following": False}


# --- e-mail --------------------------------------------------------------------------------------


class EmailSettingsOut(Schema):
    immediate_kinds: list[str] = Field(description="Kinds e-mailed at once")
    always_emailed: list[str] = Field(description="Kinds e-mailed unless all e-mail is off")
    digest: str
    quiet_start: time | None
    quiet_end: time | None
    time_zone: str = Field(description="Quiet hours and digests follow this time zone")
    unsubscribed: bool = Field(description="All e-mail off")


class EmailSettingsIn(Schema):
    immediate_kinds: list[str] = Field(max_length=len(Notification.Kind.values))
    digest: Literal["off", "daily", "weekly"]
    quiet_start: time | None = None
    quiet_end: time | None = None
    unsubscribed: bool = False


def _email_out(person: User) -> dict[str, Any]:
    preference = email_settings.preference_for(person)
    return {
        "immediate_kinds": [
            k for k in email_settings.CHOOSABLE_KINDS if k in preference.immediate_kinds
        ],
        "always_emailed": sorted(email_settings.ALWAYS_EMAILED),
        "digest": preference.digest,
        "quiet_start": preference.quiet_start,
        "quiet_end": preference.quiet_end,
        "time_zone": str(quiet.zone_of(person)),
        "unsubscribed": preference.unsubscribed,
    }


@router.get("/email-settings", response=EmailSettingsOut, summary="My e-mail settings")
def get_email_settings(request: HttpRequest) -> dict[str, Any]:
    return _email_out(_actor(request))


@router.put("/email-settings", response=EmailSettingsOut, summary="Change my e-mail settings")
def put_email_settings(request: HttpRequest, payload: EmailSettingsIn) -> dict[str, Any]:
    person = _actor(request)
    choices = email_settings.EmailChoices(
        immediate_kinds=list(payload.immediate_kinds),
        digest=payload.digest,
        quiet_start=payload.quiet_start,
        quiet_end=payload.quiet_end,
        unsubscribed=payload.unsubscribed,
    )
    _run(lambda: email_settings.do_set_email_preferences(actor=person, choices=choices))
    return _email_out(person)
