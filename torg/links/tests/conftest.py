"""A real local web server, a connection recorder and a hostile-DNS simulator.

The internet is not reachable from the test machine, so public names get fixed DNS answers
(``fake_dns``); everything else here is real sockets and real HTTP.
"""

from __future__ import annotations

import io
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from PIL import Image

from torg.links import fetcher


def png_bytes(
    width: int = 2400, height: int = 1200, colour: tuple[int, int, int] = (200, 40, 40)
) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


OG_PAGE = b"""<!doctype html><html><head>
<meta charset="utf-8">
<title>Plain title that OG overrides</title>
<meta property="og:title" content="Quarterly results &amp; outlook">
<meta property="og:description" content="  Revenue grew   12 %.\n New offices in Bergen. ">
<meta property="og:image" content="/static/cover.png">
<meta property="og:site_name" content="Acme News">
<link rel="canonical" href="/news/q3">
</head><body><meta property="og:title" content="ignored, in body"></body></html>"""

TWITTER_PAGE = """<html><head>
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="Blåbærsyltetøy på tur">
<meta name="twitter:description" content="Oppskrift for fjellet">
<meta name="twitter:image" content="https://cdn.example.net/jam.jpg">
</head><body></body></html>""".encode()

PLAIN_PAGE = b"""<html><head><title>
  Just a   title
</title><meta name="description" content="Plain description"></head><body>Hi</body></html>"""


class Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self.server.requests.append((self.path, self.headers.get("Host", "")))
        path = self.path
        try:
            if path == "/og":
                self._send(200, OG_PAGE)
            elif path == "/twitter":
                self._send(200, TWITTER_PAGE)
            elif path == "/plain":
                self._send(200, PLAIN_PAGE)
            elif path == "/latin1":
                self._send(
                    200,
                    "<title>Smørbrød</title>".encode("latin-1"),
                    "text/html; charset=iso-8859-1",
                )
            elif path == "/static/cover.png":
                self._send(200, png_bytes(), "image/png")
            elif path == "/static/not-an-image.png":
                self._send(200, b"<svg onload=alert(1)>", "image/png")
            elif path == "/bad-image-page":
                self._send(
                    200,
                    b'<head><meta property="og:image" content="/static/not-an-image.png">'
                    b"<title>Bad image</title></head>",
                )
            elif path.startswith("/redirect/"):
                hops = int(path.rsplit("/", 1)[1])
                self._redirect("/og" if hops <= 1 else f"/redirect/{hops - 1}")
            elif path == "/relative-redirect":
                self._redirect("plain", 301)
            elif path == "/to-loopback":
                self._redirect(f"http://127.0.0.1:{self.server.recorder_port}/secret")
            elif path == "/to-metadata":
                self._redirect("http://169.254.169.254/latest/meta-data/", 307)
            elif path == "/to-ipv6-loopback":
                self._redirect(f"http://[::1]:{self.server.recorder_port}/")
            elif path == "/to-mapped":
                self._redirect(f"http://[::ffff:127.0.0.1]:{self.server.recorder_port}/")
            elif path == "/to-file":
                self._redirect("file:///etc/passwd")
            elif path == "/to-hostile-name":
                self._redirect(f"http://localtest:{self.server.recorder_port}/")
            elif path == "/to-decimal":
                self._redirect(f"http://2130706433:{self.server.recorder_port}/")
            elif path == "/huge":
                self._send(
                    200, b"<html><head><title>Huge</title></head>" + b"x" * (3 * 1024 * 1024)
                )
            elif path == "/huge-stream":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Connection", "close")
                self.end_headers()
                for _ in range(48):
                    self.wfile.write(b"y" * 65536)
            elif path == "/slow-body":
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", "100")
                self.end_headers()
                for _ in range(100):
                    self.wfile.write(b"z")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/slow-headers":
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for number in range(60):
                    self.wfile.write(f"X-Drip-{number}: 1\r\n".encode())
                    self.wfile.flush()
                    time.sleep(0.1)
            elif path == "/binary":
                self._send(200, b"\x00\x01", "application/octet-stream")
            elif path == "/gzip":
                self._send(200, b"\x1f\x8b", "text/html", {"Content-Encoding": "gzip"})
            elif path == "/missing":
                self._send(404, b"nope")
            else:
                self._send(404, b"unknown")
        except (BrokenPipeError, ConnectionResetError):
            pass


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str]]
    recorder_port: int


class Recorder:
    """Listens on a loopback port and counts every connection made to it."""

    def __init__(self, family: socket.AddressFamily, host: str) -> None:
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.05)
        self.port: int = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            conn.close()

    def settle(self) -> int:
        time.sleep(0.1)  # let the accept loop see any connection still in the backlog
        return self.connections

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder(socket.AF_INET, "127.0.0.1")
    yield rec
    rec.close()


@pytest.fixture
def recorder6(recorder: Recorder) -> Iterator[Recorder]:
    """Listens on [::1] and counts connections, like ``recorder``."""
    rec = Recorder(socket.AF_INET6, "::1")
    yield rec
    rec.close()


@pytest.fixture
def web(recorder: Recorder) -> Iterator[LocalServer]:
    server = LocalServer(("127.0.0.1", 0), Handler)
    server.requests = []
    server.recorder_port = recorder.port
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def base_url(web: LocalServer) -> str:
    return f"http://127.0.0.1:{web.server_address[1]}"


@pytest.fixture
def allow_web(settings: Any, web: LocalServer) -> str:
    """Allowlist exactly the local web server (host:port), as an intranet host would be."""
    settings.LINK_PREVIEW_ALLOWED_HOSTS = [f"127.0.0.1:{web.server_address[1]}"]
    return f"http://127.0.0.1:{web.server_address[1]}"


PUBLIC_ANSWERS = {
    # The internet is not reachable here: public names get fixed, public DNS answers.
    "example.com": ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
    "news.example.org": ["93.184.215.15"],
}
HOSTILE_ANSWERS = {
    # Simulated hostile DNS: public-looking names whose answers point inside the network.
    "localtest": ["127.0.0.1"],
    "localtest6": ["::1"],
    "metadata.example": ["169.254.169.254"],
    "mixed.example": ["93.184.215.14", "10.0.0.5"],  # one bad answer among good ones
    "mapped.example": ["::ffff:127.0.0.1"],
    "nat64.example": ["64:ff9b::a9fe:a9fe"],
}


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Replace DNS answers (only DNS) for the names above; other names resolve for real."""
    real_getaddrinfo = socket.getaddrinfo
    calls: dict[str, list[str]] = {}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        answers = {**PUBLIC_ANSWERS, **HOSTILE_ANSWERS}
        calls.setdefault(str(host), [])
        if host in answers:
            result = []
            for address in answers[host]:
                family = socket.AF_INET6 if ":" in address else socket.AF_INET
                sockaddr: tuple[Any, ...] = (
                    (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
                )
                result.append((family, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", sockaddr))
            return result
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(fetcher.socket, "getaddrinfo", getaddrinfo)
    return calls


Fetch = Callable[..., Any]
