"""WireGuard mode end to end with a loopback peer playing the phone: DNS, HTTPS, and a QUIC attempt."""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import time

from aioquic.quic.configuration import QuicConfiguration
from aioquic.quic.connection import QuicConnection

from auditor.analyze.run import analyze
from auditor.capture.proxy import Capture
from auditor.capture.wireguard import client_config
from auditor.contract.files import load_analysis
from auditor.report.sections.method import quic_section
from tests.capture.conftest import HOST, UPSTREAM_IP, events, wait_for_event
from tests.capture.wireguard_peer import PHONE_IP, WireGuardPeer, https_request, udp_packet


def quic_initial(server_name: str) -> bytes:
    """A real QUIC v1 Initial (a TLS ClientHello offering h3), as an app would send first."""
    connection = QuicConnection(configuration=QuicConfiguration(is_client=True, alpn_protocols=["h3"],
                                                                server_name=server_name))
    connection.connect(("127.0.0.2", 443), now=time.time())
    [(datagram, _)] = connection.datagrams_to_send(now=time.time())
    return datagram


def udp_echo(ip: str) -> socket.socket:
    """A UDP server answering each datagram with its bytes reversed (a stand-in for an app's own protocol)."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind((ip, 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                data, sender = server.recvfrom(2048)
                server.sendto(data[::-1], sender)

    threading.Thread(target=serve, daemon=True).start()
    return server


def test_wireguard_capture_records_dns_https_udp_and_blocks_quic(case, tmp_path, world, pki, upstream):
    capture = Capture(case.root, mode="wireguard", confdir=str(tmp_path / "wgconf"), world=world,
                      upstream_trusted_ca=pki[0].cert_pem).start()
    echo = udp_echo(UPSTREAM_IP)
    try:
        host, port = capture.listen_address
        config = client_config(capture.ca_path.parent, (host, port))
        assert f"Endpoint = {host}:{port}" in config and "Address = 10.0.0.1/32" in config
        peer = WireGuardPeer.from_client_config(config)
        peer.handshake()

        answer = peer.dns_query("localhost")
        assert answer is not None and answer[3] & 0xF == 0          # NOERROR from mitmproxy's resolver
        [dns] = wait_for_event(case, "proxy.dns")
        assert dns["body"]["questions"][0]["name"] == "localhost"
        assert dns["body"]["client"]["ip"] == PHONE_IP

        body = b'{"gaid":"38400000-8cf0-11bd-b23e-10b96e40000d"}'
        response = https_request(peer, UPSTREAM_IP, upstream.address[1], HOST,
                                 b"POST /echo HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s"
                                 % (HOST.encode(), len(body), body), capture.ca_path)
        assert response.startswith(b"HTTP/1.1 200")
        [flow] = wait_for_event(case, "proxy.flow")
        assert flow["body"]["mode"].startswith("wireguard")
        assert flow["body"]["client"]["ip"] == PHONE_IP
        assert flow["body"]["server"] == {"ip": UPSTREAM_IP, "port": upstream.address[1]}
        assert flow["body"]["tls"]["sni"] == HOST and flow["body"]["tls"]["upstream_verified"] is True

        peer.send_ip(udp_packet(PHONE_IP, UPSTREAM_IP, random.randint(20000, 60000), 443, quic_initial(HOST)))
        [quic] = wait_for_event(case, "proxy.quic_blocked")
        assert quic["body"]["server"] == {"ip": UPSTREAM_IP, "port": 443}
        assert quic["body"]["client"]["ip"] == PHONE_IP

        sport = random.randint(20000, 60000)
        peer.send_ip(udp_packet(PHONE_IP, UPSTREAM_IP, sport, echo.getsockname()[1], b"telemetry-ping"))
        while (reply := peer.receive_ip()) is not None:     # skip what is left of the TCP exchange
            if reply[9] == 17 and struct.unpack(">H", reply[22:24])[0] == sport:
                break
        assert reply is not None and reply[28:] == b"gnip-yrtemelet"
    finally:
        summary = capture.stop()
        echo.close()
    [udp] = events(case, "proxy.non_http")         # a UDP flow ends when the proxy closes it
    assert udp["body"]["transport"] == "udp" and udp["body"]["client"]["ip"] == PHONE_IP
    assert (udp["body"]["client_bytes"], udp["body"]["server_bytes"], udp["body"]["messages"]) == (14, 14, 2)
    assert case.artifacts.read_bytes(udp["body"]["server_sha256"], 100) == b"gnip-yrtemelet"
    assert summary["flows"] == 1
    assert summary["known_unknowns"]["proxy.quic_blocked"] == 1 and summary["known_unknowns"]["proxy.dns"] == 1
    assert summary["known_unknowns"]["proxy.non_http"] == 1
    assert [e["body"]["listening"][0]["mode"] for e in events(case, "proxy.started")] == ["wireguard"]
    analyze(case.root)          # the report's method states the choice, with the blocked attempt counted
    assert quic_section(load_analysis(case.root / "analysis"))["blocked"] == 1


def test_udp_to_a_closed_port_is_recorded_with_its_error(case, tmp_path):
    closed = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    closed.bind((UPSTREAM_IP, 0))
    port = closed.getsockname()[1]
    closed.close()                                   # nobody listens there: the kernel answers port unreachable
    capture = Capture(case.root, mode="wireguard", confdir=str(tmp_path / "wgconf")).start()
    try:
        peer = WireGuardPeer.from_client_config(client_config(capture.ca_path.parent, capture.listen_address))
        peer.handshake()
        for _ in range(3):
            peer.send_ip(udp_packet(PHONE_IP, UPSTREAM_IP, 40404, port, b"beacon"))
            time.sleep(0.2)
    finally:
        capture.stop()
    # mitmproxy surfaces no error for the kernel's port-unreachable answer (udp_error is not called): the
    # record shows the phone's datagrams up to the refusal (the third, sent after it, is dropped unrecorded)
    # and nothing received — a UDP exchange that failed looks like one the server never answered.
    [udp] = events(case, "proxy.non_http")
    body = udp["body"]
    assert (body["transport"], body["client"]["ip"], body["server"]) == ("udp", PHONE_IP,
                                                                         {"ip": UPSTREAM_IP, "port": port})
    assert (body["messages"], body["client_bytes"], body["server_bytes"], body["error"]) == (2, 12, 0, None)
    assert case.artifacts.read_bytes(body["client_sha256"], 100) == b"beacon" * 2


def test_udp_the_proxy_cannot_forward_is_recorded_with_its_error(case, tmp_path):
    """Port 0 cannot be connected to: mitmproxy's server connection fails and it calls udp_error. The phone's
    datagrams are dropped before they reach the flow, so the record can only say that, and why."""
    capture = Capture(case.root, mode="wireguard", confdir=str(tmp_path / "wgconf")).start()
    try:
        peer = WireGuardPeer.from_client_config(client_config(capture.ca_path.parent, capture.listen_address))
        peer.handshake()
        peer.send_ip(udp_packet(PHONE_IP, UPSTREAM_IP, 40405, 0, b"zero"))
        wait_for_event(case, "proxy.non_http")
    finally:
        capture.stop()
    [udp] = events(case, "proxy.non_http")
    body = udp["body"]
    assert (body["transport"], body["client"], body["server"], body["server_requested"]) == (
        "udp", {"ip": PHONE_IP, "port": 40405}, None, {"host": UPSTREAM_IP, "port": 0})
    assert body["error"] == "Transport endpoint is not connected (os error 107)"
    assert (body["messages"], body["client_bytes"], body["client_sha256"]) == (0, 0, None)
