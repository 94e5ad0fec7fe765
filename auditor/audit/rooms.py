"""The audit's components built from the rooms: the capture room (mitmproxy as a subprocess recording into
the case), the instrument room (Frida: the app spawned under the hooks with canaries planted) and the static
room (androguard's scan of the APKs), next to the phone."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.audit.adb_phone import AdbPhone
from auditor.audit.components import AppTarget, Components, Interception, Phone
from auditor.audit.plan import AuditPlan
from auditor.capture.passive import PassiveCapture
from auditor.capture.proxy import Capture, CaptureMode
from auditor.capture.wireguard import write_client_config
from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.errors import InputError
from auditor.instrument.devices import open_device
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, begin
from auditor.instrument.session import Instrumentation
from auditor.instrument.tls import TlsOptions
from auditor.static.store import store_apk_scan


def load(plan: AuditPlan, listen_host: str, phone: Phone | None = None) -> Components:
    """The three rooms, set up as the plan asks, and the phone (None: the adb phone the plan names)."""
    return Components(phone=phone if phone is not None else AdbPhone.for_plan(plan),
                      capture=_capture(plan, listen_host),
                      instrumentation=_FridaInstrumentation(plan.case_dir, plan.plants, plan.tls),
                      scanner=_StaticScanner())


def _capture(plan: AuditPlan, listen_host: str) -> _ProxyCapture | _PassiveCapture:
    if plan.passive is not None:
        return _PassiveCapture(PassiveCapture(plan.case_dir, plan.passive.interface, plan.passive.capture_filter))
    world = plan.world
    return _ProxyCapture(Capture(case_dir=plan.case_dir, mode=plan.proxy_mode, listen_host=listen_host,
                                 confdir=plan.capture_confdir, world=world.world if world else None,
                                 world_port=world.port if world else 0,
                                 upstream_trusted_ca=world.upstream_ca if world else None), plan.proxy_host)


@dataclass
class _PassiveCapture:
    """The capture room's passive capture as a LiveCapture: dumpcap only, nothing for the phone to go
    through; the pcapng (and its `passive.pcap` event, dumpcap's exit status included) is stored on stop."""

    capture: PassiveCapture

    def start(self) -> None:
        self.capture.start()

    def stop(self) -> None:
        self.capture.stop()


@dataclass
class _ProxyCapture:
    """The capture room's proxy session as a LiveCapture. In wireguard mode the phone gets a client
    configuration whose endpoint is `endpoint_host` (adb reverse carries no UDP: the phone must reach the
    host over the network)."""

    capture: Any
    endpoint_host: str | None = None

    def start(self) -> Interception:
        # refused before the proxy runs: nothing to stop
        if self.capture.mode not in (CaptureMode.REGULAR, CaptureMode.WIREGUARD):
            raise InputError("--proxy-mode", f"{self.capture.mode} is not supported by 'auditor audit'")
        self.capture.start()
        _host, port = self.capture.listen_address
        ca = Path(self.capture.ca_path)
        if self.capture.mode == "regular":
            return Interception(ca_certificate=ca, proxy_port=port)
        assert self.endpoint_host, "AuditPlan requires proxy_host in wireguard mode"
        try:
            config = write_client_config(ca.parent, (self.endpoint_host, port))
        except BaseException:
            self.capture.stop()         # the audit registers the undo only once start has returned
            raise
        return Interception(ca_certificate=ca, wireguard_config=config)

    def stop(self) -> None:
        self.capture.stop()


@dataclass
class _FridaInstrumentation:
    """The instrument room as AppInstrumentation: the phone's target spawned suspended on its Frida device,
    the agent loaded, the canaries recorded and planted, then resumed. Hook events go into the case's ledger
    as they arrive, through this adapter's own ledger handle (batched fsync, like the capture's process: the
    audit's own handle syncs every event)."""

    case_dir: Path
    plants: Plants
    tls: TlsOptions = field(default_factory=TlsOptions)
    _ledger: Ledger | None = field(default=None, init=False)
    _running: Instrumentation | None = field(default=None, init=False)
    _pid: int = field(default=0, init=False)

    def start(self, package: str, target: AppTarget) -> None:
        request = Request(device=target.device, spawn=target.spawn, app_package=package, plants=self.plants,
                          stdio=target.stdio, tls=self.tls)
        frida_device = open_device(target.device)
        case = Case.open(self.case_dir)
        self._ledger = case.ledger()
        self._running, self._pid = begin(case, self._ledger, frida_device, request)

    def ended(self) -> bool:
        """The spawned app has ended (its session is detached and not re-attached)."""
        return self._running is not None and self._running.wait(self._pid, 0)

    def stop(self) -> None:
        running, self._running = self._running, None
        try:
            if running is not None:
                running.stop()
                if self.tls.keylog and self._ledger is not None:
                    running.keylog.store(Case.open(self.case_dir), self._ledger)
        finally:
            if self._ledger is not None:
                self._ledger.close()
                self._ledger = None


@dataclass
class _StaticScanner:
    """The static room as ApkScanner: every file stored (static.apk), scanned as one app (static.scan)."""

    def scan(self, case: Case, apks: list[Path]) -> list[str]:
        report = store_apk_scan(case, apks)
        return [sdk["name"] for sdk in report["sdks"]]
