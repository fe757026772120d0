"""URLs for the posts tests: the site's URLs plus the posts pages and API, mounted the way the
lead mounts them (holds no tests). Works before and after the lead adds them to torg/urls.py."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from torg.api.auth import ActiveSessionAuth, TokenAuth
from torg.posts.api import router
from torg.urls import urlpatterns as site_patterns

_namespaces = {getattr(p, "namespace", None) for p in site_patterns}
urlpatterns = list(site_patterns)
if "posts" not in _namespaces:
    urlpatterns.insert(0, path("posts/", include("torg.posts.urls")))
if "comments" not in _namespaces:
    urlpatterns.insert(0, path("posts/", include("torg.posts.comment_urls")))

if getattr(router, "api", None) is None:  # the lead has not mounted the posts router yet
    api = NinjaAPI(
        title="Posts test API",
        version="test",
        auth=[TokenAuth(), ActiveSessionAuth()],
        urls_namespace="posts_test_api",
    )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found"}, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return api.create_response(request, {"detail": "Authentication required"}, status=401)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return api.create_response(request, {"detail": exc.errors}, status=422)

    api.add_router("/posts", router)
    urlpatterns.insert(0, path("api/v1/", api.urls))
