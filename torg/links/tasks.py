"""Background jobs for link previews."""

from __future__ import annotations

from django.tasks import task

from torg.links.actions import do_fetch_link_preview


@task()
def fetch_link_preview(url: str) -> int:
    """Fetch (or reuse) the preview of ``url``; returns its id. Safe to run twice: the action
    keeps one row per URL and skips the network while the cached answer is fresh."""
    return do_fetch_link_preview(url=url).pk
