"""Attach to a running app, unhook, detach: the app lives on. A crashing or killed target is a clear error."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import frida
import pytest

from auditor.instrument.agent import agent_source
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, run
from auditor.instrument.session import Instrumentation, Target, TargetCrashed
from tests.hook_actor import actor

from .conftest import bodies


def _await_consent_prompt(app: subprocess.Popen) -> None:
    """Read the app's stdout until it waits for the consent answer (bounded by the app's own lines)."""
    for _ in range(20):
        line = app.stdout.readline()
        if line.startswith("AUDITOR-AWAIT consent"):
            return
    raise AssertionError("the reference app never asked for consent")


@pytest.fixture
def waiting_app(reference_argv, proxy_sink):
    """The reference app, started normally, stopped at its consent dialog (it waits for stdin)."""
    app = subprocess.Popen(reference_argv(proxy_sink.port, consent="stdin"), stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    _await_consent_prompt(app)
    yield app
    if app.poll() is None:
        app.kill()
    app.wait(10)


def _attach(case, pid: int) -> tuple[Instrumentation, object]:
    ledger = case.ledger()
    instrumentation = Instrumentation(frida.get_local_device(), ledger, Plants())
    assert instrumentation.start(Target(pid=pid)) == pid
    return instrumentation, ledger


def test_attach_records_calls_made_while_attached(case, waiting_app):
    instrumentation, ledger = _attach(case, waiting_app.pid)
    ready = threading.Event()
    while not ready.is_set():   # the agent reports when its hooks are in place
        ready.wait(0.05)
        if any(b["event"] == "hooks_ready" for b in bodies(case, "hook.session")):
            ready.set()
    waiting_app.stdin.write("consent\n")
    waiting_app.stdin.flush()
    assert instrumentation.wait(waiting_app.pid, 30)
    ledger.close()
    assert instrumentation.outcome(waiting_app.pid) == "exited(0)"
    assert waiting_app.wait(10) == 0
    actors = sorted((e["api"].rsplit(".", 1)[1], actor(e)["sdk"] or actor(e)["class"])
                    for e in bodies(case, "hook.event") if e["category"] != "socket")
    assert actors == sorted([
        ("getString", "Pangle"),      # ByteDance's EventLog, told the consent choice
        ("getAdvertisingIdInfo", "AppsFlyer"), ("getId", "AppsFlyer"), ("getString", "AppsFlyer"),
        ("getLastKnownLocation", "AppsFlyer"),
        ("getAdvertisingIdInfo", "com.example.reference.ConsentDialog"),
        ("getId", "com.example.reference.ConsentDialog"),
        ("getLastLocation", "com.example.reference.ConsentDialog"),
        ("authenticate", "com.example.reference.BiometricLogin"), ("findFaces", "com.example.reference.BiometricLogin"),
        ("getMidPoint", "com.example.reference.BiometricLogin"),
        ("eyesDistance", "com.example.reference.BiometricLogin"),
        ("getAccounts", "com.example.reference.BiometricLogin"),
        ("getLine1Number", "com.example.reference.BiometricLogin")])
    assert [b["event"] for b in bodies(case, "hook.session")][0] == "attaching"


def test_a_jvm_exit_ends_the_process_with_the_apps_own_status(case, waiting_app):
    """On the JVM the agent itself ends the process at JVM_Halt (hooks/src/index.ts watchJvmHalt, against a
    deadlock of HotSpot's exit safepoint with Frida's exit handling): the status the app's System.exit gave
    is the process's real exit status, and the exit is reported and acknowledged on record."""
    instrumentation, ledger = _attach(case, waiting_app.pid)
    deadline = time.monotonic() + 60
    while not any(b["event"] == "hooks_ready" for b in bodies(case, "hook.session")):
        assert time.monotonic() < deadline, "the hooks were never ready"
        time.sleep(0.05)
    waiting_app.stdin.write("perhaps\n")   # not an answer the dialog knows: the app ends with status 3
    waiting_app.stdin.flush()
    assert instrumentation.wait(waiting_app.pid, 30)
    ledger.close()
    assert waiting_app.wait(10) == 3
    with pytest.raises(TargetCrashed, match=rf"pid {waiting_app.pid} ended abnormally: exited\(3\)"):
        instrumentation.outcome(waiting_app.pid)
    ends = [b for b in bodies(case, "hook.session") if b["event"] in ("exiting", "detached")]
    assert ends == [{"event": "exiting", "pid": waiting_app.pid, "how": "exit", "status": 3},
                    {"event": "detached", "pid": waiting_app.pid, "reason": "process-terminated", "crash": None,
                     "exit": {"how": "exit", "status": 3}, "verdict": "exited(3)"}]
    assert len(bodies(case, "hook.coverage")) == 1


def test_unhook_and_detach_leave_the_app_running(case, waiting_app):
    instrumentation, ledger = _attach(case, waiting_app.pid)
    instrumentation.stop()
    events = {b["event"]: b for b in bodies(case, "hook.session")}
    installed = sum(b["overloads"] for b in bodies(case, "hook.status") if b["installed"])
    assert events["unhooked"]["methods"] == installed > 30   # every hooked overload restored
    assert events["detached"]["reason"] == "application-requested"
    assert waiting_app.poll() is None   # alive after detach
    recorded = case.ledger_path.read_bytes()
    waiting_app.stdin.write("consent\n")
    waiting_app.stdin.flush()
    out, _ = waiting_app.communicate(timeout=30)
    assert waiting_app.returncode == 0 and "AUDITOR-PHASE login" in out and out.rstrip().endswith("AUDITOR-DONE")
    assert case.ledger_path.read_bytes() == recorded   # nothing more was hooked after the detach
    ledger.close()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_jvm_crash_is_reported_as_such(case, reference_argv, tmp_path):
    # The JVM aborts (hs_err, abort()) on the first refused connection: a real crash of the target.
    flags = ("-XX:+UnlockDiagnosticVMOptions", "-XX:AbortVMOnException=java.net.ConnectException",
             f"-XX:ErrorFile={tmp_path}/hs_err_%p.log")
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))  # no core file
    with case.ledger() as ledger:
        instrumentation = Instrumentation(frida.get_local_device(), ledger, Plants())
        pid = instrumentation.start(Target(spawn=reference_argv(_closed_port(), jvm_flags=flags)))
        assert instrumentation.wait(pid, 60)
        with pytest.raises(TargetCrashed, match=rf"pid {pid} ended abnormally: aborted"):
            instrumentation.outcome(pid)
    detached = [b for b in bodies(case, "hook.session") if b["event"] == "detached"]
    assert detached == [{"event": "detached", "pid": pid, "reason": "process-terminated", "crash": None,
                         "exit": {"how": "abort", "status": None}, "verdict": "aborted"}]
    assert (tmp_path / f"hs_err_{pid}.log").is_file()


def test_a_killed_target_is_reported_as_such(case, reference_argv, proxy_sink):
    with case.ledger() as ledger:
        instrumentation = Instrumentation(frida.get_local_device(), ledger, Plants())
        pid = instrumentation.start(Target(spawn=reference_argv(proxy_sink.port, consent="stdin")))
        os.kill(pid, signal.SIGKILL)
        assert instrumentation.wait(pid, 30)
        with pytest.raises(TargetCrashed, match="killed by a signal"):
            instrumentation.outcome(pid)


def test_the_local_device_is_the_default(case):
    assert open_device(DeviceChoice("local")).type == "local"


def test_a_forked_child_is_followed_without_blocking_the_run(case):
    # frida's synchronous calls must not run on its own signal thread: this used to hang for ever.
    started = time.monotonic()
    # a second: should frida lose the parent's session at the fork, the re-attach is in time to see the exit
    result = run(case, Request(device=DeviceChoice("local"), spawn=("/bin/sh", "-c", "/bin/sleep 1; exit 0"),
                               duration=20))
    assert time.monotonic() - started < 20 and result.verdict == "exited(0)"
    sessions = bodies(case, "hook.session")
    [fork] = [s for s in sessions if s["event"] == "child" and s["origin"] == "fork"]
    assert fork["parent_pid"] == result.pid
    # sh forks, the child execs sleep: both images are instrumented, released, and seen to end
    assert [(s["event"], s.get("origin") or s.get("reason")) for s in sessions if s["pid"] == fork["pid"]] == [
        ("child", "fork"), ("attached", None), ("agent_started", None), ("detached", "process-replaced"),
        ("child", "exec"), ("attached", None), ("agent_started", None), ("exiting", None),
        ("detached", "process-terminated")]


def test_a_session_lost_without_being_asked_is_reattached(case):
    """frida ends a session as "application-requested" that nobody asked to end (seen when a target forks
    while its gated child is being attached): the hooks attach again and the gap is on record. Ending the
    session from outside the Instrumentation produces exactly that report."""
    with case.ledger() as ledger:
        instrumentation = Instrumentation(frida.get_local_device(), ledger, Plants())
        pid = instrumentation.start(Target(spawn=("/bin/sh", "-c", "read line; exit 3"), stdio="pipe"))
        first = instrumentation.attached[pid]
        first.session.detach()
        deadline = time.monotonic() + 20
        while instrumentation.attached[pid] is first or "agent_started" not in [
                b["event"] for b in bodies(case, "hook.session")][-1:]:
            assert time.monotonic() < deadline, "not re-attached"
            time.sleep(0.05)
        frida.get_local_device().input(pid, b"go\n")
        assert instrumentation.wait(pid, 20)
        with pytest.raises(TargetCrashed, match=rf"pid {pid} ended abnormally: exited\(3\)"):
            instrumentation.outcome(pid)
        instrumentation.stop()
    events = [(b["event"], b.get("reason"), b.get("lost"), b.get("reattach"), b.get("verdict"))
              for b in bodies(case, "hook.session")]
    assert events == [("spawned", None, None, None, None), ("attached", None, None, None, None),
                      ("agent_started", None, None, None, None), ("resumed", None, None, None, None),
                      ("detached", "application-requested", True, True, "session-lost"),
                      ("reattaching", None, None, None, None), ("attached", None, None, None, None),
                      ("agent_started", None, None, None, None), ("exiting", None, None, None, None),
                      ("detached", "process-terminated", None, None, "exited(3)")]


def test_an_exit_nobody_acknowledges_is_held_five_seconds_at_most():
    """The agent holds an exiting thread until auditor acknowledges the exit report; a controller that is
    gone (crashed, killed) must not leave the app hanging in exit() for ever."""
    device = frida.get_local_device()
    pid = device.spawn(["/bin/sh", "-c", "exit 7"])
    session = device.attach(pid)
    script = session.create_script(agent_source())
    reports: list[dict] = []
    script.on("message", lambda message, _data: reports.append(message.get("payload")))
    ended = threading.Event()
    session.on("detached", lambda _reason, _crash: ended.set())
    script.load()
    script.exports_sync.start({"plant": {}, "confirmExit": True})
    started = time.monotonic()
    device.resume(pid)
    assert ended.wait(30)
    held = time.monotonic() - started
    assert 4.5 < held < 15, held
    assert [r for r in reports if r.get("type") == "process.exit"] == [{"type": "process.exit", "how": "_exit",
                                                                        "status": 7}]


STUCK_AGENT = """
rpc.exports = {
    info() { return { frida: Frida.version, arch: Process.arch, platform: Process.platform }; },
    start() { return "started"; },
    unhook() { recv("never", () => {}).wait(); return 0; },   // blocked, as an agent in a deadlocked hook
};
"""


def test_stopping_does_not_wait_for_an_agent_that_never_answers(case, monkeypatch):
    """An agent blocked inside the target (a hook deadlocked with an app thread) never answers the unhook
    call; stopping gives up after STOP_CALL_TIMEOUT_S and ends the process auditor spawned."""
    monkeypatch.setattr("auditor.instrument.session.STOP_CALL_TIMEOUT_S", 1.0)
    monkeypatch.setattr("auditor.instrument.session.agent_source", lambda: STUCK_AGENT)
    with case.ledger() as ledger:
        instrumentation = Instrumentation(frida.get_local_device(), ledger, Plants(),
                                          gate_children=False)
        pid = instrumentation.start(Target(spawn=("/bin/sleep", "30")))
        started = time.monotonic()
        instrumentation.stop()
        assert time.monotonic() - started < 10
        assert instrumentation.verdict(instrumentation.attached[pid]) == "killed"
    events = [(b["event"], b.get("error") or b.get("reason")) for b in bodies(case, "hook.session")
              if b["event"] in ("unhook_failed", "killing", "detached")]
    assert events == [("unhook_failed", "the agent is blocked: no answer within 1 s"),
                      ("killing", "its agent stopped answering"), ("detached", "process-terminated")]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_or_sighup_stops_the_command_as_ctrl_c_does(case, tmp_path, signum):
    """A supervising script's timeout or a closed terminal: the hooks come off, the session detaches, the key
    log is stored (empty, and it says so) and the command reports the target as detached, exit status 0."""
    # Output to files: the target inherits the command's stdio and outlives it, so pipes would stay open.
    out, err = tmp_path / "out", tmp_path / "err"
    with out.open("w") as stdout, err.open("w") as stderr:
        command = subprocess.Popen([str(Path(sys.executable).parent / "auditor"), "instrument", str(case.root),
                                    "--keylog", "--json", "--", "/bin/sleep", "60"], stdout=stdout, stderr=stderr)
    deadline = time.monotonic() + 60
    while "instrumentation" not in json.loads((case.root / "case.json").read_text()):   # started and recorded
        assert command.poll() is None and time.monotonic() < deadline, err.read_text()
        time.sleep(0.05)
    [target] = [b["pid"] for b in bodies(case, "hook.session") if b["event"] == "resumed"]
    try:
        command.send_signal(signum)
        assert command.wait(30) == 0, err.read_text()
        assert json.loads(out.read_text())["verdict"] == "detached"
        ends = [b["event"] for b in bodies(case, "hook.session")][-2:]
        assert ends == ["unhooked", "detached"]
        assert bodies(case, "hook.keylog") == [{"format": "NSS key log", "lines": 0, "pids": []}]
        os.kill(target, 0)      # the app lives on, unmodified, as after Ctrl-C
    finally:
        os.kill(target, signal.SIGKILL)
