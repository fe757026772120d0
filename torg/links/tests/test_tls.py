"""HTTPS to the pinned address keeps SNI and certificate checks on the original host name."""

from __future__ import annotations

import dataclasses
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from torg.links.fetcher import HTML_POLICY, FetchFailed, safe_fetch

from .conftest import Handler, LocalServer, Recorder


@pytest.fixture
def tls_server(tmp_path: Path, recorder: Recorder) -> Iterator[tuple[LocalServer, Path, list[str]]]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=localtest", "-addext", "subjectAltName=DNS:localtest",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    server_names: list[str] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda _sock, name, _ctx: server_names.append(str(name))  # type: ignore[func-returns-value]
    server = LocalServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.recorder_port = recorder.port
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield server, cert, server_names
    server.shutdown()
    server.server_close()


def test_sni_host_header_and_certificate_use_the_name(
    tls_server: tuple[LocalServer, Path, list[str]], fake_dns: dict[str, list[str]]
) -> None:
    server, cert, server_names = tls_server
    port = server.server_address[1]
    policy = dataclasses.replace(
        HTML_POLICY,
        allowed_hosts=(f"localtest:{port}", f"127.0.0.1:{port}"),
        ssl_context=ssl.create_default_context(cafile=str(cert)),
    )
    # 'localtest' resolves (simulated DNS) to 127.0.0.1; we connect there, speaking to 'localtest'.
    result = safe_fetch(f"https://localtest:{port}/plain", policy)
    assert (result.url, result.status) == (f"https://localtest:{port}/plain", 200)
    assert server.requests == [("/plain", f"localtest:{port}")]
    assert server_names == ["localtest"]
    assert list(fake_dns) == ["localtest"]

    # The same server by address: the certificate does not name 127.0.0.1, so TLS fails.
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"https://127.0.0.1:{port}/plain", policy)
    assert failed.value.reason == "tls"
    assert len(server.requests) == 1


def test_untrusted_certificate_fails(
    tls_server: tuple[LocalServer, Path, list[str]], fake_dns: Any
) -> None:
    server, _cert, _names = tls_server
    port = server.server_address[1]
    policy = dataclasses.replace(HTML_POLICY, allowed_hosts=(f"localtest:{port}",))
    with pytest.raises(FetchFailed) as failed:
        safe_fetch(f"https://localtest:{port}/plain", policy)
    assert failed.value.reason == "tls"
    assert server.requests == []
