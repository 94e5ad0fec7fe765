"""A native client linked to Debian's OpenSSL (built here with gcc), the capture tests' loopback world, a
capture with --pcap, and the device tests' fake adb server (for `auditor audit --unpin`)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.case.events import Kind
from auditor.witness.wire import read_wire
from tests.attribution.conftest import OKHTTP_JARS, compile_java
from tests.capture import conftest as loopback
from tests.capture.conftest import case, confdir, pki, upstream, world  # noqa: F401  (fixtures)
from tests.device.conftest import adb_env, scripted  # noqa: F401  (fixtures: the fake adb server, scripted phones)
from tests.native import build_c
from tests.witness.pcap_capture import capture  # noqa: F401  (fixture)

AUDITOR = Path(sys.executable).parent / "auditor"
SOURCE = Path(__file__).with_name("pinned_client.c")
BORINGSSL = Path("/usr/lib/x86_64-linux-gnu/android")      # Debian's android-libboringssl (+ -dev: headers)


@pytest.fixture(scope="session")
def pinned_client(tmp_path_factory) -> Path:
    return build_c(tmp_path_factory, SOURCE, "-lssl", "-lcrypto")


@pytest.fixture(scope="session")
def java_pinning_client(tmp_path_factory) -> str:
    """A Java client that pins in its own X509TrustManager, and with OkHttp 3 in its own HostnameVerifier and in
    OkHttp's CertificatePinner (java/): its classpath."""
    return compile_java(tmp_path_factory.mktemp("pinning-classes"), Path(__file__).with_name("java"), OKHTTP_JARS)


@dataclass(frozen=True)
class Obfuscated:
    """The pinning client built as an app's release build is: with OkHttp and okio renamed by ProGuard."""
    classpath: str
    renamed: dict[str, str]                 # original class or "class.method" -> its name in the build


# ProGuard 6.2.2 (Debian's) reads class files up to Java 13, and needs the platform's classes to know which
# methods override the platform's (those keep their names): Android's own android.jar, as an app's build has.
ANDROID_JAR = Path(__file__).parents[2] / "reference/.android-sdk/usr/share/java/com.android.android-23.jar"
PROGUARD = ["-dontoptimize", "-dontwarn", "**", "-keepattributes", "SourceFile,LineNumberTable",
            "-keep", "class com.example.** { *; }"]      # the test's own classes keep their names


@pytest.fixture(scope="session")
def obfuscated_pinning_client(tmp_path_factory) -> Obfuscated:
    """The Java pinning client (java/) and OkHttp 3 with okio, obfuscated by ProGuard into one jar, and what each
    of OkHttp's classes and methods was renamed to (ProGuard's mapping)."""
    work = tmp_path_factory.mktemp("pinning-obfuscated")
    classes = compile_java(work / "classes", Path(__file__).with_name("java"), OKHTTP_JARS, release=11).split(":")[0]
    jar, mapping = work / "client.jar", work / "mapping.txt"
    inputs = [arg for path in (classes, *(f"{p}(!META-INF/**)" for p in OKHTTP_JARS)) for arg in ("-injars", path)]
    subprocess.run(["proguard", *inputs, "-outjars", str(jar), "-libraryjars", str(ANDROID_JAR),
                    "-printmapping", str(mapping), *PROGUARD], check=True, capture_output=True, text=True, timeout=120)
    return Obfuscated(str(jar), renamed(mapping.read_text()))


def renamed(mapping: str) -> dict[str, str]:
    """ProGuard's mapping as original -> new name: each class ("a.b.C -> x.y:") and each of its methods
    ("    void check(java.lang.String,java.util.List) -> a", keyed "a.b.C.check")."""
    names: dict[str, str] = {}
    current = ("", "")
    for line in mapping.splitlines():
        if not line.startswith(" "):
            original, new = line.rstrip(":").split(" -> ")
            current = (original, new)
            names[original] = new
        elif "(" in line:
            signature, new = line.strip().split(" -> ")
            names.setdefault(f"{current[0]}.{signature.split('(')[0].split()[-1]}", f"{current[1]}.{new}")
    return names


@pytest.fixture(scope="session")
def boring_client(tmp_path_factory) -> Path:
    """The client built against BoringSSL: it pins with SSL_CTX_set_custom_verify, as Cronet verifies."""
    return build_c(tmp_path_factory, SOURCE, "-I/usr/include/android", f"-L{BORINGSSL}", f"-Wl,-rpath,{BORINGSSL}",
                   "-lssl", "-lcrypto")


@pytest.fixture(scope="session")
def static_client(tmp_path_factory) -> Path:
    """The same client with OpenSSL linked in statically and stripped: no TLS function is reachable by name."""
    binary = tmp_path_factory.mktemp("native-static") / "static_client"
    subprocess.run(["gcc", "-O1", "-o", str(binary), str(SOURCE), "-Wl,-Bstatic", "-lssl", "-lcrypto",
                    "-Wl,-Bdynamic", "-ldl", "-lpthread"], check=True, capture_output=True, text=True)
    subprocess.run(["strip", str(binary)], check=True)
    return binary


def pin_refuses_the_proxy(bundle, proxy, certs, server, client: Path, path: str, refusal: str) -> list[str]:
    """The client's argv through the proxy (bundle, proxy, certs, server: the case, capture, pki and upstream
    fixtures), after checking that its pin holds: direct to the server it gets an answer; through the proxy it
    refuses mitmproxy's certificate (`refusal` in its stderr), so the proxy records a client-side TLS failure
    and no flow."""
    ca, cert, _ = certs
    proxy_ip, proxy_port = proxy.listen_address
    argv = [str(client), loopback.UPSTREAM_IP, str(server.address[1]), loopback.HOST, str(ca.cert_pem),
            spki_pin(cert), path, proxy_ip, str(proxy_port)]
    direct = subprocess.run(argv[:7], capture_output=True, text=True, timeout=30)
    assert (direct.returncode, direct.stdout) == (0, "HTTP/1.1 200 X\n")
    refused = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and refusal in refused.stderr, refused.stderr
    [failed] = loopback.wait_for_event(bundle, Kind.PROXY_TLS_FAILED)
    assert failed["body"]["side"] == "client" and failed["body"]["sni"] == loopback.HOST
    return argv


def witnessed(bundle, proxy, path: str) -> dict:
    """The second witness after an unpinned run through the proxy (bundle, proxy: the case and capture
    fixtures): `auditor witness` finds the one recorded flow on the wire, opened with the proxy's key log and
    the app's own; and the app's own keys alone open its connection there, showing GET `path`. Returns the
    witness session."""
    proxy.stop()
    done = subprocess.run([str(AUDITOR), "witness", str(bundle.root), "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    [session] = json.loads(done.stdout)["sessions"]
    assert session["counts"] == {"both": 1, "proxy_only": 0, "wire_only": 0}
    [pcap] = loopback.events(bundle, Kind.PROXY_PCAP)
    [app_keys] = loopback.events(bundle, Kind.HOOK_KEYLOG)
    assert app_keys["body"]["lines"] == 5 and session["keylog_sha256s"][1:] == [app_keys["artifact"]]
    wire = read_wire(bundle.artifacts.path_for(pcap["artifact"]), bundle.artifacts.path_for(app_keys["artifact"]))
    assert [(r.method, r.host, r.path) for r in wire.requests] == [("GET", loopback.HOST, path)]
    return session


def source_line(text: str) -> int:
    """The line of pinned_client.c that holds `text` (once)."""
    [line] = [n for n, code in enumerate(SOURCE.read_text().splitlines(), 1) if text in code]
    return line


def spki_pin(cert_pem: Path) -> str:
    """SHA-256 of a certificate's SubjectPublicKeyInfo: the key pin the client checks."""
    key = x509.load_pem_x509_certificate(cert_pem.read_bytes()).public_key()
    return hashlib.sha256(key.public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()
