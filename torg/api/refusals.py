"""How the API answers an action's refusal: ``{"detail": message}`` with 403 (not allowed) or 400
(bad input). Every router runs its ``do_*`` calls through these."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from ninja.errors import HttpError


@contextmanager
def refusals() -> Iterator[None]:
    """Turn an action's refusal into {"detail": message} with 403 or 400."""
    try:
        yield
    except PermissionDenied as refusal:
        raise HttpError(403, str(refusal) or "Forbidden") from refusal
    except ValidationError as refusal:
        raise HttpError(400, " ".join(str(m) for m in refusal.messages)) from refusal


def run[T](action: Callable[[], T]) -> T:
    with refusals():
        return action()
