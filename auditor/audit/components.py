"""What `auditor audit` needs from the phone and from the other rooms, as small interfaces.

The orchestration (auditor/audit/run.py) only knows these. The phone is one of two: the adb phone
(auditor/audit/adb_phone.py) or the simulated one of `auditor demo` (auditor/demo/phone.py); the capture,
instrumentation and static scan are built in auditor/audit/rooms.py. A library caller may leave one of the
three rooms out (None): the case then records it in `ended.parts_not_run`, so an audit without capture or
hooks can never look complete. The phone cannot be left out; what a phone cannot do, it says
(NotApplicable), and the case records the step as not applicable with that reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.device.ui import Capture, ConsentStore
from auditor.instrument.devices import DeviceChoice


class NotApplicable(Exception):
    """A step this phone cannot do (a simulated phone has no screen to record); the message says why."""


@dataclass(frozen=True)
class Interception:
    """How the phone reaches the running capture."""

    ca_certificate: Path                  # the CA the phone must trust
    proxy_port: int | None = None         # regular mode: the proxy's port on the host
    wireguard_config: Path | None = None  # wireguard mode: the client configuration to hand over


@dataclass(frozen=True)
class AppTarget:
    """What the instrumentation spawns under the hooks, and on which Frida device."""

    device: DeviceChoice
    spawn: tuple[str, ...]                # (package,) on Android; an argv on a device without Android
    stdio: str = "inherit"                # "pipe": the program's output is read and answered (frida's signal)


class PhoneScreen(Protocol):
    """The phone's screen: what is on it (stored in the case), and a finger and keyboard on it."""

    def dump(self, step: str, case: Case, ledger: Ledger) -> Capture: ...
    def screenshot(self, step: str, case: Case, ledger: Ledger) -> Capture: ...
    def tap(self, step: str, x: int, y: int, ledger: Ledger) -> None: ...
    def type_text(self, step: str, text: str, ledger: Ledger) -> None: ...

    def consent_store(self, package: str) -> ConsentStore:
        """The consent state the app stored, or why it cannot be read."""


class Phone(Protocol):
    """The device under audit. Every method that changes the device has its undo here too."""

    def attest(self, case: Case, ledger: Ledger) -> list[str]:
        """Record what the device is into the case; returns warnings for the operator."""

    def reattest(self, ledger: Ledger) -> None:
        """Attest again and record the comparison; CheckFailed when the device differs from before."""

    def pull_apks(self, package: str, case: Case, ledger: Ledger) -> list[Path]:
        """Store the package's installed APK files (base and splits) in the case; their paths there."""

    def prepare(self, package: str, interception: Interception | None, frida: bool, case: Case,
                ledger: Ledger) -> list[str]:
        """Route the device's traffic into the capture, trust its CA, get Frida ready, stop the app (it
        starts fresh under the hooks); returns notes for the operator."""

    def restore(self, case: Case, ledger: Ledger) -> None:
        """Undo what prepare() changed; CheckFailed naming what could not be restored."""

    def start_recording(self, case: Case, ledger: Ledger) -> None: ...

    def stop_recording(self, case: Case, ledger: Ledger) -> None:
        """Stop the screen recording and store it in the case."""

    def app_target(self, package: str, interception: Interception | None) -> AppTarget: ...

    def ui(self, case: Case, ledger: Ledger) -> PhoneScreen:
        """The screen, once prepare() ran (its captures are journaled device files)."""


class LiveCapture(Protocol):
    """The capture room's proxy, recording into the case; or its passive packet capture, which intercepts
    nothing (start returns None: there is nothing to route the phone into)."""

    def start(self) -> Interception | None: ...
    def stop(self) -> None: ...


class AppInstrumentation(Protocol):
    """The instrument room: spawn the app under the hooks with canaries planted; stop unhooks and detaches
    (always safe to call, also when start failed or never ran)."""

    def start(self, package: str, target: AppTarget) -> None: ...
    def ended(self) -> bool: ...
    def stop(self) -> None: ...


class ApkScanner(Protocol):
    """The static room: inventory the APK files (all splits) into the case; returns the SDKs found."""

    def scan(self, case: Case, apks: list[Path]) -> list[str]: ...


@dataclass
class Components:
    phone: Phone
    capture: LiveCapture | None
    instrumentation: AppInstrumentation | None
    scanner: ApkScanner | None

    def missing(self) -> list[str]:
        return [name for name, part in (("capture (auditor.capture)", self.capture),
                                        ("instrumentation (auditor.instrument)", self.instrumentation),
                                        ("static scan (auditor.static)", self.scanner)) if part is None]
