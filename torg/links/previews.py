"""Read a page's preview metadata: Open Graph, then Twitter Card, then plain HTML.

Only the document head matters, so parsing stops at ``</head>`` or ``<body>`` and never looks
past the first 512 KiB.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

PARSE_LIMIT = 512 * 1024
TITLE_LENGTH = 300
DESCRIPTION_LENGTH = 500
SITE_NAME_LENGTH = 100
URL_LENGTH = 2048

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_.:-]+)""", re.I)
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class PageMetadata:
    title: str
    description: str
    image_url: str
    site_name: str
    canonical_url: str


class _HeadParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.base_href = ""
        self.title_parts: list[str] = []
        self.in_title = False
        self.title_done = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        if tag == "body":
            self.done = True
            return
        values = {name.lower(): (value or "") for name, value in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content", "")
            if key and content.strip() and key not in self.meta:
                self.meta[key] = content
        elif tag == "link":
            href = values.get("href", "").strip()
            for rel in values.get("rel", "").lower().split():
                if href and rel not in self.links:
                    self.links[rel] = href
        elif tag == "base" and not self.base_href:
            self.base_href = values.get("href", "").strip()
        elif tag == "title" and not self.title_done:
            self.in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "head":
            self.done = True
        elif tag == "title" and self.in_title:
            self.in_title = False
            self.title_done = True

    def handle_data(self, data: str) -> None:
        if self.in_title and not self.done:
            self.title_parts.append(data)


def clean_text(value: str, limit: int) -> str:
    """One line of printable text, at most ``limit`` characters (ellipsis when cut)."""
    value = "".join(char if unicodedata.category(char)[0] != "C" else " " for char in value)
    value = _WHITESPACE.sub(" ", value).strip()
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def absolute_http_url(value: str, base: str) -> str:
    """``value`` resolved against ``base`` if it is an http(s) URL that fits, else ''."""
    value = value.strip()
    if not value:
        return ""
    try:
        resolved = urljoin(base, value)
        parts = urlsplit(resolved)
    except ValueError:
        return ""
    if parts.scheme.lower() not in {"http", "https"} or not parts.netloc:
        return ""
    if len(resolved) > URL_LENGTH or any(ord(char) <= 0x20 for char in resolved):
        return ""
    return resolved


def decode_html(body: bytes, charset: str | None) -> str:
    body = body[:PARSE_LIMIT]
    candidates = [charset]
    if match := _META_CHARSET.search(body[:4096]):
        candidates.append(match.group(1).decode("ascii", "replace"))
    for candidate in candidates:
        if not candidate:
            continue
        try:
            codec = codecs.lookup(candidate)
        except LookupError:
            continue
        return body.decode(codec.name, errors="replace")
    return body.decode("utf-8", errors="replace")


def parse_metadata(body: bytes, *, url: str, charset: str | None = None) -> PageMetadata:
    """Metadata for the page at ``url`` (the final URL, after redirects)."""
    parser = _HeadParser()
    parser.feed(decode_html(body, charset))
    parser.close()
    meta = parser.meta
    base = absolute_http_url(parser.base_href, url) or url

    def first(*keys: str) -> str:
        for key in keys:
            if meta.get(key, "").strip():
                return meta[key]
        return ""

    title = first("og:title", "twitter:title") or "".join(parser.title_parts)
    description = first("og:description", "twitter:description", "description")
    image_url = ""
    for candidate in (
        first("og:image:secure_url"),
        first("og:image", "og:image:url"),
        first("twitter:image", "twitter:image:src"),
        parser.links.get("image_src", ""),
    ):
        if image_url := absolute_http_url(candidate, base):
            break
    site_name = first("og:site_name", "application-name")
    if not site_name:
        host = urlsplit(url).hostname or ""
        site_name = host.removeprefix("www.")
    canonical = absolute_http_url(parser.links.get("canonical", ""), base) or absolute_http_url(
        first("og:url"), base
    )
    return PageMetadata(
        title=clean_text(title, TITLE_LENGTH),
        description=clean_text(description, DESCRIPTION_LENGTH),
        image_url=image_url,
        site_name=clean_text(site_name, SITE_NAME_LENGTH),
        canonical_url=canonical,
    )
