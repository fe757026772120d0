"""The signed-in person's own account: /me and personal access tokens."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError

from torg.accounts import actions
from torg.accounts.access import access_own_api_token
from torg.accounts.models import ApiToken, User
from torg.people.models import Department, Location

router = Router(tags=["accounts"])


class NamedRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    id: int
    email: str
    name: str
    job_title: str
    department: NamedRef | None
    location: NamedRef | None
    manager: NamedRef | None
    phone: str
    bio: str
    skills: list[str]
    languages: list[str]
    time_zone: str
    language: str
    is_guest: bool
    is_network_admin: bool
    avatar_url: str | None


class MeIn(Schema):
    name: str | None = Field(None, max_length=150)
    job_title: str | None = Field(None, max_length=150)
    department_id: int | None = None
    location_id: int | None = None
    manager_id: int | None = None
    phone: str | None = Field(None, max_length=40)
    bio: str | None = Field(None, max_length=2000)
    skills: list[str] | None = Field(None, max_length=200)
    languages: list[str] | None = Field(None, max_length=200)
    time_zone: str | None = Field(None, max_length=64)
    language: str | None = Field(None, max_length=8)


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(description="The secret. Shown only in this response; store it now.")


class TokenIn(Schema):
    name: str = Field(max_length=200)


class ErrorOut(Schema):
    detail: object


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _ref(obj: Department | Location | User | None) -> NamedRef | None:
    if obj is None:
        return None
    return NamedRef(id=obj.pk, name=str(obj.name))


def _me_out(user_id: int) -> MeOut:
    user = (
        User.objects.select_related("department", "location", "manager")
        .prefetch_related("skills")
        .get(pk=user_id)
    )
    return MeOut(
        id=user.pk,
        email=user.email,
        name=user.name,
        job_title=user.job_title,
        department=_ref(user.department),
        location=_ref(user.location),
        manager=_ref(user.manager),
        phone=user.phone,
        bio=user.bio,
        skills=[skill.name for skill in user.skills.all()],
        languages=list(user.languages or []),
        time_zone=user.time_zone,
        language=user.language,
        is_guest=user.is_guest,
        is_network_admin=user.is_network_admin,
        avatar_url=reverse("people:avatar", args=[user.pk]) if user.avatar else None,
    )


def _invalid(field: str, message: str) -> NinjaValidationError:
    return NinjaValidationError([{"loc": ["body", "payload", field], "msg": message}])


def _as_ninja_error(error: ValidationError) -> NinjaValidationError:
    if hasattr(error, "error_dict"):
        return NinjaValidationError(
            [
                {"loc": ["body", "payload", field], "msg": " ".join(e.messages)}
                for field, errors in error.error_dict.items()
                for e in errors
            ]
        )
    return NinjaValidationError([{"loc": ["body", "payload"], "msg": " ".join(error.messages)}])


def _token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        id=token.pk,
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        last_used_at=token.last_used_at,
    )


@router.get("/me", response=MeOut, summary="Your own account")
def get_me(request: HttpRequest) -> MeOut:
    return _me_out(_me(request).pk)


@router.patch("/me", response={200: MeOut, 422: ErrorOut}, summary="Update your own profile")
def patch_me(request: HttpRequest, payload: MeIn) -> MeOut:
    me = _me(request)
    data = payload.model_dump(exclude_unset=True)
    update: actions.ProfileUpdate = {}
    for field in ("name", "job_title", "phone", "bio", "time_zone", "language"):
        if field in data:
            if data[field] is None:
                raise _invalid(field, "May not be null")
            update[field] = data[field]
    for field in ("skills", "languages"):
        if field in data:
            if data[field] is None:
                raise _invalid(field, "May not be null")
            update[field] = data[field]  # type: ignore[literal-required]
    if "department_id" in data:
        update["department"] = _lookup(Department, data["department_id"], "department_id")
    if "location_id" in data:
        update["location"] = _lookup(Location, data["location_id"], "location_id")
    if "manager_id" in data:
        manager = _lookup(User, data["manager_id"], "manager_id")
        if manager is not None and not manager.is_active:
            raise _invalid("manager_id", "Unknown person")
        update["manager"] = manager
    try:
        actions.do_update_profile(user=me, update=update)
    except ValidationError as error:
        raise _as_ninja_error(error) from error
    return _me_out(me.pk)


def _lookup[M: (Department, Location, User)](
    model: type[M], pk: int | None, field: str
) -> M | None:
    if pk is None:
        return None
    obj = model._default_manager.filter(pk=pk).first() if 0 < pk < 2**63 else None
    if obj is None:
        raise _invalid(field, "Unknown id")
    return obj


@router.get("/me/tokens", response=list[TokenOut], summary="Your personal access tokens")
def list_tokens(request: HttpRequest) -> list[TokenOut]:
    tokens = ApiToken.objects.filter(user=_me(request), revoked_at__isnull=True)
    return [_token_out(token) for token in tokens]


@router.post(
    "/me/tokens",
    response={201: TokenCreatedOut, 422: ErrorOut},
    summary="Create a personal access token (the secret is returned once)",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Status[TokenCreatedOut]:
    try:
        token, secret = actions.do_create_api_token(user=_me(request), name=payload.name)
    except ValidationError as error:
        raise _as_ninja_error(error) from error
    return Status(201, TokenCreatedOut(**_token_out(token).model_dump(), token=secret))


@router.delete(
    "/me/tokens/{token_id}", response={204: None, 404: ErrorOut}, summary="Revoke a token"
)
def delete_token(request: HttpRequest, token_id: int) -> Status[None]:
    me = _me(request)
    token = access_own_api_token(me, token_id)
    actions.do_revoke_api_token(user=me, token=token)
    return Status(204, None)
