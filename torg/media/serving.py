"""Serving stored media files with HTTP Range support (video seeking, Safari's byte-range
requests). The caller has already checked access for this very request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 256 * 1024


def _stream(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            block = handle.read(min(BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            yield block
    finally:
        handle.close()


def _protect(response: HttpResponse | StreamingHttpResponse) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Access is re-checked on every request: nothing may be served from a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["Cross-Origin-Resource-Policy"] = "same-origin"


def serve_stored(
    request: HttpRequest,
    name: str,
    content_type: str,
    *,
    download_name: str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Stream storage object ``name``; one byte range when the request asks for it."""
    try:
        size = default_storage.size(name)
        handle = default_storage.open(name, "rb")
    except (OSError, ValueError) as exc:
        raise Http404("Not found") from exc
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "")
    if header:
        match = _RANGE.match(header.strip())
        if match is None or (not match.group(1) and not match.group(2)):
            handle.close()
            response: HttpResponse | StreamingHttpResponse = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _protect(response)
            return response
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
        else:  # the last N bytes
            start = max(0, size - int(match.group(2)))
        if start >= size or start > end:
            handle.close()
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{size}"
            _protect(response)
            return response
        status = 206
    length = end - start + 1
    response = StreamingHttpResponse(
        _stream(handle, start, length), status=status, content_type=content_type
    )
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if download_name is not None:
        response["Content-Disposition"] = content_disposition_header(True, download_name) or ""
    _protect(response)
    return response
