"""--unpin on a real JVM: a Java client that pins in its own X509TrustManager and checks host names in its own
HostnameVerifier fails both checks through the proxy, then gets through under --unpin, each overturned check
on record with its class, host, refusal and Java stack (hooks/src/unpinjava.ts)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from auditor.analyze.run import analyze
from auditor.case.events import Kind
from auditor.reference.launcher import JAVA17
from tests.capture.conftest import HOST, events, wait_for_event
from tests.unpin.conftest import AUDITOR

MAIN = "com.example.pinapp.Main"
TRUST = "com.example.pinapp.PinningTrustManager.checkServerTrusted"
NAMES = "com.example.pinapp.StrictHostnameVerifier.verify"


def run(case_root: Path, classes: Path, capture, upstream, *options: str) -> subprocess.CompletedProcess:
    proxy_ip, proxy_port = capture.listen_address
    argv = [str(JAVA17), "-cp", str(classes), MAIN, proxy_ip, str(proxy_port), str(capture.ca_path),
            f"https://{HOST}:{upstream.address[1]}"]
    return subprocess.run([str(AUDITOR), "instrument", str(case_root), "--json", "--app-package",
                           "com.example.pinapp", *options, "--", *argv], capture_output=True, text=True, timeout=60)


def test_java_pins_refuse_the_proxy_then_unpin_overturns_each_on_record(capture, case, upstream,
                                                                       java_pinning_client):
    refused = run(case.root, java_pinning_client, capture, upstream)
    assert refused.returncode == 0, refused.stderr
    failures = [line for line in refused.stdout.splitlines() if line.startswith(("FAIL", "200"))]
    assert [line.split(":")[0] for line in failures] == ["FAIL /pinned", "FAIL /named"]
    assert "pin mismatch: server key" in failures[0] and "No subject alternative" not in failures[1]
    assert events(case, Kind.HOOK_TLS_BYPASS) == []

    done = run(case.root, java_pinning_client, capture, upstream, "--unpin")
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith(("FAIL", "200", "404"))] == [
        "404 /pinned", "404 /named"]            # the loopback upstream answers 404 to paths it does not serve
    flows = wait_for_event(case, Kind.PROXY_FLOW, count=2)
    assert sorted(f["body"]["request"]["path"] for f in flows) == ["/named", "/pinned"]
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS)]
    assert [(b["phase"], b["library"], b["function"]) for b in bypasses if b["phase"] == "installed"] == [
        ("installed", "java", "X509TrustManager, HostnameVerifier, okhttp3.CertificatePinner (as loaded)"),
        ("installed", "java", TRUST), ("installed", "java", NAMES)]
    fired = [b for b in bypasses if b["phase"] == "fired"]
    assert [(b["function"], b["host"]) for b in fired] == [(TRUST, None), (NAMES, HOST)]
    assert fired[0]["error"].startswith("java.security.cert.CertificateException: pin mismatch: server key ")
    assert fired[1]["error"] == "the app's HostnameVerifier returned false"
    # each Java stack reaches the app's own call: Main.get for both requests
    for bypass in fired:
        assert bypass["stack"][0].startswith(bypass["function"] + "(")
        assert any(frame.startswith("com.example.pinapp.Main.get(Main.java:") for frame in bypass["stack"])
    analyze(case.root)
    rows = json.loads((case.root / "analysis" / "observed.json").read_text())["tls_bypasses"]
    assert [(r["kind"], r["phase"], r["function"], r["host"]) for r in rows if r["phase"] == "fired"] == [
        ("bypass", "fired", TRUST, None), ("bypass", "fired", NAMES, HOST)]
