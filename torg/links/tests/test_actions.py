"""Previews end to end: real local server (allowlisted), real storage, real database."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.urls import include, path
from django.utils import timezone
from PIL import Image

import torg.urls
from torg.accounts.models import User
from torg.links.actions import check_fetch_link_preview, do_fetch_link_preview
from torg.links.models import LinkPreview
from torg.links.normalise import normalise_url, url_hash
from torg.links.selectors import extract_urls, preview_for, previews_for
from torg.links.tasks import fetch_link_preview

from .conftest import LocalServer

pytestmark = pytest.mark.django_db

# The lead wires torg.links.urls into torg/urls.py; until then these tests add it themselves.
urlpatterns = [*torg.urls.urlpatterns, path("links/", include("torg.links.urls"))]


def stored_files() -> list[str]:
    if not default_storage.exists("link-previews"):
        return []
    return sorted(default_storage.listdir("link-previews")[1])


def test_open_graph_preview_with_stored_image(allow_web: str, web: LocalServer) -> None:
    preview = do_fetch_link_preview(url=f"{allow_web}/og#section")
    preview.refresh_from_db()
    assert (
        preview.url,
        preview.url_hash,
        preview.status,
        preview.title,
        preview.description,
        preview.site_name,
        preview.canonical_url,
        preview.error,
    ) == (
        f"{allow_web}/og",
        url_hash(f"{allow_web}/og"),
        "ok",
        "Quarterly results & outlook",
        "Revenue grew 12 %. New offices in Bergen.",
        "Acme News",
        f"{allow_web}/news/q3",
        "",
    )
    assert (preview.image_content_type, preview.image_width, preview.image_height) == (
        "image/jpeg",
        1200,
        600,
    )
    assert preview.image.name.startswith("link-previews/")
    assert len(preview.image.name) == len("link-previews/") + 32 + len(".jpg")
    assert stored_files() == [preview.image.name.removeprefix("link-previews/")]
    with preview.image.open("rb") as handle:
        assert Image.open(io.BytesIO(handle.read())).size == (1200, 600)
    assert [p for p, _h in web.requests] == ["/og", "/static/cover.png"]
    assert preview.fetched_at == preview.attempted_at


def test_twitter_and_plain_pages(allow_web: str) -> None:
    twitter = do_fetch_link_preview(url=f"{allow_web}/twitter")
    # The Twitter image lives on a public CDN we cannot reach (and that is not allowlisted).
    assert (twitter.status, twitter.title, twitter.image.name) == (
        "ok",
        "Blåbærsyltetøy på tur",
        "",
    )
    plain = do_fetch_link_preview(url=f"{allow_web}/plain")
    assert (plain.title, plain.description, plain.site_name) == (
        "Just a title",
        "Plain description",
        "127.0.0.1",
    )


def test_invalid_image_is_dropped_but_the_preview_kept(allow_web: str) -> None:
    preview = do_fetch_link_preview(url=f"{allow_web}/bad-image-page")
    assert (preview.status, preview.title, preview.image.name) == ("ok", "Bad image", "")
    assert stored_files() == []


def test_fresh_previews_are_not_refetched(allow_web: str, web: LocalServer) -> None:
    first = do_fetch_link_preview(url=f"{allow_web}/plain")
    second = do_fetch_link_preview(url=f"{allow_web.upper().replace('HTTP', 'http')}/plain")
    assert second.pk == first.pk
    assert LinkPreview.objects.count() == 1
    assert [p for p, _h in web.requests] == ["/plain"]


def test_stale_previews_are_refetched_and_the_old_image_replaced(
    allow_web: str, web: LocalServer, django_capture_on_commit_callbacks: Any
) -> None:
    first = do_fetch_link_preview(url=f"{allow_web}/og")
    old_image = first.image.name
    eight_days_ago = timezone.now() - datetime.timedelta(days=8)
    LinkPreview.objects.update(fetched_at=eight_days_ago, attempted_at=eight_days_ago)
    with django_capture_on_commit_callbacks(execute=True):
        second = do_fetch_link_preview(url=f"{allow_web}/og")
    assert second.pk == first.pk
    assert second.image.name != old_image
    assert stored_files() == [second.image.name.removeprefix("link-previews/")]
    assert len(web.requests) == 4


def test_failed_refetch_keeps_the_good_preview(allow_web: str, settings: Any) -> None:
    good = do_fetch_link_preview(url=f"{allow_web}/plain")
    long_ago = timezone.now() - datetime.timedelta(days=8)
    LinkPreview.objects.update(fetched_at=long_ago, attempted_at=long_ago)
    settings.LINK_PREVIEW_ALLOWED_HOSTS = []
    again = do_fetch_link_preview(url=f"{allow_web}/plain")
    assert (again.pk, again.status, again.title, again.fetched_at) == (
        good.pk,
        "ok",
        "Just a title",
        long_ago,
    )
    assert again.error == "port " + allow_web.rsplit(":", 1)[1] + " is not allowed"


def test_refused_and_failed_outcomes_are_recorded(allow_web: str, recorder: Any) -> None:
    refused = do_fetch_link_preview(url=f"{allow_web}/to-loopback")
    assert (refused.status, refused.title, refused.fetched_at) == ("refused", "", None)
    # The redirect target is not allowlisted, so its port alone already refuses it.
    assert refused.error == f"port {recorder.port} is not allowed"
    failed = do_fetch_link_preview(url=f"{allow_web}/missing")
    assert (failed.status, failed.error) == ("failed", "HTTP status 404")
    assert recorder.settle() == 0
    assert preview_for(f"{allow_web}/missing") is None


def test_check_refuses_non_web_addresses() -> None:
    for bad in ["", "   ", "javascript:alert(1)", "ftp://x.example/", "x" * 2049]:
        with pytest.raises(ValidationError):
            check_fetch_link_preview(url=bad)
    assert LinkPreview.objects.count() == 0


def test_task_is_safe_to_run_twice(allow_web: str, web: LocalServer) -> None:
    first = fetch_link_preview.enqueue(f"{allow_web}/og")
    second = fetch_link_preview.enqueue(f"{allow_web}/og")
    assert first.return_value == second.return_value == LinkPreview.objects.get().pk
    assert [p for p, _h in web.requests] == ["/og", "/static/cover.png"]
    assert len(stored_files()) == 1


def test_normalise_url() -> None:
    assert normalise_url(" HTTPS://Example.COM.:443/a?b=1#frag ") == "https://example.com/a?b=1"
    assert normalise_url("http://example.com:8080") == "http://example.com:8080/"
    assert normalise_url("http://Blåbær.example/") == "http://xn--blbr-roah.example/"
    assert normalise_url("http://[::1]:80/x") == "http://[::1]/x"
    assert normalise_url("http://u@example.com/") == "http://u@example.com/"
    assert normalise_url("mailto:a@b.c") == "mailto:a@b.c"


def test_extract_urls() -> None:
    text = (
        "See https://example.com/a, (and https://example.com/b_(c)) or "
        "https://EXAMPLE.com/a again! Also <https://x.example/p?q=1>. "
        "ftp://no.example/ javascript:alert(1) http:// "
        "https://1.example/ https://2.example/ https://3.example/ https://4.example/"
    )
    assert extract_urls(text) == [
        "https://example.com/a",
        "https://example.com/b_(c)",
        "https://x.example/p?q=1",
        "https://1.example/",
        "https://2.example/",
    ]
    assert extract_urls("") == []


def test_selectors_use_one_query(allow_web: str, django_assert_num_queries: Any) -> None:
    ok = do_fetch_link_preview(url=f"{allow_web}/plain")
    do_fetch_link_preview(url=f"{allow_web}/missing")
    with django_assert_num_queries(1):
        assert preview_for(f"{allow_web}/plain#x") == ok
    urls = [f"{allow_web}/plain", f"{allow_web}/missing", "https://never.example/"]
    with django_assert_num_queries(1):
        assert previews_for(urls) == {f"{allow_web}/plain": ok}


@pytest.fixture
def member() -> User:
    return User.objects.create_user("kari@example.com", "pw-123456789", name="Kari Nordmann")


@pytest.mark.urls("torg.links.tests.test_actions")
def test_image_view(allow_web: str, client: Any, member: User) -> None:
    preview = do_fetch_link_preview(url=f"{allow_web}/og")
    url = f"/links/previews/{preview.pk}/image"
    assert client.get(url).status_code == 302  # sign-in first
    client.force_login(member)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Content-Disposition"] == f'inline; filename="preview-{preview.pk}.jpg"'
    with preview.image.open("rb") as handle:
        assert b"".join(response.streaming_content) == handle.read()
    assert client.post(url).status_code == 405


@pytest.mark.urls("torg.links.tests.test_actions")
def test_image_view_404s(allow_web: str, client: Any, member: User) -> None:
    client.force_login(member)
    no_image = do_fetch_link_preview(url=f"{allow_web}/plain")
    failed = do_fetch_link_preview(url=f"{allow_web}/missing")
    for preview_id in [no_image.pk, failed.pk, 999_999, 2**63, 10**30]:
        assert client.get(f"/links/previews/{preview_id}/image").status_code == 404
    member.is_active = False
    member.save()
    good = do_fetch_link_preview(url=f"{allow_web}/og")
    assert client.get(f"/links/previews/{good.pk}/image").status_code in {302, 404}
