"""The fetcher against a real local web server (allowlisted as 127.0.0.1:<port>)."""

from __future__ import annotations

import dataclasses
import time

import pytest

from torg.links.fetcher import HTML_POLICY, IMAGE_POLICY, FetchFailed, safe_fetch

from .conftest import OG_PAGE, LocalServer, png_bytes


def test_fetches_a_page_with_host_header_and_charset(allow_web: str, web: LocalServer) -> None:
    result = safe_fetch(f"{allow_web}/og")
    assert (result.url, result.status, result.content_type, result.charset) == (
        f"{allow_web}/og",
        200,
        "text/html",
        "utf-8",
    )
    assert result.body == OG_PAGE
    assert web.requests == [("/og", f"127.0.0.1:{web.server_address[1]}")]


def test_follows_three_redirects_and_reports_the_final_url(
    allow_web: str, web: LocalServer
) -> None:
    result = safe_fetch(f"{allow_web}/redirect/3")
    assert result.url == f"{allow_web}/og"
    assert [path for path, _host in web.requests] == [
        "/redirect/3",
        "/redirect/2",
        "/redirect/1",
        "/og",
    ]


def test_a_fourth_redirect_is_too_many(allow_web: str, web: LocalServer) -> None:
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}/redirect/4")
    assert failed.value.reason == "redirects"
    assert len(web.requests) == 4


def test_relative_redirect(allow_web: str) -> None:
    assert safe_fetch(f"{allow_web}/relative-redirect").url == f"{allow_web}/plain"


def test_declared_huge_body_is_refused_before_reading(allow_web: str) -> None:
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}/huge")
    assert (failed.value.reason, failed.value.message) == (
        "too_large",
        f"the response is {3 * 1024 * 1024 + 38} bytes",
    )


def test_undeclared_huge_body_is_cut_off_at_the_cap(allow_web: str) -> None:
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}/huge-stream")
    assert (failed.value.reason, failed.value.message) == (
        "too_large",
        "the response exceeds 2097152 bytes",
    )


@pytest.mark.parametrize("path", ["/slow-body", "/slow-headers"])
def test_trickling_server_hits_the_overall_deadline(allow_web: str, path: str) -> None:
    policy = dataclasses.replace(HTML_POLICY, deadline=1.0)
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}{path}", policy)
    elapsed = time.monotonic() - started
    assert failed.value.reason == "timeout"
    assert 0.9 < elapsed < 2.5


@pytest.mark.parametrize(
    ("path", "reason", "message"),
    [
        ("/binary", "content_type", "content type 'application/octet-stream'"),
        ("/gzip", "encoding", "unexpected content encoding 'gzip'"),
        ("/missing", "http", "HTTP status 404"),
    ],
)
def test_unusable_answers_fail(allow_web: str, path: str, reason: str, message: str) -> None:
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}{path}")
    assert (failed.value.reason, failed.value.message) == (reason, message)


def test_images_use_the_image_policy(allow_web: str) -> None:
    result = safe_fetch(f"{allow_web}/static/cover.png", IMAGE_POLICY)
    assert (result.content_type, result.body) == ("image/png", png_bytes())
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"{allow_web}/static/cover.png", HTML_POLICY)
    assert failed.value.reason == "content_type"


def test_closed_port_fails_cleanly(settings: object, recorder: object) -> None:
    import socket

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens on this port now
    settings.LINK_PREVIEW_ALLOWED_HOSTS = [f"127.0.0.1:{port}"]  # type: ignore[attr-defined]
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"http://127.0.0.1:{port}/")
    assert failed.value.reason == "connect"
