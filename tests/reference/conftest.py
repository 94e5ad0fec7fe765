"""Fixtures for the reference app: its world, the upstream TLS servers, a real mitmdump in front of them,
and a runner for the JVM program that answers the consent question at the right moment."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from auditor.reference import launcher
from auditor.reference.assets import default_world
from auditor.reference.upstream import ReceivedRequest, UpstreamServers
from auditor.world import World, load_world

ROOT = Path(__file__).resolve().parents[2]
ADDON = Path(__file__).with_name("world_addon.py")
LISTENING = re.compile(r"proxy listening at .*:(\d+)")


@pytest.fixture(scope="session")
def world() -> World:
    return load_world(default_world())


@pytest.fixture(scope="module")
def upstream(world: World, tmp_path_factory: pytest.TempPathFactory) -> UpstreamServers:
    with UpstreamServers(world, tmp_path_factory.mktemp("upstream")) as servers:
        yield servers


@dataclass
class Mitmdump:
    port: int
    ca_pem: Path
    process: subprocess.Popen[str]
    log: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def mitmdump(upstream: UpstreamServers, tmp_path_factory: pytest.TempPathFactory) -> Mitmdump:
    confdir = tmp_path_factory.mktemp("mitmconf")
    binary = Path(sys.executable).with_name("mitmdump")
    process = subprocess.Popen(
        [str(binary), "--listen-host", "127.0.0.1", "--listen-port", "0", "--set", f"confdir={confdir}",
         "--set", "termlog_verbosity=info", "--set", "flow_detail=0", "--set", "http3=false",
         "-s", str(ADDON), "--set", f"world_file={default_world()}", "--set", f"world_port={upstream.port}",
         "--set", f"ssl_verify_upstream_trusted_ca={upstream.ca_pem}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    proxy = Mitmdump(0, confdir / "mitmproxy-ca-cert.pem", process)
    started = threading.Event()

    def pump() -> None:
        for line in process.stdout:  # keep draining, or mitmdump blocks on a full pipe
            proxy.log.append(line.rstrip())
            if not started.is_set() and (match := LISTENING.search(line)):
                proxy.port = int(match.group(1))
                started.set()
        started.set()

    threading.Thread(target=pump, daemon=True).start()
    try:
        assert started.wait(30) and proxy.port, "mitmdump did not start:\n" + "\n".join(proxy.log[-20:])
        yield proxy
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class JvmRun:
    returncode: int
    stdout: list[str]
    stderr: str
    before_answer: list[ReceivedRequest]
    after: list[ReceivedRequest]


@pytest.fixture
def run_app(upstream: UpstreamServers, mitmdump: Mitmdump, world: World, tmp_path: Path):
    """Run the JVM program through the proxy; at AUDITOR-AWAIT consent, snapshot what has arrived, answer."""

    def run(answer: str | None, device_state: dict[str, str] | None = None, timeout: float = 60,
            birthdate: str | None = None) -> JvmRun:
        state_file = launcher.write_device_state(device_state, tmp_path / "device.properties") \
            if device_state is not None else None
        launch = launcher.jvm_launch(hosts_file=launcher.write_hosts_file(world, tmp_path / "hosts"),
                                     proxy=("127.0.0.1", mitmdump.port), ca_pem=mitmdump.ca_pem,
                                     device_state=state_file, consent_timeout=20, age_gate=birthdate is not None)
        already = len(upstream.requests())
        process = launcher.start(launch)
        stderr: list[str] = []
        threading.Thread(target=lambda: stderr.extend(process.stderr), daemon=True).start()
        lines: list[str] = []
        before: list[ReceivedRequest] = []
        deadline = time.monotonic() + timeout
        try:
            for line in process.stdout:
                lines.append(line.rstrip("\n"))
                if line.startswith("AUDITOR-AWAIT birthdate"):
                    process.stdin.write(f"birthdate {birthdate}\n")
                    process.stdin.flush()
                if line.startswith("AUDITOR-AWAIT consent"):
                    before = upstream.requests()[already:]
                    if answer is None:
                        process.stdin.close()
                    else:
                        process.stdin.write(answer + "\n")
                        process.stdin.flush()
                assert time.monotonic() < deadline, lines
            returncode = process.wait(max(1.0, deadline - time.monotonic()))
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        time.sleep(0.05)  # let the stderr pump finish its last line
        return JvmRun(returncode, lines, "".join(stderr), before, upstream.requests()[already:])

    return run


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: run scripts/install.sh --test"
    return path
