"""An HTTP fetcher that cannot be pointed at Torg's own network (SSRF-safe).

Every URL, including every redirect target, goes through ``resolve_target``:

1. only ``http``/``https``, no userinfo, no control characters, at most 2,048 characters;
2. the host is an ASCII (IDNA) name or a canonical IP literal; numeric spellings that resolvers
   interpret differently (``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``) are refused;
3. the port is 80 or 443 (allowlisted hosts may use any port);
4. the host is resolved once with ``getaddrinfo`` and *every* address must be public
   (``blocked_reason``) unless the host is in ``settings.LINK_PREVIEW_ALLOWED_HOSTS``.

The connection is then made to the validated address itself, never to the name, so a second DNS
answer (DNS rebinding) cannot change where we connect. The ``Host`` header, TLS SNI and the
certificate check still use the original host name. See README.md in this package.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2048
DEFAULT_PORTS = {"http": 80, "https": 443}
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
USER_AGENT = "TorgLinkPreview/1.0 (+https://github.com/torg)"

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


class FetchError(Exception):
    """Base class. ``reason`` is a short machine-readable code, the message is for operators."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class FetchRefused(FetchError):
    """The URL (or a redirect target) is not allowed: nothing was sent to it."""


class FetchFailed(FetchError):
    """The URL was allowed but fetching it did not give a usable answer."""


def _networks(*specs: tuple[str, str]) -> tuple[tuple[ipaddress.IPv4Network, str], ...]:
    return tuple((ipaddress.IPv4Network(net), label) for net, label in specs)


def _networks6(*specs: tuple[str, str]) -> tuple[tuple[ipaddress.IPv6Network, str], ...]:
    return tuple((ipaddress.IPv6Network(net), label) for net, label in specs)


# Explicit lists rather than ``is_global`` alone: its answers differ between Python versions
# (3.13.0 calls ::127.0.0.1, 64:ff9b::7f00:1, fec0::1 and 3fff::1 "global").
BLOCKED_IPV4 = _networks(
    ("0.0.0.0/8", "this network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "shared address space (carrier-grade NAT)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local (includes cloud metadata 169.254.169.254)"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "IETF protocol assignments"),
    ("192.0.2.0/24", "documentation (TEST-NET-1)"),
    ("192.88.99.0/24", "6to4 relay anycast"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation (TEST-NET-2)"),
    ("203.0.113.0/24", "documentation (TEST-NET-3)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved (includes broadcast 255.255.255.255)"),
)
BLOCKED_IPV6 = _networks6(
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("::/96", "IPv4-compatible (deprecated)"),
    ("64:ff9b:1::/48", "local-use NAT64"),
    ("100::/64", "discard-only"),
    ("2001::/32", "Teredo"),
    ("2001::/23", "IETF protocol assignments"),
    ("2001:db8::/32", "documentation"),
    ("2002::/16", "6to4"),
    ("3fff::/20", "documentation"),
    ("fc00::/7", "unique local"),
    ("fe80::/10", "link-local"),
    ("fec0::/10", "site-local (deprecated)"),
    ("ff00::/8", "multicast"),
)
NAT64_WELL_KNOWN = ipaddress.IPv6Network("64:ff9b::/96")
# Refused even for allowlisted hosts: nobody needs a link preview of these.
ALWAYS_BLOCKED = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack metadata
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("fd00:ec2::254"),  # AWS metadata over IPv6
        ipaddress.ip_address("0.0.0.0"),  # noqa: S104 - "this host" on Linux
        ipaddress.ip_address("::"),
    }
)


def _always_blocked(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped in ALWAYS_BLOCKED
    return address in ALWAYS_BLOCKED


def blocked_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted, or None if it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "scoped IPv6 address"
        if address.ipv4_mapped is not None:
            inner = blocked_reason(address.ipv4_mapped)
            return f"IPv4-mapped {inner}" if inner else None
        if address in NAT64_WELL_KNOWN:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            inner = blocked_reason(embedded)
            return f"NAT64 {inner}" if inner else None
        for network6, label in BLOCKED_IPV6:
            if address in network6:
                return f"{label} ({network6})"
        if address.sixtofour is not None or address.teredo is not None:
            return "IPv6 transition address"
    else:
        for network4, label in BLOCKED_IPV4:
            if address in network4:
                return f"{label} ({network4})"
    # Belt and braces: whatever the running Python considers non-global is refused too.
    if not address.is_global or address.is_multicast or address.is_reserved:
        return "not a global unicast address"
    return None


@dataclass(frozen=True)
class FetchPolicy:
    """Limits for one kind of download. ``allowed_hosts=None`` reads the Django setting."""

    content_types: frozenset[str]
    max_bytes: int
    deadline: float = 5.0
    connect_timeout: float = 3.0
    max_redirects: int = 3
    allowed_ports: frozenset[int] = frozenset({80, 443})
    allowed_hosts: tuple[str, ...] | None = None
    ssl_context: ssl.SSLContext | None = field(default=None, compare=False)

    def allowlist(self) -> tuple[str, ...]:
        if self.allowed_hosts is not None:
            return self.allowed_hosts
        return tuple(getattr(settings, "LINK_PREVIEW_ALLOWED_HOSTS", []))


HTML_POLICY = FetchPolicy(content_types=HTML_TYPES, max_bytes=2 * 1024 * 1024)
IMAGE_POLICY = FetchPolicy(content_types=IMAGE_TYPES, max_bytes=5 * 1024 * 1024)


@dataclass(frozen=True)
class Target:
    """A URL that passed every check, with the addresses we are allowed to connect to."""

    url: str
    scheme: str
    host: str  # lower-case ASCII name or IP literal, without brackets or trailing dot
    port: int
    path: str  # request target: path and query
    addresses: tuple[IPAddress, ...]
    allowlisted: bool


@dataclass(frozen=True)
class FetchResult:
    url: str  # the final URL, after redirects
    status: int
    content_type: str  # media type only, lower case
    charset: str | None
    body: bytes


_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMERIC_LABEL = re.compile(r"^(\d+|0x[0-9a-f]*)$")


def _parse_host(raw_host: str) -> tuple[str, IPAddress | None]:
    """Return (canonical host, IP literal or None); raise FetchRefused for anything odd."""
    if raw_host.startswith("["):
        if not raw_host.endswith("]"):
            raise FetchRefused("host", "malformed IPv6 literal")
        inner = raw_host[1:-1]
        if "%" in inner:
            raise FetchRefused("host", "IPv6 zone identifiers are not allowed")
        try:
            address6 = ipaddress.IPv6Address(inner)
        except ValueError as exc:
            raise FetchRefused("host", "malformed IPv6 literal") from exc
        return str(address6), address6
    host = raw_host.lower()
    if host.endswith("."):
        host = host[:-1]
    if not host:
        raise FetchRefused("host", "the URL has no host")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchRefused("host", "the host name is not a valid international name") from exc
    labels = host.split(".")
    if _NUMERIC_LABEL.match(labels[-1]):
        # No top-level domain is numeric, so this is meant as an IPv4 address. Resolvers accept
        # inet_aton spellings (decimal, octal, hex, short forms); we accept only dotted decimal.
        try:
            address4 = ipaddress.IPv4Address(host)
        except ValueError as exc:
            raise FetchRefused("ip_literal", f"non-canonical IP address {host!r}") from exc
        if str(address4) != host:
            raise FetchRefused("ip_literal", f"non-canonical IP address {host!r}")
        return host, address4
    if len(host) > 253 or not all(_LABEL.match(label) for label in labels):
        raise FetchRefused("host", f"invalid host name {host!r}")
    return host, None


def _split_allow_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        end = entry.find("]")
        host, rest = entry[1:end], entry[end + 1 :]
        port = int(rest[1:]) if rest.startswith(":") else None
        return str(ipaddress.IPv6Address(host)), port
    if entry.count(":") == 1:
        host, port_text = entry.split(":")
        return host.rstrip("."), int(port_text)
    return entry.rstrip("."), None


def is_allowlisted(host: str, port: int, allowlist: Iterable[str]) -> bool:
    """True if ``host:port`` matches a ``host`` (any port) or ``host:port`` entry."""
    for entry in allowlist:
        try:
            entry_host, entry_port = _split_allow_entry(entry)
        except ValueError:
            continue
        if entry_host == host and entry_port in (None, port):
            return True
    return False


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchFailed("dns", f"cannot resolve {host!r}") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise FetchFailed("dns", f"no addresses for {host!r}")
    return addresses


def resolve_target(url: str, policy: FetchPolicy) -> Target:
    """Check ``url`` against every rule and resolve it; raise FetchRefused/FetchFailed."""
    if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
        raise FetchRefused("url", "the URL is missing or too long")
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise FetchRefused("url", "the URL contains whitespace or control characters")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise FetchRefused("url", "malformed URL") from exc
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchRefused("scheme", f"scheme {scheme or '(none)'!r} is not allowed")
    netloc = parts.netloc
    if "@" in netloc or "\\" in netloc:
        raise FetchRefused("userinfo", "user names and passwords in URLs are not allowed")
    match = re.fullmatch(r"(\[[^\]]*\]|[^:\[\]]*)(?::(\d*))?", netloc)
    if match is None:
        raise FetchRefused("host", "malformed host and port")
    host, literal = _parse_host(match.group(1))
    port_text = match.group(2)
    if port_text:
        port = int(port_text)
        if not 0 < port < 65536:
            raise FetchRefused("port", f"invalid port {port_text}")
    else:
        port = DEFAULT_PORTS[scheme]
    allowlisted = is_allowlisted(host, port, policy.allowlist())
    if not allowlisted and port not in policy.allowed_ports:
        raise FetchRefused("port", f"port {port} is not allowed")
    addresses = [literal] if literal is not None else _resolve(host, port)
    for address in addresses:
        if _always_blocked(address):
            raise FetchRefused("address", f"{host} resolves to {address}, which is never allowed")
        if allowlisted:
            continue
        reason = blocked_reason(address)
        if reason is not None:
            raise FetchRefused("address", f"{host} resolves to {address}: {reason}")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(
        url=url,
        scheme=scheme,
        host=host,
        port=port,
        path=path,
        addresses=tuple(addresses),
        allowlisted=allowlisted,
    )


def _connect(address: IPAddress, port: int, timeout: float | None) -> socket.socket:
    """A TCP connection to exactly ``address``: no name lookup of any kind happens here."""
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.connect((str(address), port))
    except BaseException:
        sock.close()
        raise
    return sock


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Talks HTTP to ``host`` but connects to the already-validated ``address``."""

    def __init__(self, host: str, port: int, *, address: IPAddress, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = _connect(self.pinned_address, self.port, self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the validated address, with SNI and certificate checks for the host name."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        address: IPAddress,
        timeout: float,
        context: ssl.SSLContext,
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self.pinned_address = address
        self.tls_context = context

    def connect(self) -> None:
        sock = _connect(self.pinned_address, self.port, self.timeout)
        try:
            self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


class _Deadline:
    """Shuts a socket down when the overall deadline passes, whatever it is waiting for.

    Socket timeouts apply per ``recv``; a server trickling one byte at a time would otherwise
    keep us forever.
    """

    def __init__(self, ends_at: float) -> None:
        self.ends_at = ends_at
        self.expired = False
        self._timer: threading.Timer | None = None

    def remaining(self) -> float:
        return self.ends_at - time.monotonic()

    def guard(self, sock: socket.socket) -> None:
        def expire() -> None:
            self.expired = True
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

        self._timer = threading.Timer(max(self.remaining(), 0.0), expire)
        self._timer.daemon = True
        self._timer.start()

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _media_type(header: str | None) -> tuple[str, str | None]:
    if not header:
        return "", None
    media_type, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            charset = value.strip().strip("\"'").lower()[:40]
    return media_type.strip().lower(), charset


def _request_once(target: Target, policy: FetchPolicy, deadline: _Deadline) -> FetchResult | str:
    """One request. Returns the result, or the redirect location to follow next."""
    last_error: OSError | None = None
    for address in target.addresses:
        timeout = min(policy.connect_timeout, deadline.remaining())
        if timeout <= 0:
            raise FetchFailed("timeout", "the time limit was reached")
        conn: http.client.HTTPConnection
        if target.scheme == "https":
            context = policy.ssl_context or ssl.create_default_context()
            conn = _PinnedHTTPSConnection(
                target.host, target.port, address=address, timeout=timeout, context=context
            )
        else:
            conn = _PinnedHTTPConnection(target.host, target.port, address=address, timeout=timeout)
        try:
            conn.connect()
        except ssl.SSLError as exc:
            conn.close()
            raise FetchFailed("tls", f"TLS failed for {target.host}: {exc}") from exc
        except OSError as exc:
            conn.close()
            last_error = exc
            continue
        try:
            return _exchange(conn, target, policy, deadline)
        finally:
            conn.close()
    raise FetchFailed("connect", f"cannot connect to {target.host}: {last_error}")


def _exchange(
    conn: http.client.HTTPConnection, target: Target, policy: FetchPolicy, deadline: _Deadline
) -> FetchResult | str:
    sock = conn.sock
    assert sock is not None
    deadline.guard(sock)
    try:
        sock.settimeout(max(deadline.remaining(), 0.01))
        conn.request(
            "GET",
            target.path,
            headers={
                "User-Agent": USER_AGENT,
                "Accept": ", ".join(sorted(policy.content_types)) + ";q=1.0, */*;q=0.1",
                "Accept-Encoding": "identity",
                "Connection": "close",
            },
        )
        response = conn.getresponse()
        if deadline.expired:  # the watchdog cut the headers short
            raise FetchFailed("timeout", "the time limit was reached")
        if response.status in REDIRECT_STATUSES:
            location = response.getheader("Location")
            if not location:
                raise FetchFailed("http", f"redirect {response.status} without a location")
            return urljoin(target.url, location.strip())
        if response.status != 200:
            raise FetchFailed("http", f"HTTP status {response.status}")
        encoding = (response.getheader("Content-Encoding") or "identity").strip().lower()
        if encoding != "identity":
            raise FetchFailed("encoding", f"unexpected content encoding {encoding!r}")
        content_type, charset = _media_type(response.getheader("Content-Type"))
        if content_type not in policy.content_types:
            raise FetchFailed("content_type", f"content type {content_type or '(none)'!r}")
        declared = response.getheader("Content-Length")
        if declared and declared.isdigit() and int(declared) > policy.max_bytes:
            raise FetchFailed("too_large", f"the response is {declared} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = response.read(64 * 1024)
            if not chunk:
                break
            size += len(chunk)
            if size > policy.max_bytes:
                raise FetchFailed("too_large", f"the response exceeds {policy.max_bytes} bytes")
            chunks.append(chunk)
        if deadline.expired:
            raise FetchFailed("timeout", "the time limit was reached")
        return FetchResult(
            url=target.url,
            status=response.status,
            content_type=content_type,
            charset=charset,
            body=b"".join(chunks),
        )
    except (OSError, http.client.HTTPException) as exc:
        if deadline.expired or isinstance(exc, TimeoutError):
            raise FetchFailed("timeout", "the time limit was reached") from exc
        raise FetchFailed("network", f"{type(exc).__name__}: {exc}") from exc
    finally:
        deadline.cancel()


def safe_fetch(url: str, policy: FetchPolicy = HTML_POLICY) -> FetchResult:
    """GET ``url`` under ``policy``, following and re-checking up to ``max_redirects`` hops."""
    deadline = _Deadline(time.monotonic() + policy.deadline)
    current = url
    for _hop in range(policy.max_redirects + 1):
        target = resolve_target(current, policy)
        outcome = _request_once(target, policy, deadline)
        if isinstance(outcome, FetchResult):
            return outcome
        current = outcome
    raise FetchFailed("redirects", f"more than {policy.max_redirects} redirects")
