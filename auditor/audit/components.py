"""What `auditor audit` needs from the other rooms, as three small interfaces, and their implementations.

The orchestration only knows the interfaces; `load()` builds them from the capture room (mitmproxy as a
subprocess recording into the case), the instrument room (Frida: the app spawned under the hooks with
canaries planted) and the static room (androguard's scan of the pulled APKs). A library caller may leave a
part out (None): the case then records it in `ended.parts_not_run`, so an audit without capture or hooks
can never look complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from auditor.audit.plan import AuditPlan, StandIn
from auditor.capture.proxy import Capture
from auditor.capture.wireguard import write_client_config
from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, begin
from auditor.instrument.session import Instrumentation
from auditor.static.store import store_apk_scan


@dataclass(frozen=True)
class Interception:
    """How the phone reaches the running capture."""

    ca_certificate: Path                  # the CA the phone must trust
    proxy_port: int | None = None         # regular mode: the proxy's port on the host
    wireguard_config: Path | None = None  # wireguard mode: the client configuration to hand over


class LiveCapture(Protocol):
    """The capture room's proxy, recording into the case."""

    def start(self) -> Interception: ...
    def stop(self) -> None: ...


class AppInstrumentation(Protocol):
    """The instrument room: spawn the app under the hooks with canaries planted; stop unhooks and detaches
    (always safe to call, also when start failed or never ran)."""

    def start(self, package: str, interception: Interception | None) -> None: ...
    def stop(self) -> None: ...


class ApkScanner(Protocol):
    """The static room: inventory the APK files (all splits) into the case; returns the SDKs found."""

    def scan(self, case: Case, apks: list[Path]) -> list[str]: ...


@dataclass
class Components:
    capture: LiveCapture | None
    instrumentation: AppInstrumentation | None
    scanner: ApkScanner | None

    def missing(self) -> list[str]:
        return [name for name, part in (("capture (auditor.capture)", self.capture),
                                        ("instrumentation (auditor.instrument)", self.instrumentation),
                                        ("static scan (auditor.static)", self.scanner)) if part is None]


def load(plan: AuditPlan, listen_host: str) -> Components:
    """The three rooms, set up as the plan asks."""
    world = plan.world
    capture = Capture(case_dir=plan.case_dir, mode=plan.proxy_mode, listen_host=listen_host,
                      confdir=plan.capture_confdir, world=world.world if world else None,
                      world_port=world.port if world else 0, upstream_trusted_ca=world.upstream_ca if world else None)
    return Components(capture=_ProxyCapture(capture, plan.proxy_host),
                      instrumentation=_FridaInstrumentation(plan.case_dir, plan.frida_choice, plan.plants,
                                                            plan.stand_in),
                      scanner=_StaticScanner())


@dataclass
class _ProxyCapture:
    """The capture room's proxy session as a LiveCapture. In wireguard mode the phone gets a client
    configuration whose endpoint is `endpoint_host` (adb reverse carries no UDP: the phone must reach the
    host over the network)."""

    capture: Any
    endpoint_host: str | None = None

    def start(self) -> Interception:
        if self.capture.mode not in ("regular", "wireguard"):   # refused before the proxy runs: nothing to stop
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
    """The instrument room as AppInstrumentation: the package (or a test's stand-in) spawned suspended on the
    Frida device, the agent loaded, the canaries recorded and planted, then resumed. Hook events go into the
    case's ledger as they arrive, through this adapter's own ledger handle (batched fsync, like the capture's
    process: the audit's own handle syncs every event)."""

    case_dir: Path
    device: DeviceChoice
    plants: Plants
    stand_in: StandIn | None = None
    _ledger: Ledger | None = field(default=None, init=False)
    _running: Instrumentation | None = field(default=None, init=False)

    def start(self, package: str, interception: Interception | None) -> None:
        if self.stand_in is not None:
            if interception is None:
                raise InputError("stand-in", "needs the running capture to send its traffic through")
            request = Request(device=self.device, spawn=tuple(self.stand_in.argv(interception)),
                              app_package=package, plants=self.plants, stdio=self.stand_in.stdio)
        else:
            request = Request(device=self.device, spawn=(package,), app_package=package, plants=self.plants)
        frida_device = open_device(self.device)
        case = Case.open(self.case_dir)
        self._ledger = case.ledger()
        self._running, _pid = begin(case, self._ledger, frida_device, request)

    def stop(self) -> None:
        running, self._running = self._running, None
        try:
            if running is not None:
                running.stop()
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
