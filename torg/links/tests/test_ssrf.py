"""The SSRF corpus: every trick is refused, and nothing blocked is ever contacted.

Recorders listen on 127.0.0.1 and [::1] and count connections. The URLs below point at their
ports, and the policy in these tests also allows those ports, so the only thing standing between
a refused URL and a recorded connection is the address rule itself.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from torg.links.fetcher import (
    HTML_POLICY,
    FetchFailed,
    FetchPolicy,
    FetchRefused,
    blocked_reason,
    resolve_target,
    safe_fetch,
)

from .conftest import LocalServer, Recorder

PORT = "{port}"  # the IPv4 recorder's port
PORT6 = "{port6}"  # the IPv6 recorder's port

# (URL template, refusal reason)
CORPUS: list[tuple[str, str]] = [
    # Schemes other than http(s).
    ("file:///etc/passwd", "scheme"),
    ("gopher://127.0.0.1:{port}/_SLAVEOF", "scheme"),
    ("ftp://127.0.0.1:{port}/", "scheme"),
    ("javascript:alert(1)", "scheme"),
    ("data:text/html,<script>alert(1)</script>", "scheme"),
    ("dict://127.0.0.1:{port}/info", "scheme"),
    ("//127.0.0.1:{port}/", "scheme"),
    # User-info tricks.
    ("http://example.com@127.0.0.1:{port}/", "userinfo"),
    ("http://user:pass@127.0.0.1:{port}/", "userinfo"),
    ("http://127.0.0.1:{port}@example.com/", "userinfo"),
    ("http://example.com\\@127.0.0.1:{port}/", "userinfo"),
    # Numeric spellings that resolvers read as 127.0.0.1.
    ("http://2130706433:{port}/", "ip_literal"),
    ("http://0177.0.0.1:{port}/", "ip_literal"),
    ("http://0x7f.1:{port}/", "ip_literal"),
    ("http://0x7f000001:{port}/", "ip_literal"),
    ("http://127.1:{port}/", "ip_literal"),
    ("http://017700000001:{port}/", "ip_literal"),
    ("http://0:{port}/", "ip_literal"),
    ("http://127.000.000.001:{port}/", "ip_literal"),
    # Blocked IPv4 ranges.
    ("http://127.0.0.1:{port}/", "address"),
    ("http://127.0.0.1.:{port}/", "address"),
    ("http://127.255.255.254/", "address"),
    ("http://0.0.0.0:{port}/", "address"),
    ("http://10.0.0.1/", "address"),
    ("http://172.16.0.1/", "address"),
    ("http://172.31.255.255/", "address"),
    ("http://192.168.1.1/", "address"),
    ("http://169.254.169.254/latest/meta-data/", "address"),
    ("http://169.254.0.1/", "address"),
    ("http://100.64.0.1/", "address"),
    ("http://198.18.0.1/", "address"),
    ("http://192.0.0.1/", "address"),
    ("http://192.0.2.1/", "address"),
    ("http://198.51.100.7/", "address"),
    ("http://203.0.113.9/", "address"),
    ("http://224.0.0.1/", "address"),
    ("http://240.0.0.1/", "address"),
    ("http://255.255.255.255/", "address"),
    # Blocked IPv6 ranges and IPv6 spellings of blocked IPv4 addresses.
    ("http://[::1]:{port6}/", "address"),
    ("http://[::]:{port6}/", "address"),
    ("http://[0:0:0:0:0:0:0:1]:{port6}/", "address"),
    ("http://[::ffff:127.0.0.1]:{port}/", "address"),
    ("http://[::ffff:7f00:1]:{port}/", "address"),
    ("http://[::ffff:169.254.169.254]/", "address"),
    ("http://[::ffff:10.0.0.1]/", "address"),
    ("http://[::127.0.0.1]:{port}/", "address"),
    ("http://[fe80::1]/", "address"),
    ("http://[fe80::1%25lo]:{port6}/", "host"),
    ("http://[fc00::1]/", "address"),
    ("http://[fd00:ec2::254]/", "address"),
    ("http://[fec0::1]/", "address"),
    ("http://[ff02::1]/", "address"),
    ("http://[2001:db8::1]/", "address"),
    ("http://[3fff::1]/", "address"),
    ("http://[64:ff9b::7f00:1]/", "address"),
    ("http://[64:ff9b::a9fe:a9fe]/", "address"),
    ("http://[64:ff9b:1::1]/", "address"),
    ("http://[2002:7f00:1::1]/", "address"),
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "address"),
    ("http://[100::1]/", "address"),
    # Names that resolve inside the network (real 'localhost', simulated hostile DNS).
    ("http://localhost:{port}/", "address"),
    ("http://LOCALHOST.:{port}/", "address"),
    ("http://localtest:{port}/", "address"),
    ("http://localtest6:{port6}/", "address"),
    ("http://metadata.example/latest/meta-data/", "address"),
    ("http://mixed.example/", "address"),
    ("http://mapped.example:{port}/", "address"),
    ("http://nat64.example/", "address"),
    # Ports other than 80/443 (checked before any DNS lookup).
    ("http://example.com:22/", "port"),
    ("http://example.com:6379/", "port"),
    ("https://example.com:8443/", "port"),
    ("http://example.com:0/", "port"),
    ("http://example.com:99999/", "port"),
    # Malformed hosts and URLs.
    ("http:///etc/passwd", "host"),
    ("http://exa_mple..com/", "host"),
    ("http://[::1/", "url"),
    ("http://example.com:abc/", "host"),
    ("http://exa mple.com/", "url"),
    ("http://example.com/\r\nX-Injected: 1", "url"),
    ("http://example.com/" + "a" * 2100, "url"),
]


@pytest.fixture
def loose_ports(recorder: Recorder, recorder6: Recorder) -> FetchPolicy:
    """The HTML policy with the recorders' ports allowed, leaving only the address rules."""
    return dataclasses.replace(
        HTML_POLICY,
        allowed_ports=frozenset({80, 443, recorder.port, recorder6.port}),
        allowed_hosts=(),
    )


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 40
    assert len({url for url, _reason in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("template", "reason"), CORPUS)
def test_every_trick_is_refused_without_contact(
    template: str,
    reason: str,
    recorder: Recorder,
    recorder6: Recorder,
    loose_ports: FetchPolicy,
    fake_dns: dict[str, list[str]],
) -> None:
    url = template.format(port=recorder.port, port6=recorder6.port)
    # Port-rule cases must meet the real policy; everything else the loosened one.
    policy = dataclasses.replace(HTML_POLICY, allowed_hosts=()) if reason == "port" else loose_ports
    with pytest.raises(FetchRefused) as refused:
        safe_fetch(url, policy)
    assert refused.value.reason == reason
    assert recorder.settle() == 0
    assert recorder6.connections == 0


def test_port_rule_is_checked_before_dns(fake_dns: dict[str, list[str]]) -> None:
    with pytest.raises(FetchRefused):
        resolve_target(
            "http://example.com:6379/", dataclasses.replace(HTML_POLICY, allowed_hosts=())
        )
    assert fake_dns == {}


def test_the_recorder_does_record(recorder: Recorder, loose_ports: FetchPolicy) -> None:
    """Control: allowlisting the recorder makes the very same URL reach it, so zero means zero."""
    policy = dataclasses.replace(loose_ports, allowed_hosts=(f"127.0.0.1:{recorder.port}",))
    with pytest.raises(FetchFailed):
        safe_fetch(f"http://127.0.0.1:{recorder.port}/", policy)
    assert recorder.settle() == 1


REDIRECTS = [
    ("/to-loopback", "address"),
    ("/to-metadata", "address"),
    ("/to-ipv6-loopback", "address"),
    ("/to-mapped", "address"),
    ("/to-file", "scheme"),
    ("/to-hostile-name", "address"),
    ("/to-decimal", "ip_literal"),
]


@pytest.mark.parametrize(("path", "reason"), REDIRECTS)
def test_redirects_out_of_the_allowlist_are_refused(
    path: str,
    reason: str,
    web: LocalServer,
    recorder: Recorder,
    loose_ports: FetchPolicy,
    fake_dns: dict[str, list[str]],
) -> None:
    port = web.server_address[1]
    policy = dataclasses.replace(loose_ports, allowed_hosts=(f"127.0.0.1:{port}",))
    with pytest.raises(FetchRefused) as refused:
        safe_fetch(f"http://127.0.0.1:{port}{path}", policy)
    assert refused.value.reason == reason
    assert [request_path for request_path, _host in web.requests] == [path]
    assert recorder.settle() == 0


def test_public_names_pass_and_keep_their_addresses(fake_dns: dict[str, list[str]]) -> None:
    target = resolve_target("HTTPS://Example.COM./a/b?c=d#frag", HTML_POLICY)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "example.com",
        443,
        "/a/b?c=d",
    )
    assert [str(address) for address in target.addresses] == [
        "93.184.215.14",
        "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
    ]
    assert target.allowlisted is False


def test_public_ip_literals_pass() -> None:
    for url, address in [
        ("http://93.184.215.14/", "93.184.215.14"),
        ("https://[2606:4700::1111]/", "2606:4700::1111"),
        ("http://[::ffff:8.8.8.8]/", "::ffff:8.8.8.8"),
        ("http://[64:ff9b::808:808]/", "64:ff9b::808:808"),
    ]:
        assert [str(a) for a in resolve_target(url, HTML_POLICY).addresses] == [address]


def test_international_names_are_resolved_as_punycode(fake_dns: dict[str, list[str]]) -> None:
    with pytest.raises(FetchFailed):
        resolve_target("http://blåbær.invalid/", HTML_POLICY)
    assert list(fake_dns) == ["xn--blbr-roah.invalid"]


@pytest.mark.parametrize(
    ("entry", "url", "allowed"),
    [
        ("intranet.corp", "http://intranet.corp/", True),
        ("intranet.corp", "http://intranet.corp:8080/", True),
        ("intranet.corp:8080", "http://intranet.corp:8080/", True),
        ("intranet.corp:8080", "http://intranet.corp:8081/", False),
        ("intranet.corp:8080", "http://intranet.corp/", False),
        ("intranet.corp", "http://wiki.intranet.corp/", False),
        ("INTRANET.corp.", "http://intranet.CORP./", True),
        ("[::1]:8080", "http://[::1]:8080/", True),
    ],
)
def test_allowlist_entries(settings: Any, entry: str, url: str, allowed: bool) -> None:
    settings.LINK_PREVIEW_ALLOWED_HOSTS = [entry]
    answers = {"intranet.corp": "10.1.2.3", "wiki.intranet.corp": "10.1.2.4"}

    def allowlisted() -> bool:
        try:
            target = resolve_target(url, HTML_POLICY)
        except FetchRefused:
            return False
        return target.allowlisted

    import socket

    real = socket.getaddrinfo

    def intranet_dns(host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        # Simulated intranet DNS: these names answer with private addresses.
        if host in answers:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[host], port))]
        return real(host, port, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", intranet_dns)
        assert allowlisted() is allowed


def test_metadata_stays_blocked_for_allowlisted_hosts(settings: Any, fake_dns: Any) -> None:
    settings.LINK_PREVIEW_ALLOWED_HOSTS = ["metadata.example", "169.254.169.254", "0.0.0.0"]  # noqa: S104
    for url in ["http://metadata.example/", "http://169.254.169.254/", "http://0.0.0.0/"]:
        with pytest.raises(FetchRefused) as refused:
            resolve_target(url, HTML_POLICY)
        assert refused.value.reason == "address"


def test_blocked_reason_labels() -> None:
    import ipaddress

    assert blocked_reason(ipaddress.ip_address("10.1.1.1")) == "private (10.0.0.0/8)"
    assert blocked_reason(ipaddress.ip_address("::ffff:127.0.0.1")) == (
        "IPv4-mapped loopback (127.0.0.0/8)"
    )
    assert blocked_reason(ipaddress.ip_address("64:ff9b::a9fe:a9fe")) == (
        "NAT64 link-local (includes cloud metadata 169.254.169.254) (169.254.0.0/16)"
    )
    assert blocked_reason(ipaddress.ip_address("8.8.8.8")) is None
    assert blocked_reason(ipaddress.ip_address("2606:4700::1111")) is None
