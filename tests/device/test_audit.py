"""`auditor audit`'s device side for real: attestation, APK pull, set-up, screen recording, marks, restore,
seal — and the undo after Ctrl-C, SIGTERM and SIGKILL. Most tests here leave capture, hooks and static scan
out (not faked; the case records that they did not run); the CLI test runs them, and test_audit_live.py runs
a whole audit with all of them."""

from __future__ import annotations

import hashlib
import io
import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import frida
import pytest
from click.testing import CliRunner

from auditor.audit.adb_phone import AdbPhone
from auditor.audit.components import Components
from auditor.audit.rooms import load
from auditor.audit.run import Audit, AuditPlan
from auditor.case.bundle import Case
from auditor.case.events import OPERATOR_MARKS, Kind
from auditor.case.ledger_check import read_records
from auditor.case.seal import verify_case
from auditor.cli import cli
from auditor.device.journal import journal_path
from auditor.errors import InputError

CHILD = Path(__file__).with_name("audit_child.py")
PACKAGE = "com.example.privacyfixture"


def only_the_phone(plan: AuditPlan) -> Components:
    return Components(AdbPhone.for_plan(plan), None, None, None)


def kinds(case_dir: Path) -> list[str]:
    return [r["kind"] for r in read_records(case_dir / "ledger.jsonl")]


def test_device_side_audit_end_to_end(adb_env, scripted, tmp_path):
    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = fake.snapshot()
    said: list[str] = []
    plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=tmp_path / "case", duration=1.0,
                     persona="child")
    keyboard = io.StringIO("a\nn banner shown twice\nr changed my mind\n")
    result = Audit(plan, only_the_phone(plan), said.append, keyboard=keyboard).run()
    assert result.reason == "completed" and result.sealed and result.cleanup_problems == []
    assert fake.snapshot() == before
    assert not journal_path(fake.serial).exists()
    assert said[:3] == ["[1/5] attest the device", "warning: private DNS is hostname: DNS-over-TLS hides host "
                        "name look-ups from the audit; 'auditor device setup' turns it off",
                        "warning: a global proxy is already set (10.0.0.2:3128)"]
    assert "[5/5] observe" in said and said[-1] == f"case sealed: {plan.case_dir}"

    case = Case.open(plan.case_dir)
    assert case.info["device"]["fields"]["model"]["value"] == "Pixel 7"
    assert case.info["ended"]["reason"] == "completed"
    assert case.info["ended"]["parts_not_run"] == ["capture (auditor.capture)", "instrumentation (auditor.instrument)",
                                                   "static scan (auditor.static)"]
    records = list(read_records(case.ledger_path))
    # every kind the audit wrote is one events.py defines (the ledger refuses others)
    assert sorted({r["kind"] for r in records}) == sorted(str(kind) for kind in (
        Kind.CASE_CREATED, Kind.CASE_UPDATED, Kind.CASE_AUDIT_STEP, Kind.CASE_SEALING, Kind.DEVICE_ATTESTATION,
        Kind.DEVICE_DUMP, Kind.DEVICE_APK, Kind.DEVICE_CHANGE, Kind.DEVICE_SCREENRECORD, Kind.DEVICE_RESTORE,
        Kind.DEVICE_REATTESTATION, *OPERATOR_MARKS))
    apks = [r for r in records if r["kind"] == "device.apk"]
    assert [(r["body"]["split"], r["artifact"]) for r in apks] == [
        ("base.apk", hashlib.sha256(scripted.APK_BASE).hexdigest()),
        ("split_config.arm64_v8a.apk", hashlib.sha256(scripted.APK_SPLIT).hexdigest())]
    assert case.artifacts.read_bytes(apks[0]["artifact"], 1000) == scripted.APK_BASE
    marks = [(r["kind"], r["body"]["text"]) for r in records if r["source"] == "operator"]
    assert marks == [("operator.consent_accepted", ""), ("operator.note", "banner shown twice"),
                     ("operator.consent_refused", "changed my mind")]
    changes = [r["body"]["setting"] for r in records if r["kind"] == "device.change"]
    assert changes == ["settings global private_dns_mode", "screen recording file"]
    restores = [(r["body"]["setting"], r["body"]["status"], r["body"]["note"])
                for r in records if r["kind"] == "device.restore"]
    assert restores == [("screen recording file", "restored", "pulled into the case and removed from the device"),
                        ("settings global private_dns_mode", "restored",
                         "private_dns_mode back to 'hostname', verified by reading it")]
    recordings = [r for r in records if r["kind"] == "device.screenrecord"]
    assert len(recordings) == 1
    assert case.artifacts.read_bytes(recordings[0]["artifact"], 1000).startswith(b"\x00\x00\x00\x18ftypmp42fake")
    steps = [(r["body"]["step"], r["body"]["status"]) for r in records if r["kind"] == "case.audit_step"]
    assert steps == [("attest the device", "started"), ("attest the device", "done"),
                     ("pull and store the APKs", "started"), ("pull and store the APKs", "done"),
                     ("prepare the device", "started"), ("prepare the device", "done"),
                     ("record the screen", "started"), ("record the screen", "done"),
                     ("observe", "started"), ("observe", "done"),
                     ("stop the screen recording and store it", "done"), ("restore the device", "done"),
                     ("attest again and compare", "done")]
    reattestation = [r["body"] for r in records if r["kind"] == "device.reattestation"]
    assert len(reattestation) == 1 and reattestation[0]["differences"] == []
    assert reattestation[0]["record"]["fields"]["private_dns_mode"]["value"] == "hostname"
    verification = verify_case(case.root)
    assert verification.ok, verification


def test_keyboard_q_stops_early(adb_env, scripted, tmp_path):
    fake = scripted.android11_plain()
    adb_env(fake)
    started = time.monotonic()
    plan = AuditPlan(serial=fake.serial, package=PACKAGE, case_dir=tmp_path / "case", duration=60)
    result = Audit(plan, only_the_phone(plan), lambda _: None, keyboard=io.StringIO("n one\nq\n")).run()
    assert result.reason == "completed" and time.monotonic() - started < 15
    assert "operator.note" in kinds(plan.case_dir)


def test_missing_package_is_an_error_and_the_case_still_ends(adb_env, scripted, tmp_path):
    fake = scripted.android11_plain()
    adb_env(fake)
    before = fake.snapshot()
    plan = AuditPlan(serial=fake.serial, package="com.example.absent", case_dir=tmp_path / "case", duration=1)
    result = Audit(plan, only_the_phone(plan), lambda _: None).run()
    assert result.reason == f"error: device {fake.serial}: package com.example.absent is not installed"
    assert result.sealed and fake.snapshot() == before
    assert Case.open(plan.case_dir).info["ended"]["reason"] == result.reason


def test_cli_runs_every_room_and_ends_early_without_frida_server(adb_env, scripted, tmp_path):
    """The CLI wires in the real capture, scanner and instrumentation. This phone has no frida-server and no
    root, so the set-up fails before the app is spawned: the capture and the scan have run, the phone is
    restored, the case is sealed, and the exit status says the audit did not complete."""
    fake = scripted.android11_plain()
    adb_env(fake)
    before = fake.snapshot()
    case_dir = tmp_path / "case"
    result = CliRunner().invoke(cli, ["audit", "--serial", fake.serial, "--package", PACKAGE, "--case", str(case_dir),
                                      "--duration", "1", "--confdir", str(tmp_path / "mitmproxy"), "--json",
                                      "--controller", "Example B.V.", "--controller-source", "store listing",
                                      "--controller-domain", "Example.COM."])
    assert result.exit_code == 1, result.output
    reason = (f"error: no frida-server on the device; pass --frida-server FILE (the build for frida "
              f"{frida.__version__} and the device's ABI)")
    assert f"failed: the audit ended early ({reason}); the case holds what was recorded" in result.output
    assert "warning: static scan failed: " in result.output
    assert fake.snapshot() == before
    case = Case.open(case_dir)
    assert case.sealed and case.info["ended"]["reason"] == reason and case.info["ended"]["parts_not_run"] == []
    # the controller as `case new --controller` records it
    assert case.info["controller"] == {"name": "Example B.V.", "source": "store listing", "domains": ["example.com"]}
    case_kinds = kinds(case_dir)
    assert case_kinds.count("device.apk") == 2 and case_kinds.count("static.apk") == 2
    assert "static.scan_failed" in case_kinds and "static.scan" not in case_kinds
    assert case_kinds.count("proxy.stopped") == 1 and "hook.session" not in case_kinds
    steps = [(r["body"]["step"], r["body"]["status"]) for r in read_records(case.ledger_path)
             if r["kind"] == "case.audit_step"]
    assert steps[-6:] == [("start the capture", "started"), ("start the capture", "done"),
                          ("prepare the device", "started"), ("restore the device", "done"),
                          ("stop the capture", "done"), ("attest again and compare", "done")]
    assert verify_case(case_dir).ok


def _start_child(fake, case_dir: Path) -> subprocess.Popen:
    child = subprocess.Popen([sys.executable, str(CHILD), fake.serial, str(case_dir), "120"], env=dict(os.environ),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    seen = ""
    while "[5/5] observe" not in seen:
        assert time.monotonic() < deadline and child.poll() is None, seen
        if select.select([child.stderr], [], [], 0.5)[0]:
            seen += child.stderr.readline()
    while "screenrecord" not in fake.processes.values():     # the recording starts on its own thread
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return child


@pytest.mark.parametrize("signum, reason", [(signal.SIGINT, "interrupted: Ctrl-C"),
                                            (signal.SIGTERM, "interrupted: SIGTERM")])
def test_interrupted_audit_restores_and_seals(adb_env, scripted, tmp_path, signum, reason):
    fake = scripted.android16_rooted_aosp(frida="17.26.0")
    adb_env(fake)
    before = fake.snapshot()
    child = _start_child(fake, tmp_path / "case")
    assert fake.settings["global"]["private_dns_mode"] == "off"
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert json.loads(out) == {"reason": reason, "sealed": True, "problems": []}
    assert fake.snapshot() == before
    case_kinds = kinds(tmp_path / "case")
    assert case_kinds.count("device.restore") == 2 and case_kinds.count("device.screenrecord") == 1
    assert verify_case(tmp_path / "case").ok


@pytest.mark.parametrize("journal_lost", [False, True])
def test_killed_audit_is_restored_later(adb_env, scripted, tmp_path, journal_lost):
    """From the state directory's journal, or — when that is gone — from the case's ledger."""
    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = fake.snapshot()
    child = _start_child(fake, tmp_path / "case")
    child.kill()                                   # SIGKILL: nothing in the audit can run
    child.communicate(timeout=30)
    deadline = time.monotonic() + 10               # adbd hangs up the orphaned screenrecord
    while "screenrecord" in fake.processes.values() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.snapshot() != before
    assert fake.settings["global"]["private_dns_mode"] == "off"
    if journal_lost:
        journal_path(fake.serial).unlink()
    result = CliRunner().invoke(cli, ["device", "restore", "--serial", fake.serial, "--case",
                                      str(tmp_path / "case"), "--json"])
    assert result.exit_code == 0, result.output
    restored = json.loads(result.output)["restored"]
    assert [c["setting"] for c in restored] == ["screen recording file", "settings global private_dns_mode"]
    assert fake.snapshot() == before
    # the crashed case's ledger is intact; restore saved the orphaned recording into it before removing it
    assert kinds(tmp_path / "case")[-3:] == ["device.screenrecord", "device.restore", "device.restore"]
    recovered = [r for r in read_records(tmp_path / "case" / "ledger.jsonl") if r["kind"] == "device.screenrecord"]
    assert recovered[0]["body"]["recovered_by_restore"] is True
    case = Case.open(tmp_path / "case")
    assert case.artifacts.read_bytes(recovered[0]["artifact"], 1000).startswith(b"\x00\x00\x00\x18ftypmp42fake")
    assert restored[0]["restore_note"] == (f"removed {recovered[0]['body']['device_path']} after saving it into the "
                                           f"case (sha256 {recovered[0]['artifact']})")


def test_progress_counts_what_the_ledger_holds(tmp_path):
    from auditor.audit.progress import LedgerCounter, Progress

    case = Case.create(tmp_path / "case")
    lines: list[str] = []
    progress = Progress(lines.append, LedgerCounter(case.ledger_path))
    with case.ledger(fsync_interval=0) as ledger:
        for _ in range(3):
            ledger.append("proxy", "proxy.flow", {})
        ledger.append("hook", "hook.event", {})
        ledger.append("operator", "operator.note", {"text": "x"})
        progress.tick(60)
        ledger.append("proxy", "proxy.tls_failed", {})
    progress.tick(None)
    assert lines == ["00:00/01:00 | 3 flows | 0 TLS failures | 1 hook events | 0 recordings | 1 marks",
                     "00:00 | 3 flows | 1 TLS failures | 1 hook events | 0 recordings | 1 marks"]


def test_second_ctrl_c_during_restore_is_deferred(adb_env, scripted, tmp_path):
    fake = scripted.android14_rooted_kernelsu()
    adb_env(fake)
    before = fake.snapshot()
    child = _start_child(fake, tmp_path / "case")
    fake.slow["settings put global private_dns_mode"] = 1.5      # restoring takes a while
    child.send_signal(signal.SIGINT)
    line = ""
    deadline = time.monotonic() + 30
    while "stopping and restoring" not in line:
        assert time.monotonic() < deadline
        line = child.stderr.readline()
    child.send_signal(signal.SIGINT)                # impatient operator
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert "SIGINT received: still restoring the device, please wait" in err
    assert json.loads(out)["reason"] == "interrupted: Ctrl-C"
    assert fake.snapshot() == before


def test_controller_details_need_the_controller(tmp_path):
    result = CliRunner().invoke(cli, ["audit", "--serial", "x", "--package", PACKAGE, "--case", str(tmp_path / "c"),
                                      "--controller-domain", "example.com"])
    assert result.exit_code == 2 and "--controller-source and --controller-domain need --controller" in result.output
    assert not (tmp_path / "c").exists()


def test_an_audit_over_adb_needs_a_serial(tmp_path):
    plan = AuditPlan(serial=None, package=PACKAGE, case_dir=tmp_path / "case")
    with pytest.raises(InputError) as raised:
        load(plan, "127.0.0.1")
    assert str(raised.value) == "--serial: an audit over adb needs the device's serial"
    assert not plan.case_dir.exists()
