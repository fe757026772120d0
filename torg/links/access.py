"""The one way to look up a link preview for a person."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import Http404

from torg.links.models import LinkPreview

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


class LinkPreviewNotFound(Http404):
    def __init__(self) -> None:
        super().__init__("Not found")


def access_link_preview_image(user: User | AnonymousUser, preview_id: int) -> LinkPreview:
    """A preview with a stored image, for a signed-in active person; else LinkPreviewNotFound.

    Previews hold only what a public (or allowlisted) page published. Once posts exist, a preview
    of an intranet URL should be shown only beside posts the person may see.
    """
    if not (user.is_authenticated and user.is_active):
        raise LinkPreviewNotFound
    if not isinstance(preview_id, int) or not (0 < preview_id < 2**63):
        raise LinkPreviewNotFound
    preview = (
        LinkPreview.objects.filter(pk=preview_id, status=LinkPreview.Status.OK)
        .exclude(image="")
        .first()
    )
    if preview is None:
        raise LinkPreviewNotFound
    return preview
