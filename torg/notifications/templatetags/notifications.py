from __future__ import annotations

from typing import Any

from django import template

from torg.notifications.selectors import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user: Any) -> int:
    """The bell's count when the context processor is not installed."""
    return unread_count(user)
