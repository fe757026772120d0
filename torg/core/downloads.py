"""Serving a stored private file: never as active content from Torg's origin, never cached
publicly. Callers check access first (on every request)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def private_file_response(
    stored: FieldFile, *, name: str, content_type: str, inline: bool
) -> FileResponse:
    """Images (``inline``) show with their type; everything else downloads as an octet stream.
    A missing file answers 404."""
    if not stored:
        raise Http404("Not found")
    try:
        handle = stored.open("rb")
    except OSError as exc:
        raise Http404("Not found") from exc
    response = FileResponse(
        handle,
        as_attachment=not inline,
        filename=name,
        content_type=content_type if inline else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-cache"
    return response
