"""Reads for link previews: one query each, whatever the number of URLs."""

from __future__ import annotations

import re

from torg.links.models import LinkPreview
from torg.links.normalise import normalise_url, url_hash

MAX_URLS = 5
_URL = re.compile(r"""(?i)\bhttps?://[^\s<>"'`]+""")
_TRAILING = ".,;:!?*_~'\""
_PAIRS = {")": "(", "]": "[", "}": "{"}


def _trim(candidate: str) -> str:
    """Drop punctuation that ends the sentence rather than the URL, e.g. ``(see https://x.y/).``"""
    while candidate:
        last = candidate[-1]
        unbalanced = last in _PAIRS and candidate.count(last) > candidate.count(_PAIRS[last])
        if last in _TRAILING or unbalanced:
            candidate = candidate[:-1]
        else:
            break
    return candidate


def extract_urls(text: str, *, limit: int = MAX_URLS) -> list[str]:
    """The first ``limit`` distinct http(s) URLs in ``text``, as written."""
    found: list[str] = []
    seen: set[str] = set()
    for match in _URL.finditer(text or ""):
        candidate = _trim(match.group(0))
        if len(candidate) <= len("https://") or "://" not in candidate:
            continue
        key = normalise_url(candidate)
        if key in seen:
            continue
        seen.add(key)
        found.append(candidate)
        if len(found) == limit:
            break
    return found


def preview_for(url: str) -> LinkPreview | None:
    """The successful preview of ``url``, or None (not fetched yet, failed or refused)."""
    key = url_hash(normalise_url(url))
    return LinkPreview.objects.filter(url_hash=key, status=LinkPreview.Status.OK).first()


def previews_for(urls: list[str]) -> dict[str, LinkPreview]:
    """Successful previews for several URLs in one query, keyed by the URL as given."""
    keys = {url: url_hash(normalise_url(url)) for url in urls}
    rows = LinkPreview.objects.filter(url_hash__in=set(keys.values()), status=LinkPreview.Status.OK)
    by_key = {row.url_hash: row for row in rows}
    return {url: by_key[key] for url, key in keys.items() if key in by_key}
