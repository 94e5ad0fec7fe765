"""A native client linked to Debian's OpenSSL (built here with gcc), the capture tests' loopback world, a
capture with --pcap, and the device tests' fake adb server (for `auditor audit --unpin`)."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.capture.conftest import case, confdir, pki, upstream, world  # noqa: F401  (fixtures)
from tests.device.conftest import adb_env, scripted  # noqa: F401  (fixtures: the fake adb server, scripted phones)
from tests.native import build_c
from tests.witness.pcap_capture import capture  # noqa: F401  (fixture)

SOURCE = Path(__file__).with_name("pinned_client.c")


@pytest.fixture(scope="session")
def pinned_client(tmp_path_factory) -> Path:
    return build_c(tmp_path_factory, SOURCE, "-lssl", "-lcrypto")


@pytest.fixture(scope="session")
def static_client(tmp_path_factory) -> Path:
    """The same client with OpenSSL linked in statically and stripped: no TLS function is reachable by name."""
    binary = tmp_path_factory.mktemp("native-static") / "static_client"
    subprocess.run(["gcc", "-O1", "-o", str(binary), str(SOURCE), "-Wl,-Bstatic", "-lssl", "-lcrypto",
                    "-Wl,-Bdynamic", "-ldl", "-lpthread"], check=True, capture_output=True, text=True)
    subprocess.run(["strip", str(binary)], check=True)
    return binary


def source_line(text: str) -> int:
    """The line of pinned_client.c that holds `text` (once)."""
    [line] = [n for n, code in enumerate(SOURCE.read_text().splitlines(), 1) if text in code]
    return line


def spki_pin(cert_pem: Path) -> str:
    """SHA-256 of a certificate's SubjectPublicKeyInfo: the key pin the client checks."""
    key = x509.load_pem_x509_certificate(cert_pem.read_bytes()).public_key()
    return hashlib.sha256(key.public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()
