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
        request = f"GET /probe HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        response = exchange(upstream, host, request)
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


def test_http2_by_alpn(upstream):
    import h2.config
    import h2.connection
    import h2.events

    before = len(upstream.requests())
    context = ssl.create_default_context(cafile=str(upstream.ca_pem))
    context.set_alpn_protocols(["h2"])
    client = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
    with socket.create_connection(upstream.address_for("launches.appsflyer.com"), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname="launches.appsflyer.com") as tls:
            assert tls.selected_alpn_protocol() == "h2"
            client.initiate_connection()
            client.send_headers(1, [(":method", "POST"), (":scheme", "https"), (":path", "/api?x=1"),
                                    (":authority", "launches.appsflyer.com"), ("content-type", "application/json")])
            client.send_data(1, b'{"a":1}', end_stream=True)
            tls.sendall(client.data_to_send())
            status, body, ended = None, b"", False
            while not ended:
                for event in client.receive_data(tls.recv(65536)):
                    if isinstance(event, h2.events.ResponseReceived):
                        status = dict(event.headers)[":status"]
                    elif isinstance(event, h2.events.DataReceived):
                        body += event.data
                    elif isinstance(event, h2.events.StreamEnded):
                        ended = True
                tls.sendall(client.data_to_send())
    assert (status, body) == ("200", b'{"status":"ok"}')
    [request] = upstream.requests()[before:]
    assert (request.protocol, request.sni, request.method, request.target, request.body) == \
        ("HTTP/2", "launches.appsflyer.com", "POST", "/api?x=1", b'{"a":1}')
    assert request.headers == (("host", "launches.appsflyer.com"), ("content-type", "application/json"))


def test_log_file_holds_each_request_as_json(world, tmp_path):
    import json

    from auditor.reference.upstream import UpstreamServers

    log = tmp_path / "upstream.jsonl"
    with UpstreamServers(world, tmp_path / "ca", log_path=log) as servers:
        exchange(servers, "t.brightpixel-ads.com", b"GET /px?a=1 HTTP/1.1\r\nHost: t.brightpixel-ads.com\r\n"
                                                    b"Connection: close\r\n\r\n")
    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry == {"address": "127.0.0.51", "port": servers.port, "sni": "t.brightpixel-ads.com",
                     "protocol": "HTTP/1.1", "method": "GET", "target": "/px?a=1",
                     "headers": [["Host", "t.brightpixel-ads.com"], ["Connection", "close"]], "body_b64": ""}
