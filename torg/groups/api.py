"""REST endpoints for groups at /api/v1/groups. Same access rules and actions as the pages."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from torg.api.refusals import run as _run
from torg.groups import actions, selectors
from torg.groups.access import GroupNotFound, access_group_by_slug
from torg.groups.models import Group, JoinRequest

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from torg.accounts.models import User

router = Router(tags=["groups"])

MAX_ID = 2**63 - 1
PER_PAGE = 50

PrivacyName = Literal["open", "closed", "secret"]
KindName = Literal["team", "discussion", "announcements", "social"]
RoleName = Literal["admin", "moderator", "member"]


# --- schemas -----------------------------------------------------------------------------------


class GroupOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    privacy: str
    kind: str
    is_company_wide: bool
    member_count: int
    my_role: str | None = None
    created_at: datetime


class GroupDetailOut(GroupOut):
    parent: str | None = Field(None, description="Slug of the parent group, if you may know it")
    subgroups: list[str] = Field(default_factory=list, description="Slugs of visible sub-groups")
    may_see_content: bool
    pending_request: bool
    invited: bool


class GroupPage(Schema):
    count: int
    page: int
    pages: int
    items: list[GroupOut]


class GroupIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    privacy: PrivacyName = "open"
    kind: KindName = "team"
    parent: str | None = Field(None, max_length=120, description="Slug of the parent group")
    is_company_wide: bool = False


class GroupPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    description: str | None = Field(None, max_length=2000)
    privacy: PrivacyName | None = None
    kind: KindName | None = None
    parent: str | None = Field(None, max_length=120, description="Slug; empty string for none")
    is_company_wide: bool | None = None


class PersonOut(Schema):
    id: int
    name: str
    job_title: str
    is_guest: bool


class MemberOut(Schema):
    user: PersonOut
    role: str
    joined_at: datetime
    automatic: bool


class MemberPage(Schema):
    count: int
    page: int
    pages: int
    items: list[MemberOut]


class JoinIn(Schema):
    message: str = Field("", max_length=500)


class JoinOut(Schema):
    status: Literal["member", "pending"]
    detail: str


class JoinRequestOut(Schema):
    id: int
    user: PersonOut
    message: str
    created_at: datetime


class InviteIn(Schema):
    user_id: int = Field(..., ge=1, le=MAX_ID)


class InvitationOut(Schema):
    group: str
    user_id: int
    created_at: datetime


class RoleIn(Schema):
    role: RoleName


class Message(Schema):
    detail: str


# --- helpers -----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _group_out(group: Group, my_role: str | None) -> dict[str, Any]:
    return {
        "id": group.pk,
        "slug": group.slug,
        "name": group.name,
        "description": group.description,
        "privacy": group.privacy,
        "kind": group.kind,
        "is_company_wide": group.is_company_wide,
        "member_count": group.member_count,
        "my_role": my_role,
        "created_at": group.created_at,
    }


def _detail(request: HttpRequest, group: Group) -> dict[str, Any]:
    page = selectors.group_page(_actor(request), group)
    data = _group_out(group, page.viewer.role)
    nearest = page.breadcrumbs[-1] if page.breadcrumbs else None
    data["parent"] = nearest.slug if nearest is not None and nearest.pk == group.parent_id else None
    data["subgroups"] = [sub.slug for sub in page.subgroups]
    data["may_see_content"] = page.viewer.may_see_content
    data["pending_request"] = page.viewer.pending_request is not None
    data["invited"] = page.viewer.invitation is not None
    return data


def _page_numbers(count: int, page: int, per_page: int = PER_PAGE) -> tuple[int, int, int]:
    pages = max(1, -(-count // per_page))
    offset = (page - 1) * per_page
    return pages, offset, offset + per_page


def _person_out(user: User) -> dict[str, Any]:
    return {
        "id": user.pk,
        "name": user.name,
        "job_title": user.job_title,
        "is_guest": user.is_guest,
    }


def _parent_by_slug(request: HttpRequest, slug: str | None) -> Group | None:
    if not slug:
        return None
    try:
        return access_group_by_slug(_actor(request), slug)
    except GroupNotFound:
        raise HttpError(400, _("Unknown parent group.")) from None


def _user_by_id(user_id: int) -> User:
    if not 0 < user_id <= MAX_ID:
        raise GroupNotFound
    return get_object_or_404(get_user_model(), pk=user_id)


# --- endpoints ---------------------------------------------------------------------------------


@router.get("", response=GroupPage, summary="List visible groups")
def list_groups(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    kind: KindName | None = None,
    mine: bool = False,
    page: int = Query(1, ge=1, le=1_000_000),
) -> dict[str, Any]:
    groups: QuerySet[Group] = selectors.directory_groups(
        _actor(request), q=q, kind=kind or "", mine=mine
    )
    count = groups.count()
    pages, start, end = _page_numbers(count, page)
    items = [_group_out(group, getattr(group, "my_role", None)) for group in groups[start:end]]
    return {"count": count, "page": page, "pages": pages, "items": items}


@router.post("", response={201: GroupDetailOut}, summary="Create a group")
def create_group(request: HttpRequest, payload: GroupIn) -> Status[dict[str, Any]]:
    parent = _parent_by_slug(request, payload.parent)
    group = _run(
        lambda: actions.do_create_group(
            actor=_actor(request),
            name=payload.name,
            description=payload.description,
            privacy=payload.privacy,
            kind=payload.kind,
            parent=parent,
            is_company_wide=payload.is_company_wide,
        )
    )
    return Status(201, _detail(request, group))


@router.get("/{slug}", response=GroupDetailOut, summary="A group")
def get_group(request: HttpRequest, slug: str) -> dict[str, Any]:
    group = access_group_by_slug(_actor(request), slug)
    return _detail(request, group)


@router.patch("/{slug}", response=GroupDetailOut, summary="Change a group's settings (admins)")
def update_group(request: HttpRequest, slug: str, payload: GroupPatch) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    fields = payload.dict(exclude_unset=True)
    parent = _parent_by_slug(request, fields["parent"]) if "parent" in fields else group.parent
    updated = _run(
        lambda: actions.do_update_group(
            actor=actor,
            group=group,
            name=fields.get("name") or group.name,
            description=fields.get("description", group.description) or "",
            privacy=fields.get("privacy") or group.privacy,
            kind=fields.get("kind") or group.kind,
            parent=parent,
            is_company_wide=fields.get("is_company_wide"),
        )
    )
    return _detail(request, updated)


@router.get("/{slug}/members", response=MemberPage, summary="Members (for those who see content)")
def list_members(
    request: HttpRequest,
    slug: str,
    q: str = Query("", max_length=100),
    page: int = Query(1, ge=1, le=1_000_000),
) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    if not selectors.viewer_of(actor, group).may_see_content:
        raise HttpError(403, _("Only members can see who is in this group."))
    memberships = selectors.members_of(group, q=q)
    count = memberships.count()
    pages, start, end = _page_numbers(count, page)
    items = [
        {
            "user": _person_out(membership.user),
            "role": membership.role,
            "joined_at": membership.created_at,
            "automatic": membership.rule_id is not None,
        }
        for membership in memberships[start:end]
    ]
    return {"count": count, "page": page, "pages": pages, "items": items}


@router.post("/{slug}/join", response=JoinOut, summary="Join, or ask to join a closed group")
def join_group(request: HttpRequest, slug: str, payload: JoinIn | None = None) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    message = payload.message if payload is not None else ""
    result = _run(lambda: actions.do_join_group(actor=actor, group=group, message=message))
    if isinstance(result, JoinRequest):
        return {"status": "pending", "detail": _("Your request was sent to the group's admins.")}
    return {"status": "member", "detail": _("You are now a member.")}


@router.post("/{slug}/leave", response=Message, summary="Leave a group")
def leave_group(request: HttpRequest, slug: str) -> dict[str, str]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    _run(lambda: actions.do_leave_group(actor=actor, group=group))
    return {"detail": _("You left the group.")}


@router.get("/{slug}/requests", response=list[JoinRequestOut], summary="Pending join requests")
def list_requests(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    if not selectors.viewer_of(actor, group).is_moderator:
        raise HttpError(403, _("Only group admins and moderators can see join requests."))
    return [
        {
            "id": join_request.pk,
            "user": _person_out(join_request.user),
            "message": join_request.message,
            "created_at": join_request.created_at,
        }
        for join_request in selectors.pending_requests(group)[:500]
    ]


def _join_request(group: Group, request_id: int) -> JoinRequest:
    if not 0 < request_id <= MAX_ID:
        raise GroupNotFound
    return get_object_or_404(
        JoinRequest.objects.select_related("group", "user"), group=group, pk=request_id
    )


@router.post("/{slug}/requests/{request_id}/approve", response=MemberOut, summary="Approve")
def approve_request(request: HttpRequest, slug: str, request_id: int) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    join_request = _join_request(group, request_id)
    membership = _run(
        lambda: actions.do_approve_join_request(actor=actor, join_request=join_request)
    )
    return {
        "user": _person_out(join_request.user),
        "role": membership.role,
        "joined_at": membership.created_at,
        "automatic": False,
    }


@router.post("/{slug}/requests/{request_id}/deny", response=Message, summary="Deny")
def deny_request(request: HttpRequest, slug: str, request_id: int) -> dict[str, str]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    join_request = _join_request(group, request_id)
    _run(lambda: actions.do_deny_join_request(actor=actor, join_request=join_request))
    return {"detail": _("The request was denied.")}


@router.post("/{slug}/invitations", response={201: InvitationOut}, summary="Invite a colleague")
def invite(request: HttpRequest, slug: str, payload: InviteIn) -> Status[dict[str, Any]]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    invitee = get_user_model().objects.filter(pk=payload.user_id).first()
    if invitee is None:
        raise HttpError(400, _("This person does not exist or is no longer active."))
    invitation = _run(lambda: actions.do_invite_to_group(actor=actor, group=group, invitee=invitee))
    return Status(
        201, {"group": group.slug, "user_id": invitee.pk, "created_at": invitation.created_at}
    )


@router.post("/{slug}/invitation/accept", response=MemberOut, summary="Accept your invitation")
def accept_invitation(request: HttpRequest, slug: str) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    membership = _run(lambda: actions.do_accept_invitation(actor=actor, group=group))
    return {
        "user": _person_out(actor),
        "role": membership.role,
        "joined_at": membership.created_at,
        "automatic": membership.rule_id is not None,
    }


@router.post("/{slug}/invitation/decline", response=Message, summary="Decline your invitation")
def decline_invitation(request: HttpRequest, slug: str) -> dict[str, str]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    _run(lambda: actions.do_decline_invitation(actor=actor, group=group))
    return {"detail": _("You declined the invitation.")}


@router.delete("/{slug}/members/{user_id}", response={204: None}, summary="Remove a member")
def remove_member(request: HttpRequest, slug: str, user_id: int) -> Status[None]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    member = _user_by_id(user_id)
    _run(lambda: actions.do_remove_member(actor=actor, group=group, user=member))
    return Status(204, None)


@router.patch("/{slug}/members/{user_id}", response=MemberOut, summary="Change a member's role")
def change_role(request: HttpRequest, slug: str, user_id: int, payload: RoleIn) -> dict[str, Any]:
    actor = _actor(request)
    group = access_group_by_slug(actor, slug)
    member = _user_by_id(user_id)
    membership = _run(
        lambda: actions.do_change_role(actor=actor, group=group, user=member, role=payload.role)
    )
    return {
        "user": _person_out(member),
        "role": membership.role,
        "joined_at": membership.created_at,
        "automatic": membership.rule_id is not None,
    }
