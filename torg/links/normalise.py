"""One spelling per URL, so equivalent links share one cached preview."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit, urlunsplit

from torg.links.fetcher import DEFAULT_PORTS, MAX_URL_LENGTH


def normalise_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, ``/`` for an empty path.

    Anything that cannot be parsed is returned stripped; the fetcher will refuse it.
    """
    url = url.strip()[: MAX_URL_LENGTH + 1]
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    if scheme not in DEFAULT_PORTS or not host or "@" in parts.netloc:
        return url
    if host.endswith("."):
        host = host[:-1]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return url
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def url_hash(normalised_url: str) -> str:
    return hashlib.sha256(normalised_url.encode("utf-8", "surrogatepass")).hexdigest()
