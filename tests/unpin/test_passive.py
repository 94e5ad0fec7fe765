"""`auditor capture --passive`: dumpcap records the client's own connection with no proxy in the path, and
`auditor witness` reads from it, with the app's own key log (instrument --keylog), the certificate chain the
server really sent and the request; without the app's keys TLS 1.3 hides both, which witness says."""

from __future__ import annotations

import hashlib
import json
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.analyze.run import analyze
from auditor.case.events import Kind
from auditor.cli import cli
from tests.capture.conftest import HOST, UPSTREAM_IP, events
from tests.unpin.conftest import spki_pin
from tests.unpin.test_native_tls import AUDITOR, instrument


@contextmanager
def passive_capture(case_root: Path, port: int, transport: str = "tcp") -> Iterator[None]:
    """`auditor capture --passive` on loopback, only the test server's port, from its start line to SIGINT."""
    process = subprocess.Popen([str(AUDITOR), "capture", "--case", str(case_root), "--passive", "--pcap-interface",
                                "lo", "--passive-filter", f"{transport} port {port}"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == f"passive capture on lo (filter: {transport} port {port}); no proxy\n"
        yield
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.startswith("stopped: ") and "bytes of packets, pcapng " in out


def test_passive_capture_records_the_server_s_own_chain_opened_by_the_app_s_keys(case, pki, upstream,
                                                                                  pinned_client):
    ca, cert, _ = pki
    argv = [str(pinned_client), UPSTREAM_IP, str(upstream.address[1]), HOST, str(ca.cert_pem), spki_pin(cert)]
    with passive_capture(case.root, upstream.address[1]):          # without the app's keys
        plain = subprocess.run([*argv, "/hello"], capture_output=True, text=True, timeout=30)
    assert (plain.returncode, plain.stdout) == (0, "HTTP/1.1 200 X\n")
    with passive_capture(case.root, upstream.address[1]):          # with them
        done = instrument(case.root, "--keylog", "--", *argv, "/hello?seen=passively")
    assert done.returncode == 0 and "HTTP/1.1 200 X" in done.stdout, done.stderr
    first, second = events(case, Kind.PASSIVE_PCAP)
    assert [(e["body"]["interface"], e["body"]["filter"], e["body"]["tool"], e["body"]["returncode"])
            for e in (first, second)] == [("lo", f"tcp port {upstream.address[1]}", "dumpcap", 0)] * 2
    assert events(case, Kind.PROXY_STARTED) == []                  # no proxy anywhere
    [app_keys] = events(case, Kind.HOOK_KEYLOG)

    witnessed = subprocess.run([str(AUDITOR), "witness", str(case.root), "--json"], capture_output=True, text=True)
    assert witnessed.returncode == 0, witnessed.stderr
    result = json.loads(witnessed.stdout)
    assert (result["outcome"], result["sessions"]) == ("consistent", [])
    unkeyed, keyed = result["passive"]
    assert (unkeyed["pcap_seq"], keyed["pcap_seq"]) == (first["seq"], second["seq"])
    assert (unkeyed["pcap_sha256"], keyed["pcap_sha256"]) == (first["artifact"], second["artifact"])
    # TLS 1.3 encrypts the Certificate message: with no secrets of that connection, neither chain nor request.
    assert (unkeyed["tls_streams"], unkeyed["undecrypted_tls_streams"], unkeyed["chainless_tls_streams"],
            unkeyed["requests"], unkeyed["server_chains"]) == (1, 1, 1, [], [])
    # With the app's own secrets: the request, and the chain exactly as the server sent it (its leaf only).
    assert keyed["keylog_sha256s"] == [app_keys["artifact"]]
    assert (keyed["tls_streams"], keyed["undecrypted_tls_streams"], keyed["chainless_tls_streams"]) == (1, 0, 0)
    [request] = keyed["requests"]
    assert (request["method"], request["host"], request["path"], request["body_sha256"]) == (
        "GET", HOST, "/hello?seen=passively", None)
    [chain] = keyed["server_chains"]
    leaf = x509.load_pem_x509_certificate(cert.read_bytes()).public_bytes(serialization.Encoding.DER)
    assert (chain["server"], chain["sni"], chain["tcp_stream"], chain["quic_connection"]) == (
        f"{UPSTREAM_IP}:{upstream.address[1]}", HOST, request["tcp_stream"], None)
    assert chain["certificates"] == [{"sha256": hashlib.sha256(leaf).hexdigest(), "subject": "CN=upstream.test",
                                      "issuer": "CN=auditor test CA"}]
    # Analysis lists both captures as passive (no proxy, no proxy key log), and carries what witness read.
    analyze(case.root)
    observed = json.loads((case.root / "analysis" / "observed.json").read_text())
    rows = observed["packet_captures"]
    assert [(r["seq"], r["passive"], r["proxy_pid"], r["pcap_sha256"], r["keylog_sha256"]) for r in rows] == [
        (first["seq"], True, None, first["artifact"], None), (second["seq"], True, None, second["artifact"], None)]
    assert observed["witness"]["passive"] == [
        {"pcap_seq": first["seq"], "requests": 0, "tls_streams": 1, "undecrypted_tls_streams": 1,
         "chainless_tls_streams": 1, "quic_connections": 0, "undecrypted_quic_connections": 0},
        {"pcap_seq": second["seq"], "requests": 1, "tls_streams": 1, "undecrypted_tls_streams": 0,
         "chainless_tls_streams": 0, "quic_connections": 0, "undecrypted_quic_connections": 0}]
    assert observed["witness"]["server_chains"] == [{"pcap_seq": second["seq"], "server": chain["server"],
                                                     "sni": HOST, "transport": "tcp",
                                                     "certificates": chain["certificates"]}]
    # `auditor import passive` brings the decrypted HTTP/1.1 request into the case as a flow analysis reads
    imported = subprocess.run([str(AUDITOR), "import", "passive", str(case.root), "--json"], capture_output=True,
                              text=True)
    assert imported.returncode == 0, imported.stderr
    assert [(c["pcap_seq"], c["requests_by_protocol"], c["flows_added"], c["undecrypted_tls_streams"])
            for c in json.loads(imported.stdout)["captures"]] == [(first["seq"], {}, 0, 1),
                                                                   (second["seq"], {"http/1.1": 1}, 1, 0)]
    [flow] = events(case, Kind.IMPORT_FLOW)
    assert (flow["artifact"], flow["body"]["server"], flow["body"]["client"]["port"]) == (
        second["artifact"], {"ip": UPSTREAM_IP, "port": upstream.address[1]}, request["client_port"])
    assert {k: flow["body"]["request"][k] for k in ("method", "scheme", "host", "path", "http_version")} == {
        "method": "GET", "scheme": "https", "host": HOST, "path": "/hello?seen=passively", "http_version": "http/1.1"}
    assert flow["body"]["passive"]["frame"] == request["frame"]
    assert flow["body"]["request"]["headers"] == [["Host", HOST], ["Connection", "close"]]


@pytest.mark.parametrize(("options", "problem"), [
    (["--passive", "--pcap"], "--passive runs no proxy: it excludes --ingest-only, --pcap and --world"),
    (["--passive", "--ingest-only"], "--passive runs no proxy: it excludes --ingest-only, --pcap and --world"),
    (["--passive-filter", "port 443"], "--passive-filter is for --passive (the proxy's capture filter is its port)"),
])
def test_passive_options_that_contradict_are_refused_before_anything_runs(case, options, problem):
    result = CliRunner().invoke(cli, ["capture", "--case", str(case.root), *options])
    assert result.exit_code == 2 and f"Error: {problem}" in result.stderr
    assert events(case, Kind.PASSIVE_PCAP) == [] and events(case, Kind.PROXY_STARTED) == []
