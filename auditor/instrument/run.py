"""`auditor instrument` as a library call: open the device, record what will be planted, instrument the target
until it ends or the time is up, then unhook and detach. `auditor audit` shares the start (`begin`) and ends
the instrumentation itself, when the operator stops the audit."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import frida

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.errors import InputError
from auditor.instrument.agent import agent_sha256
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.planting import Plants
from auditor.instrument.session import Instrumentation, Target
from auditor.instrument.tls import TlsOptions


@dataclass(frozen=True)
class Request:
    device: DeviceChoice
    spawn: tuple[str, ...] | None = None      # argv, or (package,) on Android
    pid: int | None = None
    attach_name: str | None = None            # a running app's package or process name
    app_package: str | None = None            # first-party package for attribution
    plants: Plants = field(default_factory=Plants)
    duration: float | None = None             # None: until the target ends
    gate_children: bool = True
    stdio: str = "inherit"                    # of a spawned target: "pipe" to read its output and write its input
    tls: TlsOptions = field(default_factory=TlsOptions)   # --unpin, --keylog
    host_version: str = frida.__version__


@dataclass(frozen=True)
class Result:
    pid: int
    ended_by_itself: bool
    verdict: str
    counts: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"pid": self.pid, "ended_by_itself": self.ended_by_itself, "verdict": self.verdict,
                "counts": dict(sorted(self.counts.items()))}


def resolve_target(device: frida.core.Device, request: Request) -> Target:
    if request.spawn is not None:
        program = request.spawn[0]
        if device.type == "local" and os.sep in program and not os.path.isabs(program):
            # frida spawns by absolute path only; a relative path names the caller's directory
            return Target(spawn=(os.path.abspath(program), *request.spawn[1:]), stdio=request.stdio)
        return Target(spawn=request.spawn, stdio=request.stdio)
    if request.pid is not None:
        return Target(pid=request.pid)
    name = request.attach_name or ""
    for app in device.enumerate_applications(scope="minimal"):
        if app.identifier == name and app.pid:
            return Target(pid=app.pid)
    for process in device.enumerate_processes(scope="minimal"):
        if process.name == name:
            return Target(pid=process.pid)
    raise InputError(f"--attach {name}", "no running app or process of that name on the device")


def begin(case: Case, ledger: Ledger, device: frida.core.Device, request: Request) -> tuple[Instrumentation, int]:
    """Record what will be planted, start the target under the agent and record the session in case.json.
    Returns the running instrumentation (the caller stops it) and the target's pid. If the start fails, what
    was started is stopped before the error is raised."""
    target = resolve_target(device, request)
    app_package = request.app_package or request.attach_name or (
        request.spawn[0] if request.spawn is not None and len(request.spawn) == 1 else None)
    if request.plants.any:
        case.set_section("planted", request.plants.describe(), ledger)
        ledger.append("hook", Kind.HOOK_PLANTED, {"phase": "configured", **request.plants.describe()})
    instrumentation = Instrumentation(device, ledger, request.plants, request.host_version,
                                      request.gate_children, request.tls, case.artifacts)
    try:
        pid = instrumentation.start(target)
    except BaseException:
        instrumentation.stop()      # the child-following worker, and whatever got attached
        raise
    case.set_section("instrumentation", {
        "device": {"kind": request.device.kind, "address": request.device.address, "id": device.id,
                   "name": device.name},
        "target": target.describe(), "pid": pid, "app_package": app_package,
        "host_frida": request.host_version, "agent_sha256": agent_sha256(),
        "plants": request.plants.describe(), **request.tls.agent_config()}, ledger)
    return instrumentation, pid


class _StoppedLikeCtrlC:
    """SIGTERM and SIGHUP (a service manager, a closed terminal, a supervising script's timeout) stop the
    instrumentation as Ctrl-C does: hooks removed, detached, the key log stored. By default Python would die at
    once, leaving the key log unwritten and the session's end unrecorded. Installed before the target starts;
    once the stop has begun, signals are ignored so that a second one cannot cut the unhooking short."""

    def __init__(self) -> None:
        self.stopping = False

    def _handle(self, _signum: int, _frame: Any) -> None:
        if not self.stopping:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[_StoppedLikeCtrlC]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {number: signal.signal(number, self._handle) for number in (signal.SIGTERM, signal.SIGHUP)}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)


def run(case: Case, request: Request) -> Result:
    device = open_device(request.device)
    with case.ledger() as ledger, _StoppedLikeCtrlC().installed() as signals:
        instrumentation, pid = begin(case, ledger, device, request)
        ended = False
        try:
            ended = instrumentation.wait(pid, request.duration)
        except KeyboardInterrupt:
            pass
        finally:
            signals.stopping = True
            instrumentation.stop()   # unhooks and detaches whatever still runs (the target, or its children)
            if request.tls.keylog:
                instrumentation.keylog.store(case, ledger)
        verdict = instrumentation.outcome(pid) if ended else "detached"
        return Result(pid, ended, verdict, dict(instrumentation.counts))
