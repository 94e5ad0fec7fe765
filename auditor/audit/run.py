"""`auditor audit` and `auditor demo`: one audit from attestation to sealed case, leaving the phone as it was
found. The phone is a component (auditor/audit/components.py): the adb phone, or the demo's simulated one.

Steps, in order: case → attestation → APKs (pulled from the device, all splits, plus --apk) → static scan →
capture → device set-up (proxy or WireGuard, CA, private DNS off, frida-server) → in wireguard mode, a
bounded wait until the phone's traffic comes through the tunnel → screen recording → app spawned under
the hooks with canaries planted → observation (duration, 'q', Ctrl-C, or the app's end if the plan says so;
operator marks from the keyboard or `auditor mark`) → stop → device restored → case sealed. A step the
phone cannot do is recorded as not applicable, with the phone's reason.

Every step that changes something registers its undo before the next step starts. However the audit ends
— normally, by error, Ctrl-C, SIGTERM or SIGHUP — the undos run newest first, each isolated from the
others' failures, with further interrupts deferred until they are done. A SIGKILL or power loss cannot be
caught: the device journal then keeps what `auditor device restore --serial S` undoes later.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from auditor.audit.components import Components, Interception, NotApplicable
from auditor.audit.consent_flow import ConsentFlow
from auditor.audit.keyboard import HELP, KeyboardMarks
from auditor.audit.persona import Persona
from auditor.audit.plan import AuditPlan
from auditor.audit.progress import LedgerCounter, Progress
from auditor.capture.proxy import CaptureMode
from auditor.capture.wireguard import qr_text
from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger, utc_now
from auditor.case.seal import seal_case
from auditor.device.recording import check_package
from auditor.errors import CheckFailed, InputError

TICK_SECONDS = 5.0
# what only the phone's traffic makes the capture record: seen in wireguard mode, the tunnel is up
TUNNEL_KINDS = (Kind.PROXY_DNS, Kind.PROXY_FLOW, Kind.PROXY_TLS_FAILED, Kind.PROXY_NON_HTTP,
                Kind.PROXY_QUIC_BLOCKED, Kind.PROXY_ABORTED)
MAX_APK_BYTES = 1 << 30


class Interrupted(Exception):
    """SIGTERM or SIGHUP during an audit (Ctrl-C arrives as KeyboardInterrupt)."""


@dataclass
class AuditResult:
    case: Path
    reason: str                               # completed | interrupted | error: ...
    steps: list[dict[str, Any]] = field(default_factory=list)
    cleanup_problems: list[str] = field(default_factory=list)
    sealed: bool = False


@dataclass
class _SignalGuard:
    """One handler for SIGINT, SIGTERM and SIGHUP for the whole audit. Before the undo starts they end the
    audit (Ctrl-C as KeyboardInterrupt, the others as Interrupted); once `unwinding` is set they are only
    reported, so a second Ctrl-C cannot leave the phone half-restored."""

    say: Callable[[str], None]
    unwinding: bool = False

    def _handle(self, signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        if self.unwinding:
            self.say(f"{name} received: still restoring the device, please wait")
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            raise Interrupted(name)

    @contextlib.contextmanager
    def installed(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {s: signal.signal(s, self._handle) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
        try:
            yield
        finally:
            for number, old in previous.items():
                signal.signal(number, old)


class Audit:
    def __init__(self, plan: AuditPlan, components: Components, say: Callable[[str], None],
                 keyboard: TextIO | None = None):
        self.plan = plan
        self.components = components
        self.say = say
        self.keyboard = keyboard
        self.undo: list[tuple[str, Callable[[], None]]] = []
        self.case: Case | None = None
        self.ledger: Ledger | None = None
        self.interception: Interception | None = None
        self.result = AuditResult(plan.case_dir, "error")

    # -- the steps ---------------------------------------------------------------------------------
    def _steps(self) -> list[tuple[str, Callable[[], None]]]:
        c = self.components
        steps: list[tuple[str, Callable[[], None]]] = [
            ("attest the device", self._attest),
            ("pull and store the APKs", self._apks),
        ]
        if c.capture is not None:
            steps.append(("start the capture", self._capture))
        steps.append(("prepare the device", self._setup))
        if c.capture is not None and self.plan.proxy_mode == CaptureMode.WIREGUARD:
            steps.append(("wait for the phone's traffic through the WireGuard tunnel", self._tunnel))
        # the recording starts before the app, so its first screens (consent dialogs) are on it
        steps.append(("record the screen", self._screen))
        if c.instrumentation is not None:
            steps.append(("spawn the app under the hooks and plant canaries", self._instrument))
        if self.plan.persona_entry is not None or self.plan.consent is not None:
            steps.append(("establish the persona and answer the consent dialog", self._ui))
        steps.append(("observe", self._observe))
        return steps

    def run(self) -> AuditResult:
        check_package(self.plan.package)
        self.case = Case.create(self.plan.case_dir, operator=self.plan.operator, persona=self.plan.persona,
                                scenario=self.plan.scenario or f"live audit of {self.plan.package}",
                                command_line=self.plan.command_line, controller=self.plan.controller)
        self.ledger = self.case.ledger(fsync_interval=0)
        progress = Progress(self.say, LedgerCounter(self.case.ledger_path))
        steps = self._steps()
        guard = _SignalGuard(self.say)
        with guard.installed():
            try:
                for number, (name, action) in enumerate(steps, 1):
                    progress.step(number, len(steps), name)
                    self._record_step(name, "started")
                    try:
                        action()
                    except NotApplicable as exc:
                        self._not_applicable(name, exc)
                    else:
                        self._record_step(name, "done")
                self.result.reason = "completed"
            except KeyboardInterrupt:
                self.result.reason = "interrupted: Ctrl-C"
            except Interrupted as exc:
                self.result.reason = f"interrupted: {exc}"
            except (InputError, CheckFailed) as exc:
                self.result.reason = f"error: {exc}"
            except Exception as exc:  # noqa: BLE001 - any failure must still restore the device and seal the case
                self.result.reason = f"error: {type(exc).__name__}: {exc}"
                raise
            finally:
                guard.unwinding = True
                self.say(f"audit {self.result.reason}; stopping and restoring")
                self._unwind()
                self._finish()
        return self.result

    def _record_step(self, name: str, status: str, **details: str) -> None:
        assert self.ledger is not None
        self.result.steps.append({"step": name, "status": status, **details, "time": utc_now()})
        self.ledger.append("case", Kind.CASE_AUDIT_STEP, {"step": name, "status": status, **details})

    def _not_applicable(self, name: str, exc: NotApplicable) -> None:
        self.say(f"not applicable: {name}: {exc}")
        self._record_step(name, "not applicable", reason=str(exc))

    def _attest(self) -> None:
        assert self.case is not None and self.ledger is not None
        for warning in self.components.phone.attest(self.case, self.ledger):
            self.say(f"warning: {warning}")
        # runs last of all undos: proof that the device is back as it was
        self.undo.append(("attest again and compare", lambda: self.components.phone.reattest(self.ledger)))

    def _apks(self) -> None:
        assert self.case is not None and self.ledger is not None
        groups: list[list[Path]] = []      # each group is one app: the pulled base and splits; --apk
        try:
            pulled = self.components.phone.pull_apks(self.plan.package, self.case, self.ledger)
            groups.append(pulled)
            self.say(f"pulled {len(pulled)} APK file(s) of {self.plan.package} from the device")
        except NotApplicable as exc:
            if self.plan.apk is None:
                raise
            self._not_applicable("pull the APKs from the device", exc)
        except InputError as exc:
            if self.plan.apk is None:
                raise
            self.say(f"warning: {exc}; using --apk only")
        if self.plan.apk is not None:
            digest, size = self.case.artifacts.put_file(self.plan.apk, max_bytes=MAX_APK_BYTES)
            self.ledger.append("device", Kind.DEVICE_APK, {"package": self.plan.package, "device_path": None,
                                                         "file_name": self.plan.apk.name, "sha256": digest,
                                                         "size": size, "split": None}, artifact=digest)
            groups.append([self.case.artifacts.path_for(digest)])
        if self.components.scanner is None:
            return
        for files in groups:
            try:
                sdks = self.components.scanner.scan(self.case, files)
            except InputError as exc:
                # the files are stored and static.scan_failed says why; the live part is worth more than a scan
                # that `auditor apk scan` can redo later
                self.say(f"warning: static scan failed: {exc}")
            else:
                self.say(f"static scan: SDKs {', '.join(sdks) or 'none recognised'}")

    def _capture(self) -> None:
        assert self.components.capture is not None
        self.interception = self.components.capture.start()
        self.undo.append(("stop the capture", self.components.capture.stop))

    def _setup(self) -> None:
        assert self.case is not None and self.ledger is not None
        phone = self.components.phone
        # registered first: prepare() undoes its own partial work, restore() then finds nothing left
        self.undo.append(("restore the device", lambda: phone.restore(self.case, self.ledger)))  # type: ignore[arg-type]
        for note in phone.prepare(self.plan.package, self.interception, self.components.instrumentation is not None,
                                  self.case, self.ledger):
            self.say(f"note: {note}")

    def _tunnel(self) -> None:
        """The app starts only once the phone's traffic is seen coming through the tunnel: what it sent before
        the tunnel was up would pass uncaptured."""
        assert self.case is not None and self.interception is not None
        config = self.interception.wireguard_config
        assert config is not None
        self.say(f"waiting up to {self.plan.tunnel_wait:g} s for traffic through the tunnel; "
                 "the WireGuard app can also scan this code:")
        self.say(qr_text(config.read_text(encoding="ascii")))
        counter = LedgerCounter(self.case.ledger_path)
        deadline = time.monotonic() + self.plan.tunnel_wait
        while not any(counter.update()[kind] for kind in TUNNEL_KINDS):
            if time.monotonic() >= deadline:
                raise CheckFailed(f"no traffic came through the WireGuard tunnel within {self.plan.tunnel_wait:g} s "
                                  f"(is the tunnel switched on, and does the phone reach {self.plan.proxy_host}?)")
            time.sleep(0.2)
        self.say("the phone's traffic is coming through the tunnel")

    def _instrument(self) -> None:
        assert self.components.instrumentation is not None
        target = self.components.phone.app_target(self.plan.package, self.interception)
        self.undo.append(("stop the instrumentation", self.components.instrumentation.stop))
        self.components.instrumentation.start(self.plan.package, target)

    def _ui(self) -> None:
        assert self.case is not None and self.ledger is not None
        flow = ConsentFlow(self.components.phone.ui(self.case, self.ledger), self.case, self.ledger,
                           self.plan.package, self.say, self.plan.ui_wait, datetime.now(UTC).date())
        if self.plan.persona_entry is not None:
            flow.enter_persona(Persona(self.plan.persona), self.plan.persona_entry)
        if self.plan.consent is not None:
            flow.consent(self.plan.consent)

    def _screen(self) -> None:
        assert self.case is not None and self.ledger is not None
        phone = self.components.phone
        phone.start_recording(self.case, self.ledger)
        self.undo.append(("stop the screen recording and store it",
                          lambda: phone.stop_recording(self.case, self.ledger)))  # type: ignore[arg-type]

    def _observe(self) -> None:
        assert self.ledger is not None
        marks = None
        if self.keyboard is not None:
            marks = KeyboardMarks(self.keyboard, self.ledger)
            marks.start()
            self.say(HELP)
        progress = Progress(self.say, LedgerCounter(self.case.ledger_path))  # type: ignore[union-attr]
        deadline = None if self.plan.duration is None else time.monotonic() + self.plan.duration
        next_tick = time.monotonic() + TICK_SECONDS
        app = self.components.instrumentation if self.plan.until_app_ends else None
        while deadline is None or time.monotonic() < deadline:
            if marks is not None and marks.stop_requested.is_set():
                self.say("stop requested from the keyboard")
                return
            if app is not None and app.ended():
                self.say("the app has ended")
                return
            if time.monotonic() >= next_tick:
                progress.tick(self.plan.duration)
                next_tick += TICK_SECONDS
            time.sleep(0.05)

    # -- the end -----------------------------------------------------------------------------------
    def _unwind(self) -> None:
        while self.undo:
            name, action = self.undo.pop()
            self.say(f"… {name}")
            try:
                action()
                self._record_step(name, "done")
            except NotApplicable as exc:
                self._not_applicable(name, exc)
            except BaseException as exc:  # noqa: BLE001 - one failed undo must not stop the others
                problem = f"{name}: {type(exc).__name__}: {exc}"
                self.result.cleanup_problems.append(problem)
                self.say(f"problem: {problem}")
                self._record_step(name, "failed")

    def _finish(self) -> None:
        if self.case is None or self.ledger is None:
            return
        if self.plan.passive is not None:
            self._import_passive(self.case)
        ended = {"time": utc_now(), "reason": self.result.reason, "cleanup_problems": self.result.cleanup_problems,
                 "parts_not_run": self.components.missing()}
        self.case.set_section("ended", ended, ledger=self.ledger)
        self.ledger.close()
        if self.plan.seal:
            key, _created = keys.load_or_create(None)
            seal_case(self.case, key)
            self.result.sealed = True
            self.say(f"case sealed: {self.case.root}")

    def _import_passive(self, case: Case) -> None:
        """A passive audit's packets read with the app's keys into flows (`auditor import passive`) before the
        seal closes the case, which that command would refuse. The packets and keys are evidence either way; a
        read that fails is a problem of the audit's end, named in its `ended` section."""
        from auditor.importers.passive import import_passive

        self.say("… reading the passive capture with the app's keys")
        try:
            imported = import_passive(case.root)
        except Exception as exc:  # noqa: BLE001 - whatever the read meets, the case must still be sealed
            problem = f"import passive: {type(exc).__name__}: {exc}"
            self.result.cleanup_problems.append(problem)
            self.say(f"problem: {problem}")
            return
        self.say(f"passive capture read: {imported.flows_added} request(s) imported as flows")
