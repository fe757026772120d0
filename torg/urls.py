from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from torg.api.api import api

admin.site.site_header = "Torg administration"
admin.site.site_title = "Torg"

urlpatterns = [
    path("", include("torg.core.urls")),
    path("", include("torg.accounts.urls")),
    path("", include("torg.feed.urls")),
    path("people/", include("torg.people.urls")),
    path("groups/", include("torg.groups.urls")),
    path("links/", include("torg.links.urls")),
    path("posts/", include("torg.posts.urls")),
    path("posts/", include("torg.posts.comment_urls")),
    path("notifications/", include("torg.notifications.urls")),
    path("search/", include("torg.search.urls")),
    path("announcements/", include("torg.announcements.urls")),
    path("videos/", include("torg.media.urls")),
    path("knowledge/", include("torg.knowledge.urls")),
    path("live/", include("torg.live.urls")),
    path("chat/", include("torg.chat.urls")),
    path("governance/", include("torg.governance.urls")),
    path("insights/", include("torg.insights.urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
