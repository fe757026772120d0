"""Search functions other apps call (the Q&A, topics and expertise code imports these).

Both return ids of things ``actor`` may see at the moment of the call, best match first; the
same text rules as the search page apply (Norwegian and English stems, accents folded).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from torg.search import selectors
from torg.search.models import SearchDocument
from torg.search.text import parse_query

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from torg.accounts.models import User


def search_post_ids(
    actor: User | AnonymousUser, text: str, *, limit: int = 50, group_id: int | None = None
) -> list[int]:
    """Ids of posts ``actor`` may see whose own text matches ``text``, best match first.

    Comments are not included. ``group_id`` keeps posts of that group only.
    """
    return selectors.ranked_ids(
        actor,
        parse_query(text),
        SearchDocument.Kind.POST,
        filters=selectors.Filters(group_id=group_id),
        limit=limit,
    )


def search_comment_ids(actor: User | AnonymousUser, text: str, *, limit: int = 50) -> list[int]:
    """Ids of comments on posts ``actor`` may see that match ``text``, best match first."""
    return selectors.ranked_ids(actor, parse_query(text), SearchDocument.Kind.COMMENT, limit=limit)
