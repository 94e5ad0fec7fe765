"""One instrumentation run: spawn or attach, load the agent, stream every message into the case's ledger as it
arrives, follow child processes, and end cleanly (unhook, then detach) or record how the target ended.

Ledger events written here (docs/events.md): hook.session, hook.status, hook.event, hook.planted,
hook.malformed, hook.error, hook.crypto and hook.webview (their bytes as artifacts), and hook.coverage when
a process is left (what was and was not watched).
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import frida

from auditor.case.artifacts import ArtifactStore
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.errors import CheckFailed, InputError
from auditor.instrument.agent import agent_sha256, agent_source
from auditor.instrument.coverage import Coverage
from auditor.instrument.devices import check_versions
from auditor.instrument.messages import Malformed, Message, malformed_body, parse
from auditor.instrument.operations import operation_body, webview_body
from auditor.instrument.planting import Plants
from auditor.instrument.tls import KeyLog, TlsOptions

UNHOOK_SETTLE_S = 0.3   # HotSpot reverts hooks on a later tick: detaching sooner can crash the target
MAX_REATTACH = 3        # per process: a session that keeps being lost is given up on, on record
STOP_CALL_TIMEOUT_S = 10.0  # unhook / detach: an agent whose JavaScript thread is blocked never answers


class NoAnswer(Exception):
    """A synchronous frida call did not return in time."""


def _bounded(call: Any, timeout: float) -> Any:
    """Run a synchronous frida call on a helper thread and wait at most `timeout` seconds for it. A hook that
    calls into Java can deadlock with an app thread (each holding what the other waits for); the agent then
    never answers, and stopping must not wait with it."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            outcome["error"] = exc

    worker = threading.Thread(target=run, name="auditor-bounded-call", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise NoAnswer(f"no answer within {timeout:g} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("value")


@dataclass(frozen=True)
class Target:
    """What to instrument: argv (or [package]) to spawn, or a running pid."""
    spawn: tuple[str, ...] | None = None
    pid: int | None = None
    stdio: str = "inherit"      # "pipe": the caller reads output via the device's "output" signal, writes input()

    def describe(self) -> dict[str, Any]:
        return {"spawn": list(self.spawn)} if self.spawn is not None else {"pid": self.pid}


class TargetCrashed(CheckFailed):
    """The instrumented process ended abnormally (abort, a non-zero exit, or killed by a signal)."""


@dataclass
class _Attached:
    pid: int
    session: Any
    script: Any
    exit: dict[str, Any] | None = None
    detached: threading.Event = field(default_factory=threading.Event)
    reason: str | None = None
    coverage: Coverage = field(default_factory=Coverage)
    requested: bool = False     # we asked to detach (stop, version mismatch); otherwise a detach is the target's

    def lost(self) -> bool:
        """Detached without our asking while the process lives on: frida reports such a session as
        "application-requested" (seen when the target forks while a gated child is being attached)."""
        return self.reason == "application-requested" and not self.requested


class Instrumentation:
    """Drives the agent in one target (and its children); writes into `ledger` as messages arrive."""

    def __init__(self, device: frida.core.Device, ledger: Ledger, plants: Plants,
                 host_version: str = frida.__version__, gate_children: bool = True, tls: TlsOptions | None = None,
                 artifacts: ArtifactStore | None = None):
        self.device = device
        self.ledger = ledger
        self.artifacts = artifacts      # where crypto operations' bytes go (without: their hashes only)
        self.plants = plants
        self.tls = tls or TlsOptions()
        self.keylog = KeyLog()
        self.host_version = host_version
        self.gate_children = gate_children
        self.attached: dict[int, _Attached] = {}
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._source = agent_source()
        # Gated children are instrumented off frida's signal thread: synchronous frida calls made inside a
        # signal handler (attach, load, RPC) wait for that same thread and never return.
        # The same worker re-attaches to a process whose session was lost (an int pid on the queue).
        self._children: queue.Queue[Any] = queue.Queue()
        self._child_worker: threading.Thread | None = None
        self._stopping = False
        self._ended: dict[int, threading.Event] = {}    # per pid: its last session is over
        self._spawned: set[int] = set()                   # ours to kill if its agent stops answering
        self._reattached: dict[int, int] = {}

    # -- recording -------------------------------------------------------------------------------------------

    def _record(self, kind: str, body: dict[str, Any], artifact: str | None = None) -> None:
        self.ledger.append("hook", kind, body, artifact)
        with self._lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def _session_event(self, event: str, pid: int, **details: Any) -> None:
        self._record(Kind.HOOK_SESSION, {"event": event, "pid": pid, **details})

    def receive(self, attached: _Attached, message: Any, data: Any = None) -> None:
        """One message from the agent: validated, then written to the ledger at once (or as hook.malformed)."""
        try:
            parsed = parse(message, data)
            self._write(attached, parsed)
        except Malformed as exc:
            self._record(Kind.HOOK_MALFORMED, {"pid": attached.pid, **malformed_body(message, str(exc))})

    def _write(self, attached: _Attached, message: Message) -> None:
        fields = dict(message.fields)
        # Recorded as seen (API, arguments, result, thread, Java stack): which code made the call is decided
        # by analysis (auditor/analyze/attribution.py), with the dataset it uses on record there.
        if message.kind == Kind.HOOK_EVENT:
            self._record(Kind.HOOK_EVENT, {**fields, "pid": attached.pid})
        elif message.kind == Kind.HOOK_PLANTED:
            self._record(Kind.HOOK_PLANTED, {"phase": "returned", **fields, "pid": attached.pid})
        elif message.kind == "process.exit":
            if attached.exit is None:
                attached.exit = fields
            self._session_event("exiting", attached.pid, **fields)
            attached.script.post({"type": "process.exit.ack"})   # releases the exiting thread
        elif message.kind == "hook.ready":
            self._session_event("hooks_ready", attached.pid, **fields)
        elif message.kind in ("agent.error", Kind.HOOK_ERROR):
            self._record(Kind.HOOK_ERROR, {"pid": attached.pid, **fields})
        elif message.kind == Kind.HOOK_STATUS:
            attached.coverage.add(fields)
            self._record(Kind.HOOK_STATUS, {"pid": attached.pid, **fields})
        elif message.kind == "tls.bypass":
            self._record(Kind.HOOK_TLS_BYPASS, {"pid": attached.pid, **fields})
        elif message.kind == "crypto.operation":
            body, artifact = operation_body(fields, message.data, self.artifacts)
            self._record(Kind.HOOK_CRYPTO, {**body, "pid": attached.pid}, artifact)
        elif message.kind == "webview.event":
            body, artifact = webview_body(fields, message.data, self.artifacts)
            self._record(Kind.HOOK_WEBVIEW, {**body, "pid": attached.pid}, artifact)
        elif message.kind == "tls.key":
            self.keylog.add(attached.pid, fields)
            self._record(Kind.HOOK_TLS_KEY, {"pid": attached.pid, **fields})
        else:
            self._record(message.kind, {"pid": attached.pid, **fields})

    def _on_detached(self, attached: _Attached, reason: str, crash: Any) -> None:
        attached.reason = reason
        crash_body = None
        if crash is not None:   # frida's crash report (where the platform provides one)
            crash_body = {"summary": str(getattr(crash, "summary", ""))[:2048],
                          "report": str(getattr(crash, "report", ""))[:65536]}
        self._record(Kind.HOOK_COVERAGE, {"pid": attached.pid, **attached.coverage.as_dict()})
        reattach = (attached.lost() and not self._stopping and self._child_worker is not None
                    and self._reattached.get(attached.pid, 0) < MAX_REATTACH)
        self._session_event("detached", attached.pid, reason=reason, crash=crash_body,
                            exit=attached.exit, verdict=self.verdict(attached),
                            **({"lost": True, "reattach": reattach} if attached.lost() else {}))
        attached.detached.set()
        if reattach:
            self._reattached[attached.pid] = self._reattached.get(attached.pid, 0) + 1
            self._children.put(attached.pid)
        else:
            self._ended[attached.pid].set()

    @staticmethod
    def verdict(attached: _Attached) -> str:
        """How the target ended, from what the agent saw: exited(N), aborted, or killed (neither was seen);
        session-lost when the session ended without our asking and could not be re-attached."""
        if attached.lost():
            return "session-lost"
        if attached.reason != "process-terminated":
            return attached.reason or "running"
        if attached.exit is None:
            return "killed"
        if attached.exit["how"] == "abort":
            return "aborted"
        return f"exited({attached.exit['status']})"

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self, target: Target) -> int:
        """Spawn (suspended) or attach, load the agent, check versions, install hooks, resume. Returns the pid."""
        spawned = target.spawn is not None
        if self.gate_children and self._child_worker is None:
            self._child_worker = threading.Thread(target=self._instrument_children, name="auditor-children",
                                                  daemon=True)
            self._child_worker.start()
            self.device.on("child-added", self._on_child_added)
        if spawned:
            try:
                pid = self.device.spawn(list(target.spawn), stdio=target.stdio)
            except (frida.ExecutableNotFoundError, frida.NotSupportedError, frida.InvalidArgumentError) as exc:
                raise InputError(f"spawn {' '.join(target.spawn)}", str(exc)) from None
        else:
            pid = int(target.pid)  # type: ignore[arg-type]
        self._session_event("spawned" if spawned else "attaching", pid, target=target.describe(),
                            agent_sha256=agent_sha256(), host_frida=self.host_version)
        try:
            self._instrument(pid)
        except BaseException:
            if spawned:
                self._kill(pid)
            raise
        if spawned:
            self._spawned.add(pid)
            self.device.resume(pid)
            self._session_event("resumed", pid)
        return pid

    def _instrument(self, pid: int) -> None:
        try:
            session = self.device.attach(pid)
        except frida.ProcessNotFoundError:
            raise InputError(f"pid {pid}", "no such process on the device") from None
        except frida.PermissionDeniedError as exc:
            raise InputError(f"pid {pid}", f"permission denied ({exc})") from None
        script = session.create_script(self._source, name="auditor-hooks")
        attached = _Attached(pid, session, script)
        self.attached[pid] = attached
        self._ended.setdefault(pid, threading.Event())
        session.on("detached", lambda reason, crash: self._on_detached(attached, reason, crash))
        script.on("message", lambda message, data: self.receive(attached, message, data))
        script.load()
        info = script.exports_sync.info()
        device_version = str(info.get("frida")) if isinstance(info, dict) else "unknown"
        self._session_event("attached", pid, device_frida=device_version, arch=str(info.get("arch")),
                            platform=str(info.get("platform")))
        try:
            check_versions(self.host_version, device_version, f"pid {pid}")
        except InputError as exc:
            self._session_event("version_mismatch", pid, host_frida=self.host_version, device_frida=device_version,
                                error=exc.problem)
            self._detach(attached, unhook=False)
            raise
        if self.gate_children:
            session.enable_child_gating()
        state = script.exports_sync.start({"plant": self.plants.agent_config(), "confirmExit": True,
                                           **self.tls.agent_config()})
        self._session_event("agent_started", pid, state=str(state))

    def _on_child_added(self, child: Any) -> None:
        self._children.put(child)

    def _instrument_children(self) -> None:
        while (item := self._children.get()) is not None:
            if isinstance(item, int):
                self._reattach(item)
            else:
                self._on_child(item)

    def _reattach(self, pid: int) -> None:
        """Attach again to a process whose session was lost, so the hooks keep watching it; the gap between
        the "detached" and "attached" events is on record."""
        self._session_event("reattaching", pid, attempt=self._reattached[pid])
        try:
            self._instrument(pid)
        except (frida.InvalidOperationError, frida.TransportError, InputError) as exc:
            self._session_event("reattach_failed", pid, error=str(exc)[:2048])
            self._ended[pid].set()

    def _on_child(self, child: Any) -> None:
        """A gated child (fork/exec of an instrumented process) is instrumented too, then released."""
        if child.parent_pid not in self.attached:
            return
        self._session_event("child", child.pid, parent_pid=child.parent_pid, origin=str(child.origin),
                            path=str(child.path))
        try:
            self._instrument(child.pid)
        except (frida.InvalidOperationError, frida.TransportError, InputError) as exc:
            self._session_event("child_not_instrumented", child.pid, error=str(exc)[:2048])
        finally:
            self.device.resume(child.pid)

    def wait(self, pid: int, timeout: float | None) -> bool:
        """Until the target ends (True) or the timeout passes (False)."""
        return self._ended[pid].wait(timeout)

    def _detach(self, attached: _Attached, unhook: bool = True) -> None:
        if attached.detached.is_set():
            return
        attached.requested = True
        if unhook:
            try:
                undone = _bounded(attached.script.exports_sync.unhook, STOP_CALL_TIMEOUT_S)
                self._session_event("unhooked", attached.pid, methods=int(undone))
                time.sleep(UNHOOK_SETTLE_S)
            except (frida.InvalidOperationError, frida.TransportError) as exc:
                self._session_event("unhook_failed", attached.pid, error=str(exc)[:2048])
            except NoAnswer as exc:
                self._session_event("unhook_failed", attached.pid, error=f"the agent is blocked: {exc}")
                if attached.pid in self._spawned:   # a process we started: end it rather than leave it hung
                    self._session_event("killing", attached.pid, reason="its agent stopped answering")
                    self._kill(attached.pid)
                    attached.detached.wait(5)
                    return
        try:
            _bounded(attached.session.detach, STOP_CALL_TIMEOUT_S)
        except (frida.InvalidOperationError, frida.TransportError):
            pass   # already gone: the detached signal records why
        except NoAnswer as exc:
            self._session_event("detach_failed", attached.pid, error=f"the agent is blocked: {exc}")
        attached.detached.wait(5)

    def stop(self) -> None:
        """Stop following children, then unhook every instrumented process and detach: the targets keep
        running, unmodified."""
        self._stopping = True
        if self._child_worker is not None:
            self.device.off("child-added", self._on_child_added)
            self._children.put(None)
            self._child_worker.join(30)   # a child being instrumented finishes (and is resumed) first
            self._child_worker = None
        for attached in list(self.attached.values()):
            self._detach(attached)

    def _kill(self, pid: int) -> None:
        try:
            self.device.kill(pid)
        except (frida.ProcessNotFoundError, frida.NotSupportedError, frida.PermissionDeniedError):
            pass   # already gone (frida reports a dead pid as NotSupported or PermissionDenied)

    def outcome(self, pid: int) -> str:
        attached = self.attached[pid]
        verdict = self.verdict(attached)
        if verdict in ("killed", "aborted") or (verdict.startswith("exited(") and verdict != "exited(0)"):
            raise TargetCrashed(f"pid {pid} ended abnormally: {verdict}"
                                + ("" if attached.exit is not None else " (no exit seen: killed by a signal)"))
        return verdict
