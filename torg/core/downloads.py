"""Serving a stored private file: never as active content from Torg's origin, never cached
publicly, one HTTP byte range when asked. Callers check access first (on every request,
including every range request: there are no storage URLs to bypass them).

Works with any Django storage: one that offers ``open_range(name, start, length)`` (the S3
backend, ``torg.media.storage_s3``) reads only the range asked for; others are opened and
seeked (local files).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from django.core.files.storage import Storage
from django.db.models.fields.files import FieldFile
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
BLOCK = 256 * 1024


def _blocks(handle: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    try:
        if start:
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


def read_range(storage: Storage, name: str, start: int, length: int) -> Iterator[bytes]:
    """Bytes ``start`` .. ``start + length - 1`` of stored ``name``. The file is opened here, so
    a missing one raises OSError before the response starts."""
    ranged = getattr(storage, "open_range", None)
    if ranged is not None:
        return ranged(name, start, length)
    return _blocks(storage.open(name, "rb"), start, length)


def protect(response: HttpResponse | StreamingHttpResponse) -> None:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Access is re-checked on every request: nothing may be served from a shared cache.
    response["Cache-Control"] = "private, no-cache"
    response["Cross-Origin-Resource-Policy"] = "same-origin"


def _unsatisfiable(size: int) -> HttpResponse:
    response = HttpResponse(status=416)
    response["Content-Range"] = f"bytes */{size}"
    protect(response)
    return response


def parse_range(header: str, size: int) -> tuple[int, int]:
    """(start, end) of the one byte range ``header`` asks for, clamped to ``size``; ValueError
    when it cannot be satisfied. Several ranges are not supported (the answer would be 416)."""
    match = _RANGE.match(header.strip())
    if match is None or (not match.group(1) and not match.group(2)):
        raise ValueError(header)
    if match.group(1):
        start = int(match.group(1))
        end = min(int(match.group(2)), size - 1) if match.group(2) else size - 1
    else:  # the last N bytes
        start = max(0, size - int(match.group(2)))
        end = size - 1
    if start >= size or start > end:
        raise ValueError(header)
    return start, end


def stored_response(
    request: HttpRequest | None,
    storage: Storage,
    name: str,
    content_type: str,
    *,
    disposition: str | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Stream stored ``name``, or the one byte range ``request`` asks for (206). A missing file
    answers 404. ``disposition`` is a ready Content-Disposition header value."""
    try:
        size = storage.size(name)
    except (OSError, ValueError) as exc:
        raise Http404("Not found") from exc
    start, end, status = 0, size - 1, 200
    header = request.headers.get("Range", "") if request is not None else ""
    if header:
        try:
            start, end = parse_range(header, size)
        except ValueError:
            return _unsatisfiable(size)
        status = 206
    length = max(0, end - start + 1)
    try:
        blocks = read_range(storage, name, start, length)
    except (OSError, ValueError) as exc:
        raise Http404("Not found") from exc
    response = StreamingHttpResponse(blocks, status=status, content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    if disposition:
        response["Content-Disposition"] = disposition
    protect(response)
    return response


def private_file_response(
    stored: FieldFile,
    *,
    name: str,
    content_type: str,
    inline: bool,
    request: HttpRequest | None = None,
) -> HttpResponse | StreamingHttpResponse:
    """Images (``inline``) show with their type; everything else downloads as an octet stream.
    With ``request``, a byte range is honoured (resumed downloads, video seeking). A missing
    file answers 404."""
    if not stored or not stored.name:
        raise Http404("Not found")
    return stored_response(
        request,
        stored.storage,
        str(stored.name),
        content_type if inline else "application/octet-stream",
        disposition=content_disposition_header(not inline, name),
    )
