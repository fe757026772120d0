"""Serving stored media files with HTTP Range support (video seeking, Safari's byte-range
requests). The caller has already checked access for this very request. Ranged reads come from
the storage itself (one ranged GET on S3, a seek on local disk): see ``torg.core.downloads``."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from torg.core.downloads import stored_response


def serve_stored(
    request: HttpRequest,
    name: str,
    content_type: str,
    *,
    download_name: str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Stream storage object ``name``; one byte range when the request asks for it."""
    disposition = (
        content_disposition_header(True, download_name) if download_name is not None else None
    )
    return stored_response(request, default_storage, name, content_type, disposition=disposition)
