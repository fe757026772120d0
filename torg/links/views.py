"""Serve preview images that Torg downloaded and re-encoded itself."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from torg.links.access import access_link_preview_image

SERVED_TYPES = {"image/jpeg": "jpg", "image/png": "png"}


@require_safe
@login_required
def preview_image(request: HttpRequest, preview_id: int) -> FileResponse:
    preview = access_link_preview_image(request.user, preview_id)
    extension = SERVED_TYPES.get(preview.image_content_type)
    if extension is None:
        raise Http404("Not found")
    try:
        handle = preview.image.open("rb")
    except OSError as exc:
        raise Http404("Not found") from exc
    response = FileResponse(
        handle,
        content_type=preview.image_content_type,
        as_attachment=False,
        filename=f"preview-{preview.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"
    return response
