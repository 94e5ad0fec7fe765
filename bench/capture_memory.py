"""Peak memory of the proxy relaying one large response: `auditor capture` vs bare mitmdump (not a test).

Usage: .venv/bin/python -m bench.capture_memory [--mb 200]
Prints each proxy process's peak RSS (VmHWM) while a client downloads an N MiB body over HTTPS through it.
auditor streams bodies over its cap (8 MiB) to the artifact store; bare mitmdump buffers the whole body.
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import socket
import ssl
import tempfile
from pathlib import Path

from auditor.capture.proxy import Capture
from auditor.case.bundle import Case
from bench.capture_throughput import HOST, bare, peak_rss_mib
from tests.capture.upstream import TestCA, Upstream


def download(address: tuple[str, int], ca: Path, port: int, mebibytes: int) -> str:
    raw = socket.create_connection(address, timeout=120)
    raw.sendall(f"CONNECT {HOST}:{port} HTTP/1.1\r\n\r\n".encode())
    assert raw.recv(4096).startswith(b"HTTP/1.1 200")
    conn = ssl.create_default_context(cafile=str(ca)).wrap_socket(raw, server_hostname=HOST)
    conn.sendall(f"GET /big?mb={mebibytes} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    reader = conn.makefile("rb")
    while reader.readline() not in (b"\r\n", b""):
        pass
    digest, left = hashlib.sha256(), mebibytes << 20
    while left and (chunk := reader.read(min(left, 1 << 20))):
        digest.update(chunk)
        left -= len(chunk)
    conn.close()
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    mebibytes = parser.parse_args().mb
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        ca = TestCA.create(work)
        upstream = Upstream(HOST, *ca.issue(work, [], [HOST]))
        confdir = work / "conf"
        capture = Capture(Case.create(work / "case").root, confdir=str(confdir)).start()
        download(capture.listen_address, capture.ca_path, upstream.address[1], mebibytes)
        print(f"auditor capture: peak RSS {peak_rss_mib(capture.process.pid):7.1f} MiB for a {mebibytes} MiB body")
        capture.stop()
        process, address = bare(work, confdir, "bare")
        download(address, confdir / "mitmproxy-ca-cert.pem", upstream.address[1], mebibytes)
        print(f"bare mitmdump:   peak RSS {peak_rss_mib(process.pid):7.1f} MiB for a {mebibytes} MiB body")
        process.send_signal(signal.SIGTERM)
        process.wait(60)
        upstream.close()


if __name__ == "__main__":
    main()
