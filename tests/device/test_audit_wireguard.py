"""`auditor audit --proxy-mode wireguard` end to end: a scripted Android 14 phone (rooted) on the fake adb
server, the real capture in wireguard mode (mitmproxy's userspace WireGuard, real TLS both ways) to the test
world's loopback servers, and a loopback WireGuard peer playing the phone's WireGuard app with the very
configuration the audit pushed to the phone. The app stand-in under the real agent on the local Frida device
sends its request through its own tunnel session."""

from __future__ import annotations

import collections
import json
import os
import sys
import threading
from pathlib import Path

import frida
from click.testing import CliRunner
from ledger_wait import wait_for_record

from auditor.audit.components import Interception
from auditor.audit.plan import AuditPlan, LoopbackWorld, StandIn
from auditor.audit.rooms import load
from auditor.audit.run import Audit
from auditor.case.ledger_check import read_records
from auditor.case.seal import verify_case
from auditor.cli import cli
from auditor.device.journal import journal_path
from auditor.device.setup import WIREGUARD_PATH
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.reference.assets import default_world, reference_apk
from auditor.reference.upstream import UpstreamServers
from auditor.world import load_world
from tests.capture.wireguard_peer import PHONE_IP, WireGuardPeer

PACKAGE = "com.example.reference"
HOST = "log.snssdk.com"
BODY = '{"clipboard":"AUDITOR-CANARY-wireguard-audit-9c2e"}'
WAIT = 30.0
APP = Path(__file__).with_name("wireguard_app.py")
WAIT_STEP = "wait for the phone's traffic through the WireGuard tunnel"


def _tunnel_up(fake, ledger: Path, problems: list[str]) -> None:
    """The operator switches the tunnel on in the phone's WireGuard app once the audit waits for it, with the
    configuration the audit pushed to the phone; the phone then asks the tunnel's resolver a name."""
    try:
        wait_for_record(ledger, lambda r: r["kind"] == "case.audit_step" and r["body"]["step"] == WAIT_STEP,
                        "wait step", WAIT)
        config = fake.read(WIREGUARD_PATH)
        assert config is not None, "no WireGuard configuration on the phone"
        peer = WireGuardPeer.from_client_config(config.decode("ascii"))
        peer.handshake()
        assert peer.dns_query("localhost") is not None, "no DNS answer through the tunnel"
    except BaseException as exc:  # noqa: BLE001 - reported by the test after the audit has ended
        problems.append(f"{type(exc).__name__}: {exc}")


def _stop_after_flow(ledger: Path, keyboard, problems: list[str]) -> None:
    try:
        wait_for_record(ledger, lambda r: r["kind"] == "proxy.flow", "flow through the tunnel", WAIT)
    except BaseException as exc:  # noqa: BLE001
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        keyboard.write("q\n")
        keyboard.close()


def _phone(adb_env, scripted):
    fake = scripted.install(scripted.android14_rooted_kernelsu(), PACKAGE, {"base.apk": reference_apk().read_bytes()})
    adb_env(fake)
    return fake


def test_wireguard_audit_hands_over_the_tunnel_waits_for_it_and_captures_through_it(adb_env, scripted, tmp_path):
    fake = _phone(adb_env, scripted)
    before = fake.snapshot()
    world_file = default_world()
    world = load_world(world_file)
    case_dir = tmp_path / "case"
    problems: list[str] = []
    said: list[str] = []
    output: list[bytes] = []
    device = frida.get_local_device()

    def on_output(_pid: int, fd: int, data: bytes | None) -> None:
        if fd == 1 and data:
            output.append(data)

    read_end, write_end = os.pipe()
    device.on("output", on_output)
    try:
        with UpstreamServers(world, tmp_path / "upstream") as servers, open(read_end) as keyboard:
            ip, port = servers.address_for(HOST)

            def stand_in_argv(interception: Interception) -> list[str]:
                return [sys.executable, str(APP), str(interception.wireguard_config),
                        str(interception.ca_certificate), ip, str(port), HOST, BODY]

            plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=case_dir, duration=WAIT,
                             proxy_mode="wireguard", proxy_host="127.0.0.1", tunnel_wait=WAIT,
                             plants=Plants(clipboard="AUDITOR-CANARY-wireguard-audit-9c2e"),
                             capture_confdir=str(tmp_path / "mitmproxy"), frida_device=DeviceChoice("local"),
                             stand_in=StandIn(stand_in_argv),
                             world=LoopbackWorld(world_file, servers.port, servers.ca_pem))
            threads = [threading.Thread(target=_tunnel_up, args=(fake, case_dir / "ledger.jsonl", problems)),
                       threading.Thread(target=_stop_after_flow,
                                        args=(case_dir / "ledger.jsonl", open(write_end, "w"), problems))]
            for thread in threads:
                thread.start()
            result = Audit(plan, load(plan, "127.0.0.1"), said.append, keyboard=keyboard).run()
            for thread in threads:
                thread.join(WAIT)
            upstream = servers.requests()
    finally:
        device.off("output", on_output)

    assert problems == [], (problems, said)
    assert (result.reason, result.sealed, result.cleanup_problems) == ("completed", True, []), said
    assert b"".join(output).decode() == "HTTP/1.1 200 OK\n"
    # the phone is as it was found: the configuration file removed, no proxy or adb reverse ever set
    assert fake.snapshot() == before and not journal_path(fake.serial).exists()
    assert verify_case(case_dir).ok

    records = list(read_records(case_dir / "ledger.jsonl"))
    changes = [r["body"]["setting"] for r in records if r["kind"] == "device.change"]
    assert changes == ["wireguard configuration file", "user CA store", "system CA store (tmpfs overlay)",
                       "APEX CA store (init namespace)", "APEX CA store (zygote64 pid 4002 namespace)",
                       "settings global private_dns_mode", "frida-server process", "screen recording file"]
    config = (tmp_path / "mitmproxy" / "auditor-wireguard-client.conf")
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    [session] = json.loads((case_dir / "case.json").read_text())["capture"]["sessions"]
    [listen_port] = [int(line.rsplit(":", 1)[1]) for line in config.read_text().splitlines()
                     if line.startswith("Endpoint = 127.0.0.1:")]
    assert session["mode"] == "wireguard" and listen_port > 0
    assert f"note: import {WIREGUARD_PATH} in the WireGuard app and switch the tunnel on" in said
    assert "the phone's traffic is coming through the tunnel" in said

    # the tunnel was seen carrying traffic before the app was spawned; the app's request came through it
    seq = {(r["body"]["step"], r["body"]["status"]): r["seq"] for r in records if r["kind"] == "case.audit_step"}
    [dns] = [r for r in records if r["kind"] == "proxy.dns"]
    assert dns["body"]["client"]["ip"] == PHONE_IP
    assert seq[(WAIT_STEP, "started")] < dns["seq"] < seq[(WAIT_STEP, "done")] < \
        seq[("spawn the app under the hooks and plant canaries", "started")]
    [flow] = [r["body"] for r in records if r["kind"] == "proxy.flow"]
    assert flow["mode"].startswith("wireguard") and flow["client"]["ip"] == PHONE_IP
    assert (flow["request"]["host"], flow["server"]) == (HOST, {"ip": ip, "port": port})
    assert [(r.address, r.sni, r.method, r.target, r.body) for r in upstream] == [
        (ip, HOST, "POST", "/collect", BODY.encode())]
    kinds = collections.Counter(r["kind"] for r in records)
    assert kinds["proxy.flow"] == 1 and kinds["device.attestation"] == kinds["device.reattestation"] == 1


def test_without_traffic_through_the_tunnel_the_audit_ends_restored_and_sealed(adb_env, scripted, tmp_path):
    fake = _phone(adb_env, scripted)
    before = fake.snapshot()
    said: list[str] = []
    plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=tmp_path / "case", duration=5,
                     proxy_mode="wireguard", proxy_host="192.0.2.7", tunnel_wait=1.0,
                     capture_confdir=str(tmp_path / "mitmproxy"), frida_device=DeviceChoice("local"))
    result = Audit(plan, load(plan, "127.0.0.1"), said.append).run()
    assert result.reason == ("error: no traffic came through the WireGuard tunnel within 1 s (is the tunnel "
                             "switched on, and does the phone reach 192.0.2.7?)")
    assert result.sealed and result.cleanup_problems == [] and fake.snapshot() == before
    steps = [(s["step"], s["status"]) for s in result.steps]
    assert (WAIT_STEP, "started") in steps
    assert not any(step.startswith("spawn the app") for step, _ in steps)
    assert "Endpoint = 192.0.2.7:" in (tmp_path / "mitmproxy" / "auditor-wireguard-client.conf").read_text()


def test_wireguard_mode_without_the_host_address_is_a_usage_error(adb_env, scripted, tmp_path):
    fake = _phone(adb_env, scripted)
    outcome = CliRunner().invoke(cli, ["audit", "--serial", fake.serial, "--package", PACKAGE, "--proxy-mode",
                                       "wireguard", "--case", str(tmp_path / "case")])
    assert outcome.exit_code == 2
    assert outcome.output == ("error: --proxy-host: wireguard mode needs the host's address as the phone reaches "
                              "it (adb reverse cannot carry the tunnel's UDP)\n")
    assert not (tmp_path / "case").exists()
