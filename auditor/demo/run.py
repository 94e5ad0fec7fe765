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
from auditor.case.ledger import Ledger
from auditor.case.seal import seal_case
from auditor.errors import CheckFailed
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.planting import Plants
from auditor.instrument.session import Instrumentation, Target
from auditor.reference.assets import default_world, reference_apk
from auditor.reference.launcher import jvm_launch, write_hosts_file
from auditor.reference.upstream import UpstreamServers
from auditor.reference.world import load_world
from auditor.report.render import write_report
from auditor.static.store import store_apk_scan

SCENARIO = ("auditor demo: the reference app (JVM build) under Frida hooks, its traffic through auditor capture "
            "to a loopback test world; the consent dialog is accepted, then a biometric login")
APP_PACKAGE = "com.example.reference"
APP_TIMEOUT = 120.0          # seconds for the whole app run; it normally takes a few
CONSENT_PROMPT = "AUDITOR-AWAIT consent"
# Planted through the hooks, so their transmission is recognisable (a child's position in Amsterdam).
PLANTS = Plants(clipboard="AUDITOR-CANARY-demo-clipboard-7f3a", location=(52.370216, 4.895168))


@dataclass
class DemoResult:
    case: Path
    reports: dict[str, Path]                       # format -> file
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


class _ConsentingOperator:
    """Reads the app's stdout as Frida relays it; at the consent dialog it records the operator mark, then
    answers — the same order a human operator follows with `auditor mark` on a phone."""

    def __init__(self, device: Any, ledger: Ledger):
        self.device = device
        self.ledger = ledger
        self.pid = 0
        self.output: list[str] = []
        self._partial = ""
        self.answered = threading.Event()

    def on_output(self, pid: int, fd: int, data: bytes | None) -> None:
        if pid != self.pid or fd != 1 or not data:
            return
        self._partial += data.decode("utf-8", errors="replace")
        *lines, self._partial = self._partial.split("\n")
        for line in lines:
            self.output.append(line)
            if line.startswith(CONSENT_PROMPT) and not self.answered.is_set():
                self.ledger.append("operator", "operator.consent_accepted",
                                   {"text": "demo: the consent dialog of the reference app is accepted"})
                self.device.input(pid, b"consent\n")
                self.answered.set()


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
    launch = jvm_launch(hosts_file=hosts, proxy=capture.listen_address, ca_pem=capture.ca_path, consent="stdin",
                        consent_timeout=int(APP_TIMEOUT))
    device = open_device(DeviceChoice("local"))
    with case.ledger() as ledger:
        case.set_section("planted", PLANTS.describe(), ledger)
        ledger.append("hook", "hook.planted", {"phase": "configured", **PLANTS.describe()})
        operator = _ConsentingOperator(device, ledger)
        device.on("output", operator.on_output)
        instrumentation = Instrumentation(device, ledger, APP_PACKAGE, PLANTS)
        try:
            operator.pid = pid = instrumentation.start(Target(spawn=tuple(launch.argv), stdio="pipe"))
            say(f"reference app running under the hooks (pid {pid})")
            ended = instrumentation.wait(pid, APP_TIMEOUT)
            if not ended:
                instrumentation.stop()
                raise CheckFailed(f"the reference app did not finish within {APP_TIMEOUT:g} s; last output: "
                                  + " | ".join(operator.output[-3:]))
            verdict = instrumentation.outcome(pid)
        finally:
            device.off("output", operator.on_output)
    if not operator.answered.is_set():
        raise CheckFailed("the reference app never showed its consent dialog")
    return {"pid": pid, "verdict": verdict, "hook_messages": dict(sorted(instrumentation.counts.items()))}
