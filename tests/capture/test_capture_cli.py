"""`auditor capture` as a user runs it: prints where it listens and the CA, records, stops cleanly on SIGTERM;
a non-HTTP connection through the proxy is recorded as a known unknown."""

from __future__ import annotations

import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from auditor.case.bundle import Case
from auditor.case.seal import verify_case
from tests.capture.conftest import client, events, wait_for_event


def test_cli_capture_runs_until_sigterm_and_records(case, confdir, world, upstream):
    auditor = Path(sys.executable).parent / "auditor"
    process = subprocess.Popen([str(auditor), "capture", "--case", str(case.root), "--listen-port", "0",
                                "--confdir", str(confdir), "--world", str(world)],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(process.stdout.readline, "")), daemon=True)
    reader.start()
    deadline = time.monotonic() + 30
    while not any("CA certificate:" in line for line in lines):
        assert time.monotonic() < deadline and process.poll() is None, "".join(lines)
        time.sleep(0.05)
    host, port = re.search(r"regular proxy listening at ([\d.]+):(\d+)", "".join(lines)).groups()
    assert f"CA certificate: {confdir}/mitmproxy-ca-cert.pem" in "".join(lines)
    conn = client((host, int(port)), confdir / "mitmproxy-ca-cert.pem", upstream.address[1])
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello from upstream"
    conn.close()
    wait_for_event(case, "proxy.flow")
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0
    reader.join(5)
    assert "stopped: 1 flows" in "".join(lines)
    [stopped] = events(case, "proxy.stopped")
    assert stopped["body"]["clean"] is True
    assert verify_case(case.root).problems == []


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
