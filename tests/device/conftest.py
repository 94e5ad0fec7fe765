"""Fixtures: a fake adb server on a loopback port with scripted phones; a private state directory."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import phones  # noqa: E402
from fake_adb import FakeAdbServer  # noqa: E402


@pytest.fixture
def adb_env(monkeypatch, tmp_path):
    """Point adb clients at a fake server; nothing may spawn a real adb server behind the test's back."""
    def start(*scripted):
        server = FakeAdbServer(list(scripted)).__enter__()
        started.append(server)
        monkeypatch.setenv("ANDROID_ADB_SERVER_PORT", str(server.port))
        return server

    started: list[FakeAdbServer] = []
    monkeypatch.setenv("ADBUTILS_ADB_PATH", "/bin/false")
    monkeypatch.setenv("AUDITOR_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("AUDITOR_HOME", str(tmp_path / "keys"))
    yield start
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def scripted():
    return phones


@pytest.fixture
def ca_file(tmp_path):
    from certmaker import make_cert
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.x509.oid import NameOID

    cert = make_cert([x509.NameAttribute(NameOID.COMMON_NAME, "mitmproxy"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mitmproxy")])
    path = tmp_path / "mitmproxy-ca-cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path
