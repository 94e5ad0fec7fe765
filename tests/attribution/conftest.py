"""The capture tests' loopback world (TLS upstream speaking HTTP/1.1 and HTTP/2) and a capture of it, and small
Java programs in which two SDKs send over one client (compiled here with JDK 17): java.net.http, the real
OkHttp 3 (Debian's libokhttp-java, scripts/apt-test.txt) and a plain java.net.Socket."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from auditor.reference.launcher import JAVA17
from tests.capture.conftest import capture, case, confdir, pki, upstream, world  # noqa: F401  (fixtures)

HERE = Path(__file__).parent
# Debian's OkHttp 3.13.1 and the okio it needs (apt-cache depends libokhttp-java)
OKHTTP_JARS = (Path("/usr/share/java/okhttp.jar"), Path("/usr/share/java/okio.jar"))


def compile_java(out: Path, sources: Path, classpath: tuple[Path, ...] = (), release: int = 17) -> str:
    """Compiles every .java under `sources` and the shared TLS trust (common/) into `out` (class files of Java
    `release`); the classpath to run it with."""
    path = ":".join(str(p) for p in classpath)
    files = sorted(str(p) for directory in (sources, HERE / "common") for p in directory.rglob("*.java"))
    subprocess.run([str(JAVA17.with_name("javac")), "--release", str(release), *(["-cp", path] if path else []),
                    "-d", str(out), *files], check=True, capture_output=True, text=True, timeout=120)
    return ":".join([str(out), *(str(p) for p in classpath)])


@pytest.fixture(scope="session")
def two_sdk_program(tmp_path_factory) -> str:
    """java.net.http: the classpath (for java -cp)."""
    return compile_java(tmp_path_factory.mktemp("http2-classes"), HERE / "http2")


@pytest.fixture(scope="session")
def okhttp_program(tmp_path_factory) -> str:
    """OkHttp 3: the classpath, the library's jars included."""
    missing = [str(p) for p in OKHTTP_JARS if not p.is_file()]
    assert not missing, f"{missing}: install libokhttp-java (scripts/apt-test.txt)"
    return compile_java(tmp_path_factory.mktemp("okhttp-classes"), HERE / "okhttp", OKHTTP_JARS)
