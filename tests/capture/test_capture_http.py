"""Real mitmproxy, real TLS: HTTP/1.1, HTTP/2 and WebSocket exchanges land in the case as they happen."""

from __future__ import annotations

import hashlib

import wsproto
import wsproto.events
from mitmproxy import io as mitm_io

from auditor.capture.proxy import Capture
from auditor.case.seal import verify_case
from tests.capture.conftest import (
    HOST,
    UPSTREAM_IP,
    client,
    events,
    fetch,
    h2_posts,
    read_h1_response,
    trusting,
    tunnel,
)


def test_http1_post_is_recorded_with_bodies_addresses_and_verified_chain(capture, case, upstream):
    conn = client(capture.listen_address, capture.ca_path, upstream.address[1])
    body = b'{"advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d"}'
    conn.request("POST", "/echo?x=1", body=body, headers={"content-type": "application/json"})
    response = conn.getresponse()
    answer = response.read()
    assert response.status == 200 and answer == f"{len(body)} {hashlib.sha256(body).hexdigest()}".encode()
    conn.close()
    capture.stop()

    [flow] = events(case, "proxy.flow")
    event = flow["body"]
    assert event["type"] == "http" and event["error"] is None
    assert event["server"] == {"ip": UPSTREAM_IP, "port": upstream.address[1]}
    assert event["client"]["ip"] == "127.0.0.1"
    assert event["tls"]["sni"] == HOST and event["tls"]["alpn"] == "http/1.1"
    assert event["tls"]["upstream_verified"] is True and event["tls"]["upstream_error"] is None
    assert len(event["tls"]["upstream_chain_sha256"]) == 1
    request = event["request"]
    assert (request["method"], request["host"], request["path"]) == ("POST", HOST, "/echo?x=1")
    assert request["body_sha256"] == hashlib.sha256(body).hexdigest() and request["body_size"] == len(body)
    assert case.artifacts.read_bytes(request["body_sha256"], 1 << 20) == body
    assert event["response"]["status_code"] == 200
    assert case.artifacts.read_bytes(event["response"]["body_sha256"], 1 << 20) == answer
    # The stream file re-reads with mitmproxy itself, and the event carries that record's hash.
    raw = (case.root / "flows.mitm").read_bytes()
    stream = event["stream"]
    record = raw[stream["offset"]: stream["offset"] + stream["length"]]
    assert hashlib.sha256(record).hexdigest() == stream["sha256"] and flow["artifact"] is None
    with open(case.root / "flows.mitm", "rb") as handle:
        [reread] = list(mitm_io.FlowReader(handle).stream())
    assert reread.request.content == body and reread.response.content == answer
    # CA certificate recorded, session summarised, and the whole case verifies.
    section = case.__class__.open(case.root).info["capture"]
    assert section["ca_cert_sha256"] == hashlib.sha256(capture.ca_path.read_bytes()).hexdigest()
    assert section["sessions"][-1]["flows"] == 1 and section["sessions"][-1]["returncode"] == 0
    [started] = events(case, "proxy.started")
    assert started["body"]["ca_cert_sha256"] == section["ca_cert_sha256"]
    [stopped] = events(case, "proxy.stopped")
    assert stopped["body"]["clean"] is True and stopped["body"]["flows"] == 1
    assert [w["body"]["hosts"] for w in events(case, "proxy.world")] == [{HOST: UPSTREAM_IP}]
    # The proxy's log is kept; the notice mitmproxy logs for each streamed (teed) body is left out of it.
    log = case.artifacts.read_bytes(stopped["artifact"], 1 << 20).decode()
    assert "client connect" in log and "Streaming request" not in log and "Traceback" not in log
    assert verify_case(case.root).problems == []


def test_http2_streams_are_each_a_flow(capture, case, upstream):
    h2_posts(capture, upstream.address[1], ["/hello", "/echo"])
    capture.stop()
    flows = sorted((e["body"] for e in events(case, "proxy.flow")), key=lambda b: b["request"]["path"])
    assert [f["request"]["path"] for f in flows] == ["/echo", "/hello"]
    assert {f["request"]["http_version"] for f in flows} == {"HTTP/2.0"}
    assert {f["tls"]["alpn"] for f in flows} == {"h2"}
    assert [f["request"]["body_size"] for f in flows] == [9, 9]


def test_websocket_messages_are_recorded_when_it_ends(capture, case, upstream):
    conn = tunnel(capture, upstream.address[1], trusting(capture, ["http/1.1"]))
    ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    conn.sendall(ws.send(wsproto.events.Request(host=HOST, target="/ws")))
    received: list[object] = []

    def pump() -> None:
        ws.receive_data(conn.recv(65536))
        received.extend(ws.events())

    pump()
    assert isinstance(received[0], wsproto.events.AcceptConnection)
    for count, message in enumerate((wsproto.events.TextMessage(data="imei=356938035643809"),
                                     wsproto.events.BytesMessage(data=b"\x00\x01binary")), start=1):
        conn.sendall(ws.send(message))          # one at a time, so the recorded order is fixed
        while sum(isinstance(e, wsproto.events.Message) for e in received) < count:
            pump()
    conn.sendall(ws.send(wsproto.events.CloseConnection(code=1000)))
    while not any(isinstance(e, wsproto.events.CloseConnection) for e in received):
        pump()
    conn.close()
    capture.stop()
    [flow] = events(case, "proxy.flow")
    event = flow["body"]
    assert event["type"] == "websocket" and event["response"]["status_code"] == 101
    messages = event["websocket"]["messages"]
    assert [(m["from_client"], m["type"], m["size"]) for m in messages] == [
        (True, "text", 20), (False, "text", 25), (True, "binary", 8), (False, "binary", 13)]
    assert case.artifacts.read_bytes(messages[0]["sha256"], 1024) == b"imei=356938035643809"


def test_socks5_mode_records_the_flow(case, confdir, world, pki, upstream):
    import socket
    import struct

    from auditor.capture.proxy import Capture

    capture = Capture(case.root, mode="socks5", confdir=str(confdir), world=world,
                      upstream_trusted_ca=pki[0].cert_pem).start()
    try:
        raw = socket.create_connection(capture.listen_address, timeout=30)
        raw.sendall(b"\x05\x01\x00")                                  # SOCKS5, one method: no authentication
        assert raw.recv(2) == b"\x05\x00"
        name = HOST.encode()
        raw.sendall(b"\x05\x01\x00\x03" + bytes([len(name)]) + name + struct.pack(">H", upstream.address[1]))
        assert raw.recv(10)[:2] == b"\x05\x00"
        conn = trusting(capture, ["http/1.1"]).wrap_socket(raw, server_hostname=HOST)
        conn.sendall(f"GET /hello HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        assert read_h1_response(conn) == (200, b"hello from upstream")
        conn.close()
    finally:
        capture.stop()
    [flow] = events(case, "proxy.flow")
    assert flow["body"]["mode"] == "socks5" and flow["body"]["server"]["ip"] == UPSTREAM_IP
    assert flow["body"]["tls"]["sni"] == HOST


def test_an_upstream_certificate_that_does_not_verify_is_recorded_not_refused(case, confdir, world, upstream):
    from auditor.capture.proxy import Capture

    capture = Capture(case.root, confdir=str(confdir), world=world).start()     # the test CA is not trusted
    assert fetch(capture, upstream.address[1]) == b"hello from upstream"
    capture.stop()
    [flow] = events(case, "proxy.flow")
    tls = flow["body"]["tls"]
    assert tls["upstream_verified"] is False        # no chain to a trusted root (cryptography's wording):
    assert tls["upstream_error"] == "validation failed: candidates exhausted: all candidates exhausted with no " \
        "interior errors"
    assert len(tls["upstream_chain_sha256"]) == 1 and flow["body"]["response"]["status_code"] == 200


def test_the_proxy_configuration_is_recorded_and_rewriting_options_have_no_effect(case, world, pki, upstream,
                                                                                  tmp_path):
    confdir = tmp_path / "conf"                     # mitmproxy reads the confdir's config.yaml on start
    confdir.mkdir()
    (confdir / "config.yaml").write_text("anticache: true\nanticomp: true\n")
    capture = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    conn = client(capture.listen_address, capture.ca_path, upstream.address[1])
    conn.request("GET", "/hello", headers={"If-None-Match": '"v1"', "Accept-Encoding": "gzip"})
    assert conn.getresponse().read() == b"hello from upstream"
    conn.close()
    capture.stop()
    [started] = events(case, "proxy.started")
    assert started["body"]["options_without_effect"] == ["anticache", "anticomp"]
    assert started["body"]["options"]["ssl_insecure"] is True and started["body"]["options"]["http3"] is False
    [flow] = events(case, "proxy.flow")
    headers = {name.lower(): value for name, value in flow["body"]["request"]["headers"]}
    assert (headers["if-none-match"], headers["accept-encoding"]) == ('"v1"', "gzip")   # sent as the app sent them
