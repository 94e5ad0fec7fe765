"""The capture tests' loopback world (TLS upstream speaking HTTP/1.1 and HTTP/2) and a capture of it, and a
small Java program in which two SDKs send over one java.net.http client (compiled here with JDK 17)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.reference.launcher import JAVA17
from tests.capture.conftest import capture, case, confdir, pki, upstream, world  # noqa: F401  (fixtures)

SOURCES = Path(__file__).with_name("http2")


@pytest.fixture(scope="session")
def two_sdk_program(tmp_path_factory) -> Path:
    """The compiled classes directory (for java -cp)."""
    out = tmp_path_factory.mktemp("http2-classes")
    sources = sorted(str(p) for p in SOURCES.rglob("*.java"))
    subprocess.run([str(JAVA17.with_name("javac")), "--release", "17", "-d", str(out), *sources], check=True,
                   capture_output=True, text=True, timeout=120)
    return out
