"""Reaching the device: no USB device, no server, a remote device through a Frida portal on loopback, and a
Frida version mismatch -- each a clear error or a working session."""

from __future__ import annotations

import json
import socket
import subprocess
import threading
import time

import frida
import pytest
from click.testing import CliRunner

from auditor.cli import cli
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice, open_device
from auditor.instrument.run import Request, run
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_no_usb_device_is_a_clear_error_within_the_timeout():
    started = time.monotonic()
    with pytest.raises(InputError, match=r"usb device: no USB device found within 1 s"):
        open_device(DeviceChoice("usb"), timeout=1)
    assert time.monotonic() - started < 5


def test_remote_without_a_server_fails_on_the_command_line_with_exit_2(case):
    port = _free_port()
    result = CliRunner().invoke(cli, ["instrument", str(case.root), "--remote", f"127.0.0.1:{port}", "--pid", "1"])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: remote device 127.0.0.1:{port}: no frida-server answers there: "
                                     "start frida-server (or check host and port)")
    bad = CliRunner().invoke(cli, ["instrument", str(case.root), "--remote", "nohostport", "--pid", "1"])
    assert (bad.exit_code, bad.output.strip()) == (2, "error: --remote nohostport: expected HOST:PORT "
                                                      "(e.g. 127.0.0.1:27042)")


def test_version_mismatch_stops_before_any_hook_and_kills_the_spawned_app(case, reference_argv, proxy_sink):
    request = Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port), app_package=APP_PACKAGE,
                      host_version="16.7.19")
    with pytest.raises(InputError, match=r"Frida version mismatch: host frida 16\.7\.19, device runs Frida "
                                         rf"{frida.__version__}"):
        run(case, request)
    sessions = {b["event"]: b for b in bodies(case, "hook.session")}
    assert sessions["version_mismatch"]["device_frida"] == frida.__version__
    assert "agent_started" not in sessions and bodies(case, "hook.status") == []
    pid = sessions["spawned"]["pid"]
    for _ in range(100):   # killed: gone once reaped (bounded: 5 s)
        if pid not in [p.pid for p in frida.get_local_device().enumerate_processes(scope="minimal")]:
            break
        time.sleep(0.05)
    else:
        raise AssertionError(f"spawned pid {pid} still runs after the version mismatch")


@pytest.fixture
def portal():
    """A Frida PortalService on loopback: processes join its cluster port; controllers use its control port
    exactly as they would a remote frida-server."""
    cluster, control = _free_port(), _free_port()
    service = frida.PortalService(frida.EndpointParameters(address="127.0.0.1", port=cluster),
                                  frida.EndpointParameters(address="127.0.0.1", port=control))
    service.start()
    yield f"127.0.0.1:{cluster}", f"127.0.0.1:{control}"
    service.stop()


def test_remote_device_through_a_portal(case, portal, reference_argv, proxy_sink):
    cluster, control = portal
    app = subprocess.Popen(reference_argv(proxy_sink.port, consent="stdin"), stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        for _ in range(20):
            if app.stdout.readline().startswith("AUDITOR-AWAIT consent"):
                break
        joining = frida.attach(app.pid)   # what `frida-join PID HOST:PORT` does on the phone side
        joining.join_portal(cluster)
        joining.detach()

        outcome = {}
        request = Request(device=DeviceChoice("remote", control), pid=app.pid, app_package=APP_PACKAGE)
        runner = threading.Thread(target=lambda: outcome.update(result=run(case, request)))
        runner.start()
        for _ in range(200):   # until the hooks are in place (bounded: 10 s)
            if any(b["event"] == "hooks_ready" for b in bodies(case, "hook.session")):
                break
            time.sleep(0.05)
        app.stdin.write("consent\n")
        app.stdin.flush()
        runner.join(60)
        assert app.wait(30) == 0
    finally:
        if app.poll() is None:
            app.kill()
    info = json.loads((case.root / "case.json").read_text())["instrumentation"]
    assert info["device"]["kind"] == "remote" and info["device"]["id"] == f"socket@{control}"
    events = bodies(case, "hook.event")
    # after attaching: AppsFlyer's five calls, and ByteDance's EventLog told the choice (its getString and the
    # connection of its beacon)
    assert sorted(actor(e)["sdk"] for e in events if actor(e)["sdk"]) == ["AppsFlyer"] * 5 + ["Pangle"] * 2
    assert (outcome["result"].ended_by_itself, outcome["result"].verdict) == (True, "exited(0)")
