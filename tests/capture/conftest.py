"""Fixtures for capture tests: a throwaway CA, a TLS upstream on 127.0.0.2, a world file naming it, a case
with a running capture, and clients that go through the proxy (CONNECT tunnel + TLS trusting mitmproxy's CA)."""

from __future__ import annotations

import json
import socket
import ssl
import time
from collections.abc import Iterator
from http.client import HTTPSConnection
from pathlib import Path

import h2.connection
import h2.events
import pytest

from auditor.capture.proxy import Capture
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from tests.capture.upstream import TestCA, Upstream

HOST = "upstream.test"
UPSTREAM_IP = "127.0.0.2"


@pytest.fixture(scope="session")
def pki(tmp_path_factory) -> tuple[TestCA, Path, Path]:
    directory = tmp_path_factory.mktemp("pki")
    ca = TestCA.create(directory)
    cert, key = ca.issue(directory, [HOST], [UPSTREAM_IP])
    return ca, cert, key


@pytest.fixture(scope="session")
def upstream(pki) -> Iterator[Upstream]:
    _, cert, key = pki
    server = Upstream(UPSTREAM_IP, cert, key)
    yield server
    server.close()


@pytest.fixture(scope="session")
def confdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mitmconf")


@pytest.fixture
def world(tmp_path) -> Path:
    path = tmp_path / "world.json"
    path.write_text(json.dumps({"format": "auditor-world/1", "description": "capture test",
                                "hosts": {HOST: UPSTREAM_IP}, "entities": {},
                                "ips": {UPSTREAM_IP: {"country_physical": "DE", "country_registered": "DE",
                                                      "asn": 64500, "operator": "capture test upstream"}}}))
    return path


@pytest.fixture
def case(tmp_path) -> Case:
    return Case.create(tmp_path / "case", operator="capture-test")


@pytest.fixture
def capture(case, confdir, world, pki, upstream) -> Iterator[Capture]:
    running = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    yield running
    if running.process is not None and running.process.returncode is None:
        running.stop()


def events(case: Case, kind: str) -> list[dict]:
    return [r for r in read_records(case.ledger_path) if r["kind"] == kind]


def trusting(capture: Capture, alpn: list[str]) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(capture.ca_path))
    context.set_alpn_protocols(alpn)
    return context


def client(address: tuple[str, int], ca_path: Path, upstream_port: int, timeout: float = 30) -> HTTPSConnection:
    """A keep-alive HTTP/1.1 client tunnelled (CONNECT) through the proxy at `address` to upstream.test."""
    context = ssl.create_default_context(cafile=str(ca_path))
    context.set_alpn_protocols(["http/1.1"])
    conn = HTTPSConnection(*address, context=context, timeout=timeout)
    conn.set_tunnel(HOST, upstream_port)
    return conn


def fetch(capture: Capture, upstream_port: int, method: str = "GET", path: str = "/hello",
          body: bytes | None = None) -> bytes:
    """One request through the capture on a connection of its own; the response body."""
    conn = client(capture.listen_address, capture.ca_path, upstream_port)
    conn.request(method, path, body=body)
    answer = conn.getresponse().read()
    conn.close()
    return answer


def h2_posts(capture: Capture, port: int, paths: list[str], extra_headers: tuple[tuple[str, str], ...] = (),
             method: str = "POST") -> None:
    """One HTTP/2 connection through the proxy: a request per path on streams 1, 3, 5 …, all sent at once, each
    with `extra_headers` and, for a POST, the body b"h2 body STREAM_ID" (a GET's HEADERS end its stream);
    returns when every stream has ended."""
    conn = tunnel(capture, port, trusting(capture, ["h2"]))
    assert conn.selected_alpn_protocol() == "h2"
    client = h2.connection.H2Connection()
    client.initiate_connection()
    streams = {2 * n + 1 for n in range(len(paths))}
    for stream_id, path in zip(sorted(streams), paths, strict=True):
        client.send_headers(stream_id, [(":method", method), (":scheme", "https"), (":authority", HOST),
                                        (":path", path), *extra_headers], end_stream=method == "GET")
        if method != "GET":
            client.send_data(stream_id, b"h2 body %d" % stream_id, end_stream=True)
    conn.sendall(client.data_to_send())
    ended: set[int] = set()
    while ended != streams:
        data = conn.recv(65536)
        assert data
        for event in client.receive_data(data):
            if isinstance(event, h2.events.StreamEnded):
                ended.add(event.stream_id)
        conn.sendall(client.data_to_send())
    conn.close()


def tunnel(capture: Capture, port: int, context: ssl.SSLContext, host: str = HOST) -> ssl.SSLSocket:
    """CONNECT through the proxy, then TLS to `host` (the proxy's certificate must satisfy `context`)."""
    raw = socket.create_connection(capture.listen_address, timeout=30)
    raw.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    reply = b""
    while b"\r\n\r\n" not in reply:
        chunk = raw.recv(4096)
        assert chunk, "proxy closed the tunnel"
        reply += chunk
    assert reply.startswith(b"HTTP/1.1 200"), reply
    return context.wrap_socket(raw, server_hostname=host)


def read_h1_response(conn: ssl.SSLSocket) -> tuple[int, bytes]:
    reader = conn.makefile("rb")
    status = int(reader.readline().split()[1])
    length = 0
    while (line := reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    return status, reader.read(length)


def wait_for_event(case: Case, kind: str, count: int = 1, timeout: float = 20.0) -> list[dict]:
    """The first `count` events of a kind, waiting (bounded) for the proxy process to write them."""
    deadline = time.monotonic() + timeout
    while True:
        found = events(case, kind)
        if len(found) >= count:
            return found
        assert time.monotonic() < deadline, f"no {count} {kind} event(s) within {timeout}s (have {len(found)})"
        time.sleep(0.05)
