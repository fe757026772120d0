"""Hooks other apps call from their actions (inside the transaction; work runs after commit)."""

from __future__ import annotations

from typing import Any

from torg.core.events import enqueue_on_commit


def post_written(post: Any) -> None:
    """A post was created or edited: check it against the keyword alerts after commit."""
    from torg.governance.tasks import scan_post_keywords

    enqueue_on_commit(scan_post_keywords, post.pk)
