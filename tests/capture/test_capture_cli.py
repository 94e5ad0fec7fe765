"""`auditor capture` as a user runs it: prints where it listens and the CA (and in WireGuard mode the phone's
configuration, also as a QR code), records, stops cleanly on SIGTERM; a non-HTTP connection through the proxy
is recorded as a known unknown."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import numpy
import zxingcpp

from auditor.case.bundle import Case
from auditor.case.seal import verify_case
from tests.capture.conftest import client, events, wait_for_event
from tests.capture.wireguard_peer import WireGuardPeer


@dataclass
class CaptureCommand:
    """`auditor capture ...` in its own process, its output collected line by line as it comes."""
    process: subprocess.Popen
    lines: list[str]

    @classmethod
    def start(cls, *args: str) -> CaptureCommand:
        auditor = Path(sys.executable).parent / "auditor"
        process = subprocess.Popen([str(auditor), "capture", "--listen-port", "0", *args],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        command = cls(process, [])
        threading.Thread(target=lambda: command.lines.extend(iter(process.stdout.readline, "")), daemon=True).start()
        return command

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match:
        deadline = time.monotonic() + timeout
        while (found := re.search(pattern, self.output)) is None:
            assert time.monotonic() < deadline and self.process.poll() is None, self.output
            time.sleep(0.05)
        return found

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        code = self.process.wait(30)
        self.process.stdout.close()
        return code


def decode_terminal_qr(text: str) -> str:
    """Read back a QR code printed with half-block characters (segno's compact terminal output)."""
    halves = {"█": (255, 255), " ": (0, 0), "▀": (255, 0), "▄": (0, 255)}      # (top, bottom) light = 255
    rows: list[list[int]] = []
    for line in text.splitlines():
        pixels = [halves[char] for char in line]
        rows += [[top for top, _ in pixels], [bottom for _, bottom in pixels]]
    image = numpy.pad(numpy.kron(numpy.array(rows, dtype=numpy.uint8), numpy.ones((4, 4), numpy.uint8)), 16,
                      constant_values=255)
    [code] = zxingcpp.read_barcodes(image)
    assert code.format == zxingcpp.BarcodeFormat.QRCode
    return code.text


def test_cli_capture_runs_until_sigterm_and_records(case, confdir, world, upstream):
    command = CaptureCommand.start("--case", str(case.root), "--confdir", str(confdir), "--world", str(world))
    command.wait_for("CA certificate:")
    host, port = re.search(r"regular proxy listening at ([\d.]+):(\d+)", command.output).groups()
    assert f"CA certificate: {confdir}/mitmproxy-ca-cert.pem" in command.output
    conn = client((host, int(port)), confdir / "mitmproxy-ca-cert.pem", upstream.address[1])
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello from upstream"
    conn.close()
    wait_for_event(case, "proxy.flow")
    assert command.stop() == 0
    assert "stopped: 1 flows" in command.output
    [stopped] = events(case, "proxy.stopped")
    assert stopped["body"]["clean"] is True
    assert verify_case(case.root).problems == []


def test_cli_wireguard_prints_a_client_configuration_and_its_qr_code_that_a_peer_can_use(case, tmp_path):
    command = CaptureCommand.start("--case", str(case.root), "--confdir", str(tmp_path / "wg"), "--mode", "wireguard")
    host, port = command.wait_for(r"wireguard proxy listening at ([\d.]+):(\d+)").groups()
    qr = command.wait_for(r"\n((?:[█▀▄ ]+\n)+▀+\n)")[1]        # the QR code ends with a row of upper halves
    config = decode_terminal_qr(qr)
    assert config in command.output                               # the same configuration, as text
    assert f"Endpoint = {host}:{port}" in config and "Address = 10.0.0.1/32" in config
    peer = WireGuardPeer.from_client_config(config)                 # the phone, configured from the QR code
    peer.handshake()
    assert peer.dns_query("localhost") is not None
    wait_for_event(case, "proxy.dns")
    assert command.stop() == 0
    assert "stopped: 0 flows" in command.output and "'proxy.dns': 1" in command.output


def test_non_http_tcp_through_the_proxy_is_a_known_unknown(capture, case):
    echo = socket.create_server(("127.0.0.3", 0))
    def serve() -> None:
        conn, _ = echo.accept()
        with conn:
            conn.sendall(conn.recv(1024))
    threading.Thread(target=serve, daemon=True).start()
    with socket.create_connection(capture.listen_address, timeout=10) as raw:
        target = f"127.0.0.3:{echo.getsockname()[1]}"
        raw.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
        assert raw.recv(4096).startswith(b"HTTP/1.1 200")
        raw.sendall(b"\x00\x01custom-binary-protocol")
        assert raw.recv(1024) == b"\x00\x01custom-binary-protocol"
    [tcp] = wait_for_event(case, "proxy.non_http")
    echo.close()
    body = tcp["body"]
    assert body["transport"] == "tcp" and body["server"]["ip"] == "127.0.0.3"
    assert body["client_bytes"] == body["server_bytes"] == 24
    assert Case.open(case.root).artifacts.read_bytes(body["client_sha256"], 100) == b"\x00\x01custom-binary-protocol"


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"     # a zombie has ended
    except FileNotFoundError:
        return True


def test_a_killed_capture_takes_its_proxy_with_it_and_keeps_what_was_recorded(case, confdir, world, upstream):
    command = CaptureCommand.start("--case", str(case.root), "--confdir", str(confdir), "--world", str(world))
    host, port = command.wait_for(r"regular proxy listening at ([\d.]+):(\d+)").groups()
    [started] = events(case, "proxy.started")
    proxy_pid = started["body"]["pid"]
    conn = client((host, int(port)), confdir / "mitmproxy-ca-cert.pem", upstream.address[1])
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello from upstream"
    conn.close()
    wait_for_event(case, "proxy.flow")
    command.process.kill()
    command.process.wait(30)
    deadline = time.monotonic() + 10
    while not _gone(proxy_pid):
        assert time.monotonic() < deadline, "the proxy outlived the capture that started it"
        time.sleep(0.05)
    with socket.socket() as probe:                       # nobody listens there any more
        assert probe.connect_ex((host, int(port))) != 0
    # the flow recorded before the kill is intact, the case still verifies
    assert len(events(case, "proxy.flow")) == 1 and verify_case(case.root).problems == []
