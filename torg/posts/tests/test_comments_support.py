"""Fixtures and a URL configuration shared by the comment and reaction tests (no tests here).

Until the lead mounts ``torg.posts.comment_urls`` and ``torg.posts.comment_api.router`` in
torg/urls.py and torg/api/api.py, the tests serve them from this module (``URLS``), with an API
that has the same authentication and error handlers as the real one.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import NoReverseMatch, include, path, reverse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from torg.accounts.models import User
from torg.api.auth import ActiveSessionAuth, TokenAuth
from torg.groups import actions as group_actions
from torg.groups.models import Group
from torg.posts import actions as post_actions
from torg.posts.comment_api import router
from torg.posts.models import Post


def _mounted(name: str, *args: Any) -> bool:
    try:
        reverse(name, args=args)
    except NoReverseMatch:
        return False
    return True


_API_MOUNTED = _mounted("api:post_comments", 1)
_PAGES_MOUNTED = _mounted("comments:list", 1)

if not _API_MOUNTED:
    test_api = NinjaAPI(auth=[TokenAuth(), ActiveSessionAuth()], urls_namespace="api_comments_test")

    @test_api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return test_api.create_response(request, {"detail": "Not found"}, status=404)

    @test_api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return test_api.create_response(request, {"detail": "Authentication required"}, status=401)

    @test_api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return test_api.create_response(request, {"detail": exc.errors}, status=422)

    test_api.add_router("/posts", router)

urlpatterns = []
if not _API_MOUNTED:
    urlpatterns.append(path("api/v1/", test_api.urls))
if not _PAGES_MOUNTED:
    urlpatterns.append(path("posts/", include("torg.posts.comment_urls")))
urlpatterns.append(path("", include("torg.urls")))

URLS = __name__
"""Use as ``pytestmark = pytest.mark.urls(URLS)``."""

_numbers = itertools.count(1)


@dataclass
class World:
    """Three groups (open, closed, secret) owned by ``owner``, each with ``member`` in it;
    ``outsider`` is an employee in none, ``guest`` a guest member of none."""

    owner: User
    member: User
    outsider: User
    guest: User
    groups: dict[str, Group]

    def post_in(self, privacy: str, body: str = "Hello") -> Post:
        return post_actions.do_create_post(author=self.owner, group=self.groups[privacy], body=body)


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(name: str | None = None, **fields: Any) -> User:
        number = next(_numbers)
        return User.objects.create_user(
            f"c{number}@example.com", "pw-123456789", name=name or f"Person {number}", **fields
        )

    return make


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    owner = make_user("Olga Owner")
    member = make_user("Mona Member")
    outsider = make_user("Otto Outsider")
    guest = make_user("Gina Guest", is_guest=True)
    groups = {}
    for privacy in ("open", "closed", "secret"):
        group = group_actions.do_create_group(
            actor=owner, name=f"{privacy.title()} group", privacy=privacy
        )
        group_actions.do_add_member(group=group, user=member, actor=owner)
        groups[privacy] = group
    return World(owner=owner, member=member, outsider=outsider, guest=guest, groups=groups)
