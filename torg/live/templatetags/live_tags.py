"""``{% broadcast_for post as broadcast %}`` for post cards, ``{% group_broadcasts group %}`` for
the group page.

The first card on a page loads the broadcasts of every post in the page's feed
(``page.all_posts``) in one query and keeps them on the request, so a feed does not query per
card. The card is only shown to people who may read the post, so no further check is needed.
"""

from __future__ import annotations

from typing import Any

from django import template

from torg.groups.models import Group
from torg.live import selectors
from torg.live.access import may_broadcast_in
from torg.live.models import Broadcast
from torg.posts.models import Post

register = template.Library()


@register.simple_tag(takes_context=True)
def broadcast_for(context: template.Context, post: Post) -> Broadcast | None:
    request = context.get("request")
    cache: dict[int, Broadcast | None] | None = getattr(request, "_live_broadcasts", None)
    if cache is None:
        cache = {}
        if request is not None:
            request._live_broadcasts = cache
    if post.pk not in cache:
        page_posts = list(getattr(context.get("page"), "all_posts", None) or [])
        wanted = [post.pk, *(p.pk for p in page_posts if p.pk not in cache)]
        found = selectors.broadcasts_by_post(wanted)
        for post_id in wanted:
            cache[post_id] = found.get(post_id)
    return cache.get(post.pk)


@register.inclusion_tag("live/_group_live.html", takes_context=True)
def group_broadcasts(context: template.Context, group: Group) -> dict[str, Any]:
    user = context.get("user")
    visible = bool(getattr(context.get("viewer"), "may_see_content", False))
    return {
        "group": group,
        "broadcasts": selectors.upcoming_in_group(group) if visible else [],
        "may_broadcast": visible and user is not None and may_broadcast_in(user, group),
    }
