"""--unpin and --keylog on a real native process: a client linked to Debian's OpenSSL that trusts only its own
CA and pins the server's key fails through the proxy, then succeeds under --unpin with the bypass on record;
its own session secrets (--keylog) decrypt a loopback pcapng with tshark."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from auditor.analyze.run import analyze
from auditor.capture.pcap import PacketCapture
from auditor.case.events import Kind
from auditor.witness.wire import read_wire
from tests.capture.conftest import HOST, UPSTREAM_IP, events, wait_for_event
from tests.unpin.conftest import AUDITOR, SOURCE, pin_refuses_the_proxy, source_line, spki_pin, witnessed


def instrument(case_root: Path, *options_and_argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(AUDITOR), "instrument", str(case_root), "--json", *options_and_argv],
                          capture_output=True, text=True, timeout=120)


def test_pinned_native_client_fails_through_the_proxy_then_unpin_lets_it_through_on_record(
        capture, case, pki, upstream, pinned_client):
    # OpenSSL's own check refuses mitmproxy's CA before the pin is even looked at.
    argv = pin_refuses_the_proxy(case, capture, pki, upstream, pinned_client, "/hello", "certificate verify failed")
    done = instrument(case.root, "--unpin", "--keylog", "--", *argv)
    assert done.returncode == 0, done.stderr
    assert "HTTP/1.1 200 X" in done.stdout
    [flow] = wait_for_event(case, Kind.PROXY_FLOW)
    assert (flow["body"]["request"]["method"], flow["body"]["request"]["path"]) == ("GET", "/hello")
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS)]
    assert [(b["phase"], b["library"], b["function"]) for b in bypasses] == [
        ("installed", "libcrypto.so.3", "X509_verify_cert"), ("fired", "libcrypto.so.3", "X509_verify_cert")]
    fired = bypasses[1]
    assert fired["host"] == HOST and fired["tls_connection"] is True
    # What OpenSSL said before the bypass overturned it: mitmproxy's CA is not the client's.
    assert fired["error"] in ("20: unable to get local issuer certificate", "2: unable to get issuer certificate")
    # The native stack reaches the app's own code: the SSL_connect call in main (the client has debug info).
    assert f"pinned_client!main {SOURCE}:{source_line('SSL_connect(ssl)')}:" in " ".join(fired["stack"])
    # The method states the change made to the app.
    analyze(case.root)
    rows = json.loads((case.root / "analysis" / "observed.json").read_text())["tls_bypasses"]
    assert [(r["kind"], r["phase"], r["library"], r["host"], r["detail"]) for r in rows] == [
        ("bypass", "installed", "libcrypto.so.3", None, None), ("keylog", "installed", "libssl.so.3", None, None),
        ("bypass", "fired", "libcrypto.so.3", HOST, fired["error"])]
    # The second witness: the wire between the unpinned app and the proxy shows the recorded request, opened
    # with the proxy's key log and the app's own.
    witnessed(case, capture, "/hello")
    # The report's method says how the app was altered and what the wire showed (analysis after the witness).
    analyze(case.root)
    for lang, fired_row, outcome in (
            ("en", "<td>bypass</td><td>overturned a refusal</td><td>libcrypto.so.3</td><td><code>X509_verify_cert"
                   "</code></td><td>upstream.test</td>", "Outcome: consistent: every request the proxy recorded"),
            ("nl", "<td>omzeiling</td><td>weigering opgeheven</td><td>libcrypto.so.3</td><td><code>"
                   "X509_verify_cert</code></td><td>upstream.test</td>", "Uitkomst: consistent: ieder verzoek")):
        out = case.root.parent / f"report-{lang}"
        done = subprocess.run([str(AUDITOR), "report", str(case.root), "--format", "html", "--lang", lang,
                               "--out", str(out)], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        method = (out / "report.html").read_text().split('<section id="method">')[1].split("</section>")[0]
        assert method.count(fired_row) == 1 and method.count("<tr><td>") - method.count(fired_row) >= 2
        assert outcome in method and "<tr><td>1</td><td>0</td><td>0</td>" in method     # both, proxy only, wire only


def test_keylog_takes_the_app_s_own_secrets_which_decrypt_the_wire(case, pki, upstream, pinned_client, tmp_path):
    ca, cert, _ = pki
    packets = PacketCapture(tmp_path, "lo")
    packets.start(f"port {upstream.address[1]}")
    done = instrument(case.root, "--keylog", "--", str(pinned_client), UPSTREAM_IP, str(upstream.address[1]), HOST,
                      str(ca.cert_pem), spki_pin(cert), "/hello?from=native")
    packets.stop_process()
    assert done.returncode == 0, done.stderr
    keys = [e["body"] for e in events(case, Kind.HOOK_TLS_KEY)]
    assert keys[0]["phase"] == "installed" and keys[0]["library"] == "libssl.so.3"
    logged = [k for k in keys if k["phase"] == "logged"]
    labels = sorted(k["line"].split()[0] for k in logged)
    assert labels == ["CLIENT_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0", "EXPORTER_SECRET",
                      "SERVER_HANDSHAKE_TRAFFIC_SECRET", "SERVER_TRAFFIC_SECRET_0"]
    assert all(k["host"] == HOST and f"pinned_client!main {SOURCE}:" in " ".join(k["stack"]) for k in logged)
    [keylog] = events(case, Kind.HOOK_KEYLOG)
    assert keylog["body"]["lines"] == 5
    stored = case.artifacts.read_bytes(keylog["artifact"], 1 << 20).decode()
    assert stored == "".join(k["line"] + "\n" for k in logged)
    # The app's keys open its own connection as captured on the wire, with no proxy in between.
    wire = read_wire(packets.pcap_path, case.artifacts.path_for(keylog["artifact"]))
    assert [(r.method, r.host, r.path) for r in wire.requests] == [("GET", HOST, "/hello?from=native")]
    assert (wire.tls_streams, wire.undecrypted_tls_streams) == (1, 0)


def test_a_tls_library_not_reachable_by_symbol_nor_by_pattern_is_a_known_unknown(case, pki, upstream,
                                                                                   static_client):
    ca, cert, _ = pki
    done = instrument(case.root, "--unpin", "--keylog", "--", str(static_client), UPSTREAM_IP,
                      str(upstream.address[1]), "other.test", str(ca.cert_pem), "-", "/hello")
    # Nothing was bypassed: the client's own hostname check still refuses (other.test is not the server's name).
    assert done.returncode == 1 and "TLS handshake failed" in done.stderr
    # The binary holds a TLS library (its key-log labels) that exports nothing, so it is searched by pattern:
    # BoringSSL's patterns cannot match OpenSSL's code, and each miss is on record.
    missed = "pattern did not match in static_client"
    bypasses = [e["body"] for e in events(case, Kind.HOOK_TLS_BYPASS)]
    assert [(b["phase"], b["library"], b["function"], b.get("located"), b["error"]) for b in bypasses] == [
        ("not_found", None, "X509_verify_cert", None,
         "no loaded module exports X509_verify_cert, SSL_CTX_set_custom_verify or SSL_set_custom_verify (a "
         "statically linked or stripped TLS library is not reached by symbol); modules loaded later are watched"),
        ("not_found", "static_client", "SSL_CTX_set_custom_verify", "pattern", missed),
        ("not_found", "static_client", "SSL_set_custom_verify", "pattern", missed)]
    keys = [e["body"] for e in events(case, Kind.HOOK_TLS_KEY)]
    assert [(k["phase"], k["library"], k.get("function"), k["error"]) for k in keys] == [
        ("not_found", None, None, "no loaded module exports SSL_new; modules loaded later are watched"),
        ("not_found", "static_client", "ssl_log_secret", missed)]
    [keylog] = events(case, Kind.HOOK_KEYLOG)
    assert keylog["body"]["lines"] == 0 and keylog["artifact"] is None
    analyze(case.root)
    observed = json.loads((case.root / "analysis" / "observed.json").read_text())
    rows = [(r["kind"], r["phase"], r["library"], r["function"], r["detail"]) for r in observed["tls_bypasses"]]
    assert rows[1:] == [
        ("bypass", "not_found", "static_client", "SSL_CTX_set_custom_verify", missed),
        ("bypass", "not_found", "static_client", "SSL_set_custom_verify", missed),
        ("keylog", "not_found", None, None, "no loaded module exports SSL_new; modules loaded later are watched"),
        ("keylog", "not_found", "static_client", "ssl_log_secret", missed)]
    assert observed["tls_keys_logged"] == 0
