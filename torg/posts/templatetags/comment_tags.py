"""Template filters for the comments under a post card.

``{% if post|has_earlier_comments:latest %}`` decides whether "View earlier comments" belongs
above the inline comments. ``Post.comment_count`` counts every comment that is not deleted,
replies included, while the card shows only the newest top-level comments (their replies sit
behind "View N replies"). So the comments the card accounts for are the shown top-level
comments that are not deleted plus their replies (``Comment.reply_count``); anything beyond that
belongs to an earlier top-level thread. Uses only data already loaded: no query.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import template

from torg.posts.models import Comment, Post

register = template.Library()


@register.filter
def has_earlier_comments(post: Post, latest: Sequence[Comment] | None) -> bool:
    if not latest:
        return False
    accounted = sum((0 if c.deleted_at else 1) + c.reply_count for c in latest)
    return post.comment_count > accounted
