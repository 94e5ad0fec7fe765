"""Fixtures: the reference app (a JVM program) run under the real compiled agent, a loopback proxy sink that
records each connection's client port, and cases to record into."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from auditor.case.bundle import Case
from auditor.reference.assets import default_world
from auditor.reference.launcher import JAVA17, jvm_launch, write_hosts_file
from auditor.world import load_world

APP_PACKAGE = "com.example.reference"


@dataclass
class ProxySink:
    """A loopback HTTPS proxy that refuses every CONNECT (502) and records who connected, from which port."""
    port: int = 0
    connections: list[tuple[int, str]] = field(default_factory=list)   # (client port, request line)
    _server: socket.socket | None = None

    def start(self) -> ProxySink:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, (_, client_port) = self._server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data and len(data) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    data += chunk
                self.connections.append((client_port, data.split(b"\r\n", 1)[0].decode("latin-1")))
                conn.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)
        assert self._server is not None
        self._server.close()


@pytest.fixture
def proxy_sink():
    sink = ProxySink().start()
    yield sink
    sink.stop()


@pytest.fixture
def reference_argv(tmp_path):
    """argv of the reference app (its own launcher), HTTPS sent to a loopback proxy, never to the network."""
    assert JAVA17.is_file(), "openjdk-17-jdk-headless is missing: run scripts/install.sh --test"
    hosts = write_hosts_file(load_world(default_world()), tmp_path / "hosts")

    def argv(proxy_port: int, consent: str = "auto", jvm_flags: tuple[str, ...] = (),
             device_state: Path | None = None) -> tuple[str, ...]:
        launch = jvm_launch(hosts_file=hosts, proxy=("127.0.0.1", proxy_port), consent=consent, java=JAVA17,
                            consent_timeout=60, device_state=device_state)
        return (launch.argv[0], *jvm_flags, *launch.argv[1:])
    return argv


@pytest.fixture
def case(tmp_path):
    return Case.create(tmp_path / "case", operator="test")


def ledger_records(case: Case) -> list[dict]:
    return [json.loads(line) for line in case.ledger_path.read_text().splitlines()]


def bodies(case: Case, kind: str) -> list[dict]:
    return [r["body"] for r in ledger_records(case) if r["kind"] == kind]
