"""The phone over adb as the audit's Phone: attestation, APK pull, set-up (proxy or WireGuard, CA, private DNS
off, frida-server) and its restore, screen recording, and the package spawned under the hooks on the phone's
Frida device (or, in tests, a stand-in program on another Frida device: AuditPlan.stand_in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.audit.components import AppTarget, Interception
from auditor.audit.plan import AuditPlan, StandIn
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.device.adb import Phone
from auditor.device.attestation import attest, differences
from auditor.device.recording import ScreenRecorder, pull_apks
from auditor.device.session import SetupRequest, prepare, record_attestation, restore
from auditor.device.setup import DeviceChanges
from auditor.device.ui import AdbScreen
from auditor.errors import CheckFailed, InputError
from auditor.instrument.devices import DeviceChoice


@dataclass
class AdbPhone:
    serial: str
    proxy_host: str | None = None           # the host as the phone sees it; None: adb reverse to 127.0.0.1
    frida_server: Path | None = None
    frida_device: DeviceChoice | None = None  # None: the phone itself, over USB (Frida's id is the adb serial)
    stand_in: StandIn | None = None         # TEST ONLY
    _phone: Phone | None = field(default=None, init=False)
    _attestation: dict[str, Any] = field(default_factory=dict, init=False)
    _changes: DeviceChanges | None = field(default=None, init=False)
    _recorder: ScreenRecorder | None = field(default=None, init=False)

    @classmethod
    def for_plan(cls, plan: AuditPlan) -> AdbPhone:
        if plan.serial is None:
            raise InputError("--serial", "an audit over adb needs the device's serial")
        return cls(plan.serial, plan.proxy_host, plan.frida_server, plan.frida_device, plan.stand_in)

    @property
    def phone(self) -> Phone:
        assert self._phone is not None, "attest() connects first"
        return self._phone

    def attest(self, case: Case, ledger: Ledger) -> list[str]:
        self._phone = Phone.connect(self.serial)
        self._attestation = record_attestation(self._phone, case, ledger)
        return list(self._attestation["warnings"])

    def reattest(self, ledger: Ledger) -> None:
        after = attest(self.phone)
        changed = differences(self._attestation, after)
        ledger.append("device", Kind.DEVICE_REATTESTATION, {"record": after, "differences": changed})
        if changed:
            raise CheckFailed("device differs from its attestation before the audit: " + "; ".join(changed))

    def pull_apks(self, package: str, case: Case, ledger: Ledger) -> list[Path]:
        return [case.artifacts.path_for(str(entry["sha256"])) for entry in pull_apks(self.phone, package, case, ledger)]

    def prepare(self, package: str, interception: Interception | None, frida: bool, case: Case,
                ledger: Ledger) -> list[str]:
        request = SetupRequest(
            proxy=(f"{self.proxy_host or '127.0.0.1'}:{interception.proxy_port}"
                   if interception and interception.proxy_port else None),
            reverse_port=interception.proxy_port if interception and not self.proxy_host else None,
            wireguard=interception.wireguard_config if interception else None,
            ca=interception.ca_certificate if interception else None,
            frida_server=self.frida_server, frida=frida)
        sdk = case.info["device"]["fields"]["sdk_level"]["value"] or 0
        self._changes = prepare(self.phone, request, ledger, case, sdk)
        # apps already running keep their old CA view: the app starts fresh under the hooks
        self.phone.run(["am", "force-stop", package])
        return list(self._changes.notes)

    def restore(self, case: Case, ledger: Ledger) -> None:
        _, failed = restore(self.phone, ledger, case)
        if failed:
            raise CheckFailed("not restored: " + "; ".join(f"{c.setting} ({c.restore_note})" for c in failed))

    def start_recording(self, case: Case, ledger: Ledger) -> None:
        assert self._changes is not None, "prepare() comes first"
        # the set-up's journal and ledger, so both write one consistent journal file
        self._recorder = ScreenRecorder(self.phone, self._changes, tag=case.id[:8])
        self._recorder.start()

    def stop_recording(self, case: Case, ledger: Ledger) -> None:
        assert self._recorder is not None
        self._recorder.stop(case, ledger)

    def ui(self, case: Case, ledger: Ledger) -> AdbScreen:
        assert self._changes is not None, "prepare() comes first"
        return AdbScreen(self.phone, self._changes, tag=case.id[:8])

    def app_target(self, package: str, interception: Interception | None) -> AppTarget:
        device = self.frida_device or DeviceChoice("id", self.serial)
        if self.stand_in is None:
            return AppTarget(device, (package,))
        return AppTarget(device, tuple(self.stand_in.argv(interception)), self.stand_in.stdio)
