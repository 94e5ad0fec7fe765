"""The reference audit, end to end, on this machine: the audit pipeline of `auditor audit` with the simulated
phone (auditor/demo/phone.py) in place of the adb phone, then analysis and reports.

What runs is real, only the phone is not: the reference app under auditor's agent, its HTTPS through the real
capture (mitmproxy, real TLS both ways) to loopback servers, the reference APK scanned, the case sealed. The
capture records in the case that a test world was in force, and the device section that the phone is
simulated, so a demo case can never pass for a real one. The audit's UI step enters the persona at the
app's age gate and accepts or refuses its consent dialog by tapping the simulated phone's screen (each
screen dumped and photographed into the case); with no choice, the dialog is photographed and the user then
leaves the app. The observation ends when the app has ended. The app's declarations (its Data safety form,
which says it shares nothing, and its policy's recipients) are recorded; then the case is analysed (the
world as override table) and reported. Nothing leaves 127.0.0.0/8.

Analysis and reports follow the audit here rather than inside it: an audit captures and seals raw evidence
only, and `auditor analyze` / `auditor report` run on any sealed case, again and again.
"""

from __future__ import annotations

import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.analyze.run import analyze
from auditor.audit.consent_dialog import Choice
from auditor.audit.persona import Entry, Persona
from auditor.audit.plan import AuditPlan
from auditor.audit.rooms import load
from auditor.audit.run import Audit
from auditor.case import keys
from auditor.case.events import Kind
from auditor.case.layout import LEDGER_FILE
from auditor.case.ledger_check import read_records
from auditor.contract.document import Bilingual
from auditor.declared.record import declare
from auditor.demo.phone import SimulatedPhone
from auditor.errors import CheckFailed
from auditor.instrument.planting import Plants
from auditor.reference.assets import reference_apk, reference_data_safety, reference_policy
from auditor.report.render import write_report

# The demo's scenario in both report languages (case.json records {"en", "nl"}; the report shows its own).
SCENARIO = Bilingual(
    en="auditor demo: the reference app (JVM build) under Frida hooks, its traffic through auditor capture to a "
       "loopback test world; the {persona} persona entered at the age gate, the consent dialog {choice}",
    nl="auditor demo: de referentie-app (JVM-versie) onder Frida-hooks, het verkeer via auditor capture naar een "
       "testwereld op loopback; de persona {persona} ingevoerd bij de leeftijdscontrole, de toestemmingsdialoog "
       "{choice}")
PERSONAS = {Persona.CHILD: ("child", "kind"), Persona.TEEN: ("teen", "tiener"), Persona.ADULT: ("adult", "volwassene")}
CHOICES = {Choice.ACCEPT: ("accepted, then a biometric login", "geaccepteerd, daarna een biometrische aanmelding"),
           Choice.REFUSE: ("refused, then a biometric login", "geweigerd, daarna een biometrische aanmelding"),
           Choice.NONE: ("left unanswered (the user leaves the app)",
                         "onbeantwoord gelaten (de gebruiker verlaat de app)")}
APP_PACKAGE = "com.example.reference"
# The reference app's publisher, as `auditor case new --controller` would record it.
CONTROLLER = {"name": "Example Reference B.V.", "domains": ["example-reference.eu"],
              "source": "auditor/reference/data/world.json"}
APP_TIMEOUT = 120.0          # seconds for the whole app run; it normally takes a few
UI_WAIT = 30.0               # seconds for the age gate and the dialog to show
# Planted through the hooks, so their transmission is recognisable: a canary on the clipboard and a position
# (The Hague) that differs from the simulated phone's own (Amsterdam), so each hit proves the hooks' planting.
PLANTS = Plants(clipboard="AUDITOR-CANARY-demo-clipboard-7f3a", location=(52.078663, 4.288788))
# The simulated phone's identity (the reference app's device state): what a real audit's attestation reads
# from the phone, here set by the demo itself.
DEVICE = {"android_id": "9a3c1f7e5b2d4e60", "advertising_id": "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b",
          "imei": "490154203237518", "serial": "R58N12ABCDE", "phone_number": "+31612345678",
          "account": "jan.jansen@example.nl", "device_name": "Pixel van Jan"}


def scenario(persona: Persona, consent: Choice) -> dict[str, str]:
    (who_en, who_nl), (choice_en, choice_nl) = PERSONAS[persona], CHOICES[consent]
    return {"en": SCENARIO.en.format(persona=who_en, choice=choice_en),
            "nl": SCENARIO.nl.format(persona=who_nl, choice=choice_nl)}


@dataclass
class DemoResult:
    case: Path
    reports: dict[str, Path]                       # format -> file
    seconds: dict[str, float] = field(default_factory=dict)
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Leaver:
    """With no consent choice: once the dialog has been photographed, the user leaves the app (its "leave")."""

    phone: SimulatedPhone
    problem: str | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._leave, name="demo-user", daemon=True)
        self._thread.start()

    def finish(self) -> None:
        self._done.set()
        if self._thread is not None:
            self._thread.join(10)

    def _leave(self) -> None:
        while not self.phone.display.dialog_shown.wait(0.05):
            if self._done.is_set():
                self.problem = "the reference app ended or stalled before its consent dialog was photographed"
                return
        try:
            self.phone.answer("leave")
        except Exception as exc:  # noqa: BLE001 - reported once the audit has ended
            self.problem = f"the app could not be left: {type(exc).__name__}: {exc}"


def run_demo(out: Path, lang: str = "en", say: Callable[[str], None] = print, persona: Persona = Persona.CHILD,
             consent: Choice = Choice.ACCEPT) -> DemoResult:
    out.mkdir(parents=True, exist_ok=True)
    case_dir = out / "case"
    result = DemoResult(case=case_dir, reports={})
    clock = time.monotonic()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.monotonic()
        result.seconds[name] = round(now - clock, 2)
        clock = now

    with tempfile.TemporaryDirectory(prefix="auditor-demo-") as scratch_name, \
            SimulatedPhone(DEVICE, Path(scratch_name), APP_TIMEOUT) as phone:
        plan = AuditPlan(serial=None, package=APP_PACKAGE, case_dir=case_dir, apk=reference_apk(),
                         persona=str(persona), persona_entry=Entry.SCRIPTED, consent=consent, ui_wait=UI_WAIT,
                         scenario=scenario(persona, consent), controller=CONTROLLER,
                         duration=APP_TIMEOUT, until_app_ends=True, plants=PLANTS,
                         capture_confdir=str(Path(scratch_name) / "mitmproxy"), world=phone.loopback_world,
                         command_line=["auditor", "demo", "--out", str(out), "--lang", lang, "--persona",
                                       str(persona), "--consent", str(consent)])
        user = _Leaver(phone) if consent == Choice.NONE else None
        if user is not None:
            user.start()
        try:
            audited = Audit(plan, load(plan, "127.0.0.1", phone), say).run()
        finally:
            if user is not None:
                user.finish()
        assert phone.servers is not None
        result.counts["upstream_requests"] = len(phone.servers.requests())
        last_output = " | ".join(phone.screen.lines[-3:])
    problem = user.problem if user is not None else None
    if audited.reason != "completed" or problem:
        raise CheckFailed(f"the demo's audit ended: {problem or audited.reason}; the reference app's "
                          f"last output: {last_output}; the case holds what was recorded: {case_dir}")
    result.counts.update(_recorded(case_dir))
    lap("audit")
    declared = declare(case_dir, reference_data_safety(), reference_policy())
    result.counts["declared_seq"] = declared["seq"]
    analysis = analyze(case_dir, world=phone.world_file)
    result.counts.update(flows=analysis.flows, findings=analysis.findings, verdicts=analysis.verdicts)
    lap("analysis")
    key, _created = keys.load_or_create()
    report = write_report(case_dir, ("html", "pdf", "json", "csv"), lang, False, None, key)
    result.reports = {name.rpartition(".")[2]: report.directory / name for name in report.files
                      if name.startswith("report.")}
    lap("report")
    return result


def _recorded(case_dir: Path) -> dict[str, Any]:
    """What the sealed case says of the app's run, the capture and the scan (what the report will cite)."""
    app: dict[str, Any] = {}
    hook_messages: Counter[str] = Counter()
    counts: dict[str, Any] = {}
    for record in read_records(case_dir / LEDGER_FILE):
        kind, body = record["kind"], record["body"]
        if record["source"] == "hook" and body.get("phase") != "configured":
            hook_messages[kind] += 1
        if kind == Kind.HOOK_SESSION and body["event"] == "detached":
            app = {"pid": body["pid"], "verdict": body["verdict"]}
        elif kind == Kind.PROXY_STOPPED:
            counts["capture"] = body
        elif kind == Kind.STATIC_SCAN:
            counts["sdks"] = body["sdks"]
    if app.get("verdict") != "exited(0)":
        raise CheckFailed(f"the reference app did not end normally: {app.get('verdict', 'no end recorded')}; "
                          f"case {case_dir}")
    counts["app"] = {**app, "hook_messages": dict(sorted(hook_messages.items()))}
    return counts
