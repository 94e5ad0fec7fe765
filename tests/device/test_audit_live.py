"""`auditor audit` end to end with every room: a scripted Android 14 phone (rooted) on the fake adb server, the
real capture (mitmproxy, real TLS both ways) to loopback servers standing in for the world's hosts, the real
agent on the local Frida device with the JVM reference app standing in for the package, the real static scan
of the APK pulled from the phone, the case sealed, then `auditor analyze` on it.

The test plays the operator: it watches the app's output as one watches the phone's screen, types the
consent mark at the keyboard when the consent dialog shows, answers the dialog only once the mark is in the
ledger, and types 'q' when the app has ended.
"""

from __future__ import annotations

import collections
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frida
from click.testing import CliRunner
from ledger_wait import wait_for_record

from auditor.audit.components import Interception
from auditor.audit.plan import AuditPlan, LoopbackWorld, StandIn
from auditor.audit.rooms import load
from auditor.audit.run import Audit
from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.case.seal import verify_case
from auditor.cli import cli
from auditor.device.journal import journal_path
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.reference.assets import default_world, reference_apk
from auditor.reference.launcher import jvm_launch, write_hosts_file
from auditor.reference.upstream import UpstreamServers
from auditor.world import load_world
from tests.hook_actor import actor

PACKAGE = "com.example.reference"
PLANTS = Plants(clipboard="AUDITOR-CANARY-live-audit-5d1e", location=(52.078663, 4.288788))
CONSENT_MARK = "the consent dialog is shown and accepted"
WAIT = 60.0


@dataclass
class Screen:
    """The stand-in's stdout as Frida relays it (on Frida's thread, where no Frida call may be made)."""

    pid: int = 0
    lines: list[str] = field(default_factory=list)
    consent_shown: threading.Event = field(default_factory=threading.Event)
    _partial: str = ""

    def on_output(self, pid: int, fd: int, data: bytes | None) -> None:
        if fd != 1 or not data or (self.pid and pid != self.pid):
            return
        self._partial += data.decode("utf-8", errors="replace")
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            if line.startswith("AUDITOR-REFERENCE"):
                self.pid = pid
            self.lines.append(line)
            if line.startswith("AUDITOR-AWAIT consent"):
                self.consent_shown.set()


def _operate(screen: Screen, keyboard: Any, ledger: Path, device: frida.core.Device, problems: list[str]) -> None:
    """The operator's hands: mark, tap 'accept', wait for the app to end, stop the audit."""
    try:
        assert screen.consent_shown.wait(WAIT), f"no consent dialog; the app printed {screen.lines}"
        keyboard.write(f"a {CONSENT_MARK}\n")
        keyboard.flush()
        wait_for_record(ledger, lambda r: r["kind"] == "operator.consent_accepted", "consent mark", WAIT)
        device.input(screen.pid, b"consent\n")
        wait_for_record(ledger, lambda r: r["kind"] == "hook.session" and r["body"]["event"] == "detached"
                        and r["body"]["pid"] == screen.pid, "end of the app", WAIT)
    except BaseException as exc:  # noqa: BLE001 - reported by the test after the audit has ended
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        keyboard.write("q\n")
        keyboard.close()


def test_live_audit_with_the_reference_app_standing_in(adb_env, scripted, tmp_path):
    apk = reference_apk().read_bytes()
    phone = scripted.android14_rooted_kernelsu()
    # the app runs on this machine's JVM, so its hook events carry this machine's clock: the stand-in phone's
    # clock must agree with it, or analysis would (rightly) shift the events by the phone's offset
    phone.clock_offset = 0.0
    fake = scripted.install(phone, PACKAGE, {"base.apk": apk})
    adb_env(fake)
    before = fake.snapshot()
    world_file = default_world()
    world = load_world(world_file)
    hosts = write_hosts_file(world, tmp_path / "hosts")

    def stand_in_argv(interception: Interception) -> list[str]:
        return jvm_launch(hosts_file=hosts, proxy=("127.0.0.1", interception.proxy_port),
                          ca_pem=interception.ca_certificate, consent="stdin", consent_timeout=int(WAIT)).argv

    case_dir = tmp_path / "case"
    device = frida.get_local_device()
    screen = Screen()
    problems: list[str] = []
    said: list[str] = []
    started = time.monotonic()
    read_end, write_end = os.pipe()
    device.on("output", screen.on_output)
    try:
        with UpstreamServers(world, tmp_path / "upstream") as servers, open(read_end) as keyboard:
            plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=case_dir, duration=WAIT, persona="child",
                             plants=PLANTS, capture_confdir=str(tmp_path / "mitmproxy"),
                             frida_device=DeviceChoice("local"), stand_in=StandIn(stand_in_argv),
                             world=LoopbackWorld(world_file, servers.port, servers.ca_pem))
            operator = threading.Thread(target=_operate, args=(screen, open(write_end, "w"), case_dir / "ledger.jsonl",
                                                               device, problems))
            operator.start()
            result = Audit(plan, load(plan, "127.0.0.1"), said.append, keyboard=keyboard).run()
            operator.join(WAIT)
            upstream = servers.requests()
    finally:
        device.off("output", screen.on_output)
    elapsed = time.monotonic() - started

    assert problems == [], (problems, said)
    assert (result.reason, result.sealed, result.cleanup_problems) == ("completed", True, []), said
    assert screen.lines[-1] == "AUDITOR-DONE" and elapsed < 60
    # the phone is as it was found: proxy, private DNS, CA stores, mounts, processes, adb reverse
    assert fake.snapshot() == before and not journal_path(fake.serial).exists()
    assert fake.settings["global"] == {"private_dns_mode": "hostname", "private_dns_specifier": "dns.example.net",
                                       "http_proxy": "10.0.0.2:3128"}
    verification = verify_case(case_dir)
    assert verification.ok, verification

    records = list(read_records(case_dir / "ledger.jsonl"))
    by_kind = collections.Counter(r["kind"] for r in records)
    changes = [r["body"]["setting"] for r in records if r["kind"] == "device.change"]
    assert changes[0].startswith("adb reverse tcp:") and changes[1:] == [
        "settings global http_proxy", "user CA store", "system CA store (tmpfs overlay)",
        "APEX CA store (init namespace)", "APEX CA store (zygote64 pid 4002 namespace)",
        "settings global private_dns_mode", "frida-server process", "screen recording file"]
    assert [(r["body"]["setting"], r["body"]["status"]) for r in records if r["kind"] == "device.restore"] == \
        [(change, "restored") for change in reversed(changes)]
    assert by_kind["device.attestation"] == 1 and by_kind["device.reattestation"] == 1
    [attestation] = [r["body"] for r in records if r["kind"] == "device.attestation"]
    assert attestation["fields"]["model"]["value"] == "Pixel 7"
    apk_sha256 = hashlib.sha256(apk).hexdigest()
    assert [(r["body"]["split"], r["artifact"]) for r in records if r["kind"] == "device.apk"] == \
        [("base.apk", apk_sha256)]
    [scan] = [r["body"] for r in records if r["kind"] == "static.scan"]
    assert (scan["package"], scan["sdks"], scan["apk_sha256"]) == (PACKAGE, ["AppsFlyer", "Pangle", "Sentry"],
                                                                   [apk_sha256])
    assert "static scan: SDKs AppsFlyer, Pangle, Sentry" in said

    # the app's traffic went through the capture to the test world: 12 requests with consent accepted (the
    # choice also goes to ByteDance's event beacon, log.snssdk.com; the paste is reported to Sentry; the sealed
    # registration goes to ib.snssdk.com; the in-app browser loads the merchant's page)
    assert by_kind["proxy.flow"] == 12 and len(upstream) == 12
    hosts_seen = sorted(r["body"]["request"]["host"] for r in records if r["kind"] == "proxy.flow")
    assert hosts_seen == ["api.example-reference.eu"] * 3 + ["cfg.kumo-analytics.jp", "ib.snssdk.com",
                          "launches.appsflyer.com", "log.byteoversea.com", "log.snssdk.com", "log.snssdk.com",
                          "mon.snssdk.com", "shop.example-merchant.de", "t.brightpixel-ads.com"]
    hook_events = [r["body"] for r in records if r["kind"] == "hook.event"]
    # as in tests/instrument/reference_expectations.py, but 9 connections: the proxy keeps the one to
    # api.example-reference.eu alive for the Sentry envelope and the login request
    assert collections.Counter(e["category"] for e in hook_events) == {
        "identifier": 16, "accounts": 3, "socket": 9, "request": 12, "clipboard": 6, "location": 8,
        "biometric_capture": 3, "biometric_auth": 1,      # request: one TLS write per HTTP request (issue #14)
        "camera": 2, "microphone": 2, "screen_capture": 2, "contacts": 1}    # issue #16's capture and honey reads
    assert by_kind["hook.malformed"] == by_kind["hook.error"] == 0
    # the canaries: recorded before the start, then returned by the hooks (the clipboard 5 times, the location 4
    # times: the SDK's NMEA sentence is built from it too)
    planted = [r["body"] for r in records if r["kind"] == "hook.planted"]
    assert planted[0] == {"phase": "configured", **PLANTS.describe()}
    assert collections.Counter(p["what"] for p in planted[1:]) == {"location.latitude": 4, "location.longitude": 4}
    assert [e["api"] for e in hook_events if (e.get("planted") or {}).get("value") == PLANTS.clipboard] == [
        "android.content.ClipboardManager.getPrimaryClip", "android.content.ClipData$Item.getText",
        "android.content.ClipboardManager.hasPrimaryClip", "android.content.ClipboardManager.getPrimaryClip",
        "android.content.ClipData$Item.coerceToText"]
    assert Case.open(case_dir).info["planted"] == PLANTS.describe()
    case = Case.open(case_dir)
    assert case.info["instrumentation"]["device"]["kind"] == "local"
    assert case.info["instrumentation"]["app_package"] == PACKAGE
    assert case.info["capture"]["sessions"][0]["world"] == str(world_file)

    # the operator's mark came before the app was told: everything AppsFlyer did is after it
    marks = [(r["kind"], r["body"]["text"]) for r in records if r["source"] == "operator"]
    assert marks == [("operator.consent_accepted", CONSENT_MARK)]
    mark_seq = next(r["seq"] for r in records if r["kind"] == "operator.consent_accepted")
    appsflyer = [r["seq"] for r in records if r["kind"] == "hook.event" and actor(r["body"])["sdk"] == "AppsFlyer"]
    assert len(appsflyer) == 6 and min(appsflyer) > mark_seq    # 5 API calls and the TLS write of its request

    steps = [(r["body"]["step"], r["body"]["status"]) for r in records if r["kind"] == "case.audit_step"]
    started_done = [(name, status) for name in (
        "attest the device", "pull and store the APKs", "start the capture", "prepare the device",
        "record the screen", "spawn the app under the hooks and plant canaries", "observe")
        for status in ("started", "done")]
    assert steps == started_done + [(name, "done") for name in (
        "stop the instrumentation", "stop the screen recording and store it", "restore the device",
        "stop the capture", "attest again and compare")]

    analysis = CliRunner().invoke(cli, ["analyze", str(case_dir), "--world", str(world_file), "--json"])
    assert analysis.exit_code == 0, analysis.output
    assert json.loads(analysis.output)["flows"] == 12
    findings = json.loads((case_dir / "analysis" / "findings.json").read_text())["findings"]
    clipboard = [(f["api"], f["before_consent"]) for f in findings
                 if f["type"] == "clipboard_read" and f["actor"]["package"] == "com.bytedance.sdk"]
    assert clipboard == [("android.content.ClipboardManager.getPrimaryClip", True),
                         ("android.content.ClipData$Item.getText", True),
                         ("android.content.ClipboardManager.addPrimaryClipChangedListener", True)]
    sent = [f["recipient"]["host"] for f in findings if f["type"] == "clipboard_transmitted"
            and f["actor"]["sdk"] == "Pangle"]
    assert sent == ["log.snssdk.com", "ib.snssdk.com"]     # the gzip registration, the AES-sealed one
