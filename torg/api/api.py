"""The REST API at /api/v1/. Each app contributes a router from its own ``api.py``."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from torg.accounts.api import router as accounts_router
from torg.announcements.api import router as announcements_router
from torg.api.auth import ActiveSessionAuth, TokenAuth
from torg.chat.api import router as chat_router
from torg.feed.api import router as feed_router
from torg.governance.api import router as governance_router
from torg.groups.api import router as groups_router
from torg.insights.api import router as insights_router
from torg.knowledge.api import router as knowledge_router
from torg.live.api import router as live_router
from torg.media.api import router as media_router
from torg.notifications.api import router as notifications_router
from torg.people.api import router as people_router
from torg.posts.api import router as posts_router
from torg.posts.comment_api import router as comment_router
from torg.search.api import router as search_router

api = NinjaAPI(
    title="Torg API",
    version="1",
    description="REST API of Torg. Authenticate with a personal access token "
    "(`Authorization: Bearer <token>`, created on your settings page) or a session cookie.",
    auth=[TokenAuth(), ActiveSessionAuth()],
    urls_namespace="api",
    docs_url="/docs",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    # Unknown and hidden objects answer identically.
    return api.create_response(request, {"detail": "Not found"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": "Authentication required"}, status=401)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": exc.errors}, status=422)


api.add_router("/", accounts_router)
api.add_router("/people", people_router)
api.add_router("/groups", groups_router)
api.add_router("/posts", posts_router)
api.add_router("/posts", comment_router)
api.add_router("/feed", feed_router)
api.add_router("/notifications", notifications_router)
api.add_router("/search", search_router)
api.add_router("/announcements", announcements_router)
api.add_router("/knowledge", knowledge_router)
api.add_router("/media", media_router)
api.add_router("/live", live_router)
api.add_router("/chat", chat_router)
api.add_router("/governance", governance_router)
api.add_router("/insights", insights_router)
