"""Fixtures shared by the posts tests (imported by test_posts_*.py; holds no tests)."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from torg.accounts.models import User
from torg.groups import actions as group_actions
from torg.groups.models import Group, Membership

_numbers = itertools.count(1)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        name = name or f"Person {number}"
        email = fields.pop("email", f"poster{number}@example.com")
        return User.objects.create_user(email, "pw-123456789", name=name, **fields)

    return make


@pytest.fixture
def world(make_user: Callable[..., User]) -> dict[str, Any]:
    """Groups of each privacy with an admin, a member; an outsider employee and a guest."""
    admin = make_user("Ada Admin")
    member = make_user("Mia Member")
    outsider = make_user("Otto Outsider")
    guest = make_user("Gus Guest", is_guest=True)
    groups: dict[str, Group] = {}
    for privacy in ("open", "closed", "secret"):
        group = group_actions.do_create_group(
            actor=admin, name=f"{privacy.title()} group", privacy=privacy
        )
        group_actions.do_add_member(group=group, user=member)
        groups[privacy] = group
    return {
        "admin": admin,
        "member": member,
        "outsider": outsider,
        "guest": guest,
        **groups,
    }


def add_member(group: Group, user: User, role: str = Membership.Role.MEMBER) -> None:
    group_actions.do_add_member(group=group, user=user, role=role)


def png_bytes(width: int = 800, height: int = 600, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def png_upload(name: str = "photo.png", **kw: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kw), content_type="image/png")


def text_upload(name: str = "notes.txt", data: bytes = b"hello") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="text/plain")
