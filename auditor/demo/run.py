"""The reference audit, end to end, on this machine.

What runs is real, only the phone is not: the reference app (auditor/reference) is a JVM program built from
the same Java sources as the reference APK, spawned on the local Frida device under auditor's agent. Its
HTTPS goes through a real `auditor capture` session (mitmproxy, real TLS both ways) to TLS servers on
loopback addresses standing in for the world's hosts (auditor/reference/data/world.json). The capture
records in the case that a test world was in force, so a demo case can never pass for a real one.

Steps: case → upstream servers → capture → app under the hooks (the consent dialog is accepted as an
operator would: mark first, then answer) → capture stopped → reference APK scanned → seal → analysis (the
world as override table) → reports. Nothing leaves 127.0.0.0/8.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.analyze.run import analyze
from auditor.capture.proxy import Capture
from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.seal import seal_case
from auditor.device.attestation import fact
from auditor.errors import CheckFailed
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.planting import Plants
from auditor.instrument.session import Instrumentation, Target
from auditor.reference.assets import default_world, reference_apk
from auditor.reference.launcher import jvm_launch, write_device_state, write_hosts_file
from auditor.reference.upstream import UpstreamServers
from auditor.report.render import write_report
from auditor.static.store import store_apk_scan
from auditor.world import load_world

SCENARIO = ("auditor demo: the reference app (JVM build) under Frida hooks, its traffic through auditor capture "
            "to a loopback test world; the consent dialog is accepted, then a biometric login")
APP_PACKAGE = "com.example.reference"
APP_TIMEOUT = 120.0          # seconds for the whole app run; it normally takes a few
CONSENT_PROMPT = "AUDITOR-AWAIT consent"
# Planted through the hooks, so their transmission is recognisable: a canary on the clipboard and a position
# (The Hague) that differs from the simulated phone's own (Amsterdam), so each hit proves the hooks' planting.
PLANTS = Plants(clipboard="AUDITOR-CANARY-demo-clipboard-7f3a", location=(52.078663, 4.288788))
# The simulated phone's identity (the reference app's device state): what a real audit's attestation reads
# from the phone, here set by the demo itself.
DEVICE = {"android_id": "9a3c1f7e5b2d4e60", "advertising_id": "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b",
          "imei": "490154203237518", "serial": "R58N12ABCDE", "phone_number": "+31612345678",
          "account": "jan.jansen@example.nl"}
DEVICE_STATE_KEYS = {"phone_number": "line1_number", "account": "accounts"}


@dataclass
class DemoResult:
    case: Path
    reports: dict[str, Path]                       # format -> file
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


class _AppOutput:
    """The app's stdout as Frida relays it (on Frida's own thread, where no Frida call may be made: it would
    wait on itself). Lines are kept; the consent prompt is signalled to the thread that answers it."""

    def __init__(self) -> None:
        self.pid = 0
        self.lines: list[str] = []
        self._partial = ""
        self.consent_prompted = threading.Event()

    def on_output(self, pid: int, fd: int, data: bytes | None) -> None:
        # The app may print before start() has returned its pid: until then, only our spawn's output arrives
        # here (it is the one process this device spawned with piped stdio).
        if (self.pid and pid != self.pid) or fd != 1 or not data:
            return
        self._partial += data.decode("utf-8", errors="replace")
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.lines.append(line)
            if line.startswith(CONSENT_PROMPT):
                self.consent_prompted.set()


def run_demo(out: Path, lang: str = "en", say: Callable[[str], None] = print) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    world_file = default_world()
    world = load_world(world_file)
    case = Case.create(out / "case", persona="child", scenario=SCENARIO,
                       command_line=["auditor", "demo", "--out", str(out), "--lang", lang])
    result = DemoResult(case=case.root, reports={})
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        result.seconds[name] = round(now - clock, 2)
        clock = now

    with tempfile.TemporaryDirectory(prefix="auditor-demo-") as scratch_name:
        scratch = Path(scratch_name)
        with UpstreamServers(world, scratch / "upstream") as servers:
            capture = Capture(case.root, world=world_file, upstream_trusted_ca=servers.ca_pem,
                              confdir=str(scratch / "mitmproxy"), world_port=servers.port)
            capture.start()
            say(f"capture listening on {capture.listen_address[0]}:{capture.listen_address[1]}")
            try:
                result.counts["app"] = _run_app(case, capture, scratch, say)
            finally:
                result.counts["capture"] = capture.stop()
            result.counts["upstream_requests"] = len(servers.requests())
    lap("app and capture")
    scan = store_apk_scan(case, reference_apk())
    result.counts["sdks"] = [sdk["name"] for sdk in scan["sdks"]]
    lap("APK scan")
    key, _created = keys.load_or_create()
    seal_case(case, key)
    lap("seal")
    analysis = analyze(case.root, world=world_file)
    result.counts.update(flows=analysis.flows, findings=analysis.findings, verdicts=analysis.verdicts)
    lap("analysis")
    report = write_report(case.root, ("html", "pdf", "json", "csv"), lang, False, None, key)
    result.reports = {name.rpartition(".")[2]: report.directory / name for name in report.files
                      if name.startswith("report.")}
    lap("report")
    return result


def _run_app(case: Case, capture: Capture, scratch: Path, say: Callable[[str], None]) -> dict[str, Any]:
    """The reference app spawned under the agent; returns how it ended and the hook event counts."""
    hosts = write_hosts_file(load_world(default_world()), scratch / "hosts")
    state = {DEVICE_STATE_KEYS.get(key, key): value for key, value in DEVICE.items()}
    state["accounts"] += ":com.google"
    device_state = write_device_state(state, scratch / "device-state.properties")
    launch = jvm_launch(hosts_file=hosts, proxy=capture.listen_address, ca_pem=capture.ca_path, consent="stdin",
                        consent_timeout=int(APP_TIMEOUT), device_state=device_state)
    device = open_device(DeviceChoice("local"))
    output = _AppOutput()
    with case.ledger() as ledger:
        case.set_section("device", {
            "format": "auditor-simulated-device/1", "serial": None,
            "simulated": "the reference app's JVM stand-ins for Android (no phone); identifiers set by the demo",
            "fields": {name: fact(value, "set by auditor demo in the simulated phone's device state")
                       for name, value in sorted(DEVICE.items())}}, ledger)
        case.set_section("planted", PLANTS.describe(), ledger)
        ledger.append("hook", "hook.planted", {"phase": "configured", **PLANTS.describe()})
        device.on("output", output.on_output)
        instrumentation = Instrumentation(device, ledger, APP_PACKAGE, PLANTS)
        try:
            output.pid = pid = instrumentation.start(Target(spawn=tuple(launch.argv), stdio="pipe"))
            say(f"reference app running under the hooks (pid {pid})")
            deadline = time.monotonic() + APP_TIMEOUT
            while not output.consent_prompted.wait(0.1):
                if instrumentation.wait(pid, 0) or time.monotonic() > deadline:
                    raise CheckFailed("the reference app ended or stalled before its consent dialog; last output: "
                                      + " | ".join(output.lines[-3:]))
            # as an operator does it: the mark first, then the tap on "accept"
            ledger.append("operator", "operator.consent_accepted",
                          {"text": "demo: the consent dialog of the reference app is accepted"})
            device.input(pid, b"consent\n")
            if not instrumentation.wait(pid, max(deadline - time.monotonic(), 0)):
                raise CheckFailed(f"the reference app did not finish within {APP_TIMEOUT:g} s; last output: "
                                  + " | ".join(output.lines[-3:]))
            verdict = instrumentation.outcome(pid)
        finally:
            instrumentation.stop()      # safe to repeat; detaches whatever is still attached
            device.off("output", output.on_output)
    return {"pid": pid, "verdict": verdict, "hook_messages": dict(sorted(instrumentation.counts.items()))}
