"""`auditor audit --unpin --keylog` and `auditor audit --passive` (issue #15): the audit pipeline with a scripted
rooted phone on the fake adb server and, standing in for the app on the local Frida device, a native client
linked to Debian's OpenSSL that trusts only its own CA and pins the server's key. Through the audit's capture it
gets through only because --unpin overturned its verification, on record; --keylog stores its own session
secrets in the case. With --passive no proxy runs: the client reaches its server itself, dumpcap records the
wire, and the app's own keys (implied) open it."""

from __future__ import annotations

import subprocess

import pytest

from auditor.audit.components import Interception
from auditor.audit.plan import AuditPlan, LoopbackWorld, PassiveWire, StandIn
from auditor.audit.rooms import load
from auditor.audit.run import Audit
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger_check import read_records
from auditor.case.seal import verify_case
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.instrument.tls import TlsOptions
from auditor.reference.assets import reference_apk
from auditor.witness.wire import read_wire
from tests.capture.conftest import HOST, UPSTREAM_IP
from tests.unpin.conftest import AUDITOR, spki_pin

PACKAGE = "com.example.reference"      # the package the phone holds (its APK is scanned); the client stands in
WAIT = 60.0


def _phone(adb_env, scripted):
    """A rooted Android 14 phone holding PACKAGE, served by the fake adb server."""
    phone = scripted.android14_rooted_kernelsu()
    phone.clock_offset = 0.0          # the stand-in runs on this machine's clock
    fake = scripted.install(phone, PACKAGE, {"base.apk": reference_apk().read_bytes()})
    adb_env(fake)
    return fake


def test_audit_unpin_and_keylog_let_a_pinned_native_client_through_on_record(adb_env, scripted, tmp_path, pki,
                                                                             upstream, world, pinned_client):
    ca, cert, _ = pki
    fake = _phone(adb_env, scripted)

    def stand_in_argv(interception: Interception) -> list[str]:
        return [str(pinned_client), UPSTREAM_IP, str(upstream.address[1]), HOST, str(ca.cert_pem), spki_pin(cert),
                "/hello", "127.0.0.1", str(interception.proxy_port)]

    case_dir = tmp_path / "case"
    said: list[str] = []
    plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=case_dir, duration=WAIT, until_app_ends=True,
                     plants=Plants(), capture_confdir=str(tmp_path / "mitmproxy"), frida_device=DeviceChoice("local"),
                     stand_in=StandIn(stand_in_argv), tls=TlsOptions(unpin=True, keylog=True),
                     world=LoopbackWorld(world, upstream.address[1], ca.cert_pem))
    result = Audit(plan, load(plan, "127.0.0.1"), said.append).run()
    assert (result.reason, result.sealed, result.cleanup_problems) == ("completed", True, []), said
    assert verify_case(case_dir).ok

    records = list(read_records(case_dir / "ledger.jsonl"))
    [flow] = [r["body"] for r in records if r["kind"] == Kind.PROXY_FLOW]
    assert (flow["request"]["host"], flow["request"]["path"]) == (HOST, "/hello")
    bypasses = [r["body"] for r in records if r["kind"] == Kind.HOOK_TLS_BYPASS]
    assert [(b["phase"], b["function"]) for b in bypasses if b.get("kind", "bypass") == "bypass"][:2] == [
        ("installed", "X509_verify_cert"), ("fired", "X509_verify_cert")]
    [keylog] = [r for r in records if r["kind"] == Kind.HOOK_KEYLOG]
    assert keylog["body"]["lines"] == 5 and keylog["artifact"]           # TLS 1.3: five secrets per connection
    secrets = Case.open(case_dir).artifacts.path_for(keylog["artifact"]).read_text().splitlines()
    assert {line.split()[0] for line in secrets} == {
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET", "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
        "SERVER_TRAFFIC_SECRET_0", "EXPORTER_SECRET"}
    instrumentation = Case.open(case_dir).info["instrumentation"]
    assert (instrumentation["unpin"], instrumentation["keylog"]) == (True, True)


def test_audit_passive_records_the_wire_with_no_proxy_and_the_app_s_keys_open_it(adb_env, scripted, tmp_path, pki,
                                                                                 upstream, pinned_client):
    ca, cert, _ = pki
    fake = _phone(adb_env, scripted)
    port = upstream.address[1]

    def stand_in_argv(interception: Interception | None) -> list[str]:
        assert interception is None                 # nothing to route through: the client dials its server
        return [str(pinned_client), UPSTREAM_IP, str(port), HOST, str(ca.cert_pem), spki_pin(cert),
                "/hello?audited=passively"]

    case_dir = tmp_path / "case"
    said: list[str] = []
    plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=case_dir, duration=WAIT, until_app_ends=True,
                     plants=Plants(), frida_device=DeviceChoice("local"), stand_in=StandIn(stand_in_argv),
                     tls=TlsOptions(keylog=True), passive=PassiveWire("lo", f"tcp port {port}"))
    result = Audit(plan, load(plan, "127.0.0.1"), said.append).run()
    assert (result.reason, result.sealed, result.cleanup_problems) == ("completed", True, []), said
    assert verify_case(case_dir).ok
    assert ("start the capture", "done") in [(s["step"], s["status"]) for s in result.steps]

    records = list(read_records(case_dir / "ledger.jsonl"))
    kinds = {r["kind"] for r in records}
    assert not kinds & {Kind.PROXY_STARTED, Kind.PROXY_FLOW, Kind.HOOK_TLS_BYPASS}     # no proxy, no unpinning
    # the phone was given no proxy and no CA: private DNS off and frida-server started, as in every hooked audit
    assert [r["body"]["setting"] for r in records if r["kind"] == Kind.DEVICE_CHANGE] == [
        "settings global private_dns_mode", "frida-server process", "screen recording file"]
    [pcap] = [r for r in records if r["kind"] == Kind.PASSIVE_PCAP]
    assert (pcap["body"]["interface"], pcap["body"]["filter"], pcap["body"]["returncode"]) == (
        "lo", f"tcp port {port}", 0)
    [keylog] = [r for r in records if r["kind"] == Kind.HOOK_KEYLOG]
    assert keylog["body"]["lines"] == 5
    # the app's own keys open its own connection, as the wire carried it
    artifacts = Case.open(case_dir).artifacts
    wire = read_wire(artifacts.path_for(pcap["artifact"]), artifacts.path_for(keylog["artifact"]))
    assert [(r.method, r.host, r.path) for r in wire.requests] == [("GET", HOST, "/hello?audited=passively")]
    assert (wire.tls_streams, wire.undecrypted_tls_streams) == (1, 0)
    # and the audit read them into a flow before sealing (import passive refuses a sealed case)
    [summary] = [r["body"] for r in records if r["kind"] == Kind.IMPORT_PASSIVE]
    assert (summary["pcap_seq"], summary["requests"], summary["flows_added"]) == (pcap["seq"], 1, 1)
    [flow] = [r for r in records if r["kind"] == Kind.IMPORT_FLOW]
    assert (flow["body"]["request"]["method"], flow["body"]["request"]["path"], flow["artifact"]) == (
        "GET", "/hello?audited=passively", pcap["artifact"])
    assert "passive capture read: 1 request(s) imported as flows" in said
    instrumentation = Case.open(case_dir).info["instrumentation"]
    assert (instrumentation["unpin"], instrumentation["keylog"]) == (False, True)


@pytest.mark.parametrize(("options", "problem"), [
    (["--passive", "--unpin"], "--passive: leaves the app's TLS to its real servers: --unpin (a change to the app "
                               "only the proxy needs) is refused"),
    (["--passive", "--proxy-mode", "wireguard", "--proxy-host", "10.0.0.1"],
     "--passive: runs no proxy: it excludes --proxy-mode wireguard and --proxy-host"),
    (["--passive-filter", "port 443"], "--passive-filter/--pcap-interface: are for --passive"),
])
def test_audit_passive_options_that_contradict_are_refused_before_anything_runs(tmp_path, options, problem):
    done = subprocess.run([str(AUDITOR), "audit", "--serial", "none", "--package", PACKAGE, "--case",
                           str(tmp_path / "case"), *options], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (2, f"error: {problem}\n")
    assert not (tmp_path / "case").exists()
