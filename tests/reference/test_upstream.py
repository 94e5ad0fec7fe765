"""The world's upstream servers: real TLS with a certificate per host name, on every world address, one port;
they log requests exactly (fixed-length and chunked bodies) and refuse malformed ones."""

from __future__ import annotations

import socket
import ssl

import pytest


def exchange(upstream, host: str, payload: bytes, server_hostname: str | None = None) -> bytes:  # type: ignore[no-untyped-def]
    context = ssl.create_default_context(cafile=str(upstream.ca_pem))
    with socket.create_connection(upstream.address_for(host), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=server_hostname or host) as tls:
            tls.sendall(payload)
            response = b""
            while b"\r\n\r\n" not in response:
                chunk = tls.recv(4096)
                if not chunk:
                    break
                response += chunk
            return response


def test_every_host_has_a_trusted_certificate_and_is_logged(upstream, world):
    before = len(upstream.requests())
    for host in sorted(world.hosts):
        response = exchange(upstream, host, f"GET /probe HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
        assert response.startswith(b"HTTP/1.1 200 OK\r\n")
    got = [(r.address, r.sni, r.method, r.target, r.header("host")) for r in upstream.requests()[before:]]
    assert got == [(world.hosts[h], h, "GET", "/probe", h) for h in sorted(world.hosts)]


def test_certificate_of_one_address_does_not_cover_another_hosts_name(upstream):
    with pytest.raises(ssl.SSLCertVerificationError):
        exchange(upstream, "log.snssdk.com", b"GET / HTTP/1.1\r\n\r\n", server_hostname="api.example-reference.eu")


def test_bodies_fixed_length_and_chunked(upstream):
    before = len(upstream.requests())
    exchange(upstream, "mon.snssdk.com", b"POST /a HTTP/1.1\r\nHost: mon.snssdk.com\r\nContent-Length: 5\r\n"
                                         b"Connection: close\r\n\r\nhello")
    exchange(upstream, "mon.snssdk.com", b"POST /b HTTP/1.1\r\nHost: mon.snssdk.com\r\nTransfer-Encoding: chunked\r\n"
                                         b"Connection: close\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n")
    assert [(r.target, r.body) for r in upstream.requests()[before:]] == [("/a", b"hello"), ("/b", b"abcde")]


@pytest.mark.parametrize("payload", [
    b"NONSENSE\r\n\r\n",
    b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
    b"POST / HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
])
def test_malformed_requests_get_400_and_are_not_logged(upstream, payload):
    before = len(upstream.requests())
    assert exchange(upstream, "log.snssdk.com", payload).startswith(b"HTTP/1.1 400 Bad Request\r\n")
    assert upstream.requests()[before:] == []
