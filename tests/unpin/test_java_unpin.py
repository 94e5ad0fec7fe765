"""--unpin on a real JVM: a Java client that pins in its own X509TrustManager (HttpsURLConnection), with a
pin-set over the platform's trust (stand-ins for Conscrypt's TrustManagerImpl and Android's
NetworkSecurityTrustManager) and, with the real OkHttp 3, in its own HostnameVerifier and OkHttp's
CertificatePinner fails through the proxy, then gets through under --unpin, each overturned check on record
with its class, host, refusal and Java stack (hooks/src/unpinjava.ts); the same with OkHttp obfuscated by
ProGuard, its renamed CertificatePinner found by signature."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from auditor.analyze.run import analyze
from auditor.case.events import Kind
from auditor.reference.launcher import JAVA17
from tests.capture.conftest import HOST, events, wait_for_event
from tests.unpin.conftest import AUDITOR

MAIN = "com.example.pinapp.Main"
TRUST = "com.example.pinapp.PinningTrustManager.checkServerTrusted"
NAMES = "com.example.pinapp.StrictHostnameVerifier.verify"
PIN_SET = "com.example.pinapp.PinSetTrustManager.checkServerTrusted"
PLATFORM = "com.example.pinapp.PlatformTrustManager.checkServerTrusted"
PINNER = "okhttp3.CertificatePinner.check"
LAYER = ("X509TrustManager, HostnameVerifier, WebViewClient, okhttp3.CertificatePinner (as loaded; renamed: by "
         "signature)")


def run(case_root: Path, classpath: str, capture, upstream, *options: str) -> subprocess.CompletedProcess:
    proxy_ip, proxy_port = capture.listen_address
    argv = [str(JAVA17), "-cp", classpath, MAIN, proxy_ip, str(proxy_port), str(capture.ca_path),
            f"https://{HOST}:{upstream.address[1]}", HOST]
    return subprocess.run([str(AUDITOR), "instrument", str(case_root), "--json", "--app-package",
                           "com.example.pinapp", *options, "--", *argv], capture_output=True, text=True, timeout=120)


def test_java_pins_refuse_the_proxy_then_unpin_overturns_each_on_record(capture, case, upstream,
                                                                       java_pinning_client):
    refused = run(case.root, java_pinning_client, capture, upstream)
    assert refused.returncode == 0, refused.stderr
    failures = [line for line in refused.stdout.splitlines() if line.startswith(("FAIL", "200", "404"))]
    assert [line.split(":")[0] for line in failures] == ["FAIL /pinned", "FAIL /platform", "FAIL /okhttp"]
    assert "pin mismatch: server key" in failures[0]
    assert "PKIX path building failed" in failures[1]
    assert f"SSLPeerUnverifiedException: Hostname {HOST} not verified" in failures[2]
    assert events(case, Kind.HOOK_TLS_BYPASS) == []            # without --unpin nothing is changed

    done = run(case.root, java_pinning_client, capture, upstream, "--unpin")
    assert done.returncode == 0, done.stderr
    # the loopback upstream answers 404 to paths it does not serve: both requests got through
    assert [line for line in done.stdout.splitlines() if line.startswith(("FAIL", "200", "404"))] == [
        "404 /pinned", "404 /platform", "404 /okhttp"]
    flows = wait_for_event(case, Kind.PROXY_FLOW, count=3)
    assert sorted(f["body"]["request"]["path"] for f in flows) == ["/okhttp", "/pinned", "/platform"]
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS) if e["body"]["library"] == "java"]
    assert [b["function"] for b in bypasses if b["phase"] == "installed"] == [
        LAYER, TRUST, PIN_SET, PLATFORM, "okhttp3.internal.tls.OkHostnameVerifier.verify", PINNER, NAMES]
    fired = overturned(bypasses, PINNER)
    assert fired[4]["error"].startswith("javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure! "
                                        "Peer certificate chain: sha256/")
    analyze(case.root)
    rows = json.loads((case.root / "analysis" / "observed.json").read_text())["tls_bypasses"]
    assert [(r["kind"], r["library"], r["function"], r["host"]) for r in rows if r["phase"] == "fired"] == [
        ("bypass", "java", b["function"], b["host"]) for b in fired]


def overturned(bypasses: list[dict], pinner: str) -> list[dict]:
    """The fired bypasses of one run of the client, checked: its own trust manager's pin, the platform's trust
    (the Conscrypt stand-in, answering with the chain) and the pin-set checked on that chain, then OkHttp's
    HostnameVerifier and `pinner` (OkHttp's CertificatePinner.check, as named in that build)."""
    fired = [b for b in bypasses if b["phase"] == "fired"]
    assert [(b["function"], b["host"]) for b in fired] == [
        (TRUST, None), (PLATFORM, HOST), (PIN_SET, None), (NAMES, HOST), (pinner, HOST)]
    assert fired[0]["error"].startswith("java.security.cert.CertificateException: pin mismatch: server key ")
    assert fired[1]["error"].startswith("sun.security.validator.ValidatorException: PKIX path building failed")
    # the platform's refusal overturned with the chain presented, the pin-set's own check ran on it
    assert fired[2]["error"] == "java.security.cert.CertificateException: Pin verification failed: none of 1 " \
                                "certificates pinned"
    assert fired[3]["error"] == "the app's HostnameVerifier returned false"
    # each Java stack starts at the overturned check and reaches the app's own call
    for bypass, caller in zip(fired, ("urlConnection", "urlConnection", "urlConnection", "main", "main"),
                              strict=True):
        assert bypass["stack"][0] == bypass["function"] + "(Native Method)"
        assert any(frame.startswith(f"com.example.pinapp.Main.{caller}(Main.java:") for frame in bypass["stack"])
    return fired


def test_an_obfuscated_certificate_pinner_is_found_by_signature_and_overturned_on_record(
        capture, case, upstream, obfuscated_pinning_client):
    build = obfuscated_pinning_client
    pinner = build.renamed["okhttp3.CertificatePinner.check"]
    assert not pinner.startswith("okhttp3.")                   # ProGuard renamed the class and its check
    refused = run(case.root, build.classpath, capture, upstream)
    assert [line.split(":")[0] for line in refused.stdout.splitlines() if line.startswith("FAIL")] == [
        "FAIL /pinned", "FAIL /platform", "FAIL /okhttp"]

    done = run(case.root, build.classpath, capture, upstream, "--unpin")
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line.startswith(("FAIL", "200", "404"))] == [
        "404 /pinned", "404 /platform", "404 /okhttp"]
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS) if e["body"]["library"] == "java"]
    installed = [b for b in bypasses if b["phase"] == "installed"]
    assert [(b["function"], b.get("located")) for b in installed] == [
        (LAYER, None), (TRUST, None), (PIN_SET, None), (PLATFORM, None),
        (build.renamed["okhttp3.internal.tls.OkHostnameVerifier"] + ".verify", None), (pinner, "signature"),
        (NAMES, None)]
    fired = overturned(bypasses, pinner)
    assert fired[4]["error"].startswith("javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure! ")
    # the method says the renamed class was found by its shape
    analyze(case.root)
    rows = json.loads((case.root / "analysis" / "observed.json").read_text())["tls_bypasses"]
    assert [(r["phase"], r["located"]) for r in rows if r["function"] == pinner] == [
        ("installed", "signature"), ("fired", None)]        # where it was found is said once, as installed
    out = case.root.parent / "report"
    subprocess.run([str(AUDITOR), "report", str(case.root), "--format", "html", "--out", str(out)], check=True,
                   capture_output=True, timeout=120)
    assert f"<code>{pinner}</code> <small>(found by its shape: the build renamed it)</small>" in \
        (out / "report.html").read_text()


def test_an_obfuscated_pinner_loaded_before_attaching_is_found_by_reflection(capture, case, upstream,
                                                                             obfuscated_pinning_client):
    """Attached once every class is loaded: the classes are looked at as found loaded (reflection, as on ART),
    not as they are defined."""
    build = obfuscated_pinning_client
    pinner = build.renamed["okhttp3.CertificatePinner.check"]
    proxy_ip, proxy_port = capture.listen_address
    app = subprocess.Popen([str(JAVA17), "-cp", build.classpath, MAIN, proxy_ip, str(proxy_port),
                            str(capture.ca_path), f"https://{HOST}:{upstream.address[1]}", HOST, "wait"],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert app.stdout.readline() == "READY\n"
        instrument = subprocess.Popen([str(AUDITOR), "instrument", str(case.root), "--json", "--pid", str(app.pid),
                                       "--app-package", "com.example.pinapp", "--unpin"],
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60         # a loaded machine: the agent walks every loaded class first
        while not any(e["body"]["event"] == "agent_started" for e in events(case, Kind.HOOK_SESSION)):
            assert time.monotonic() < deadline, "the agent's hooks were not in place within 60 s"
            time.sleep(0.05)
        app.stdin.write("go\n")
        app.stdin.flush()
        assert [line for line in app.stdout.read().splitlines() if line.startswith(("FAIL", "404"))] == [
            "404 /pinned", "404 /platform", "404 /okhttp"]
        _, stderr = instrument.communicate(timeout=60)
        assert instrument.returncode == 0, stderr
    finally:
        app.kill()
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS) if e["body"]["library"] == "java"]
    assert (pinner, "signature") in [(b["function"], b.get("located")) for b in bypasses if b["phase"] == "installed"]
    fired = overturned(bypasses, pinner)
    assert fired[4]["error"].startswith("javax.net.ssl.SSLPeerUnverifiedException: Certificate pinning failure! ")
