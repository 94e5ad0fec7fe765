"""How often the reference app on the JVM fails to end under the shipped agent: RUNS runs of the frida command
line (`frida -l agent.js -- java -jar reference-app.jar`), each bounded by a deadline; a run still going at its
deadline is counted as a hang and its process group killed. With --against AGENT_JS, another build of the
agent (e.g. main's auditor/instrument/agent.js copied aside) runs the same app in the same session, alternating
with this one, so both counts share the machine's load. The hang this measures needs a busy machine: run it
beside a load (e.g. `yes > /dev/null &`). All traffic goes to a loopback sink that refuses every CONNECT.

Measured on the 2-core machine beside one `yes` loop, 2026-12-02: the agent before the JVM_Halt change hung in
6 of 48 runs and 3 of 40; the agent ending the process itself at JVM_Halt in 0 of 120 and 0 of 40.

    .venv/bin/python -m bench.jvm_exit_hangs [RUNS] [--against AGENT_JS]   (RUNS default: 60)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.instrument.agent import AGENT_PATH
from auditor.reference.assets import default_world
from auditor.reference.launcher import JAVA17, jvm_launch, write_hosts_file
from auditor.world import load_world
from bench import runs_and_against
from tests.instrument.conftest import ProxySink

FRIDA = Path(sys.executable).parent / "frida"
DEADLINE_S = 40


def ends(agent: Path, app_argv: tuple[str, ...]) -> bool:
    """One run of the app under `agent`: True when it ended by itself, with the REPL's last line printed."""
    child = subprocess.Popen([str(FRIDA), "-q", "-t", "60", "--stdio", "pipe", "-l", str(agent), "--", *app_argv],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             start_new_session=True)
    try:
        out, _ = child.communicate(timeout=DEADLINE_S)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        subprocess.run(["pkill", "-9", "-f", "--", f"-Djdk.net.hosts.file={app_argv[1].split('=', 1)[1]}"], check=False)
        child.communicate()
        return False
    if child.returncode != 0 or b"Process terminated" not in out:
        raise SystemExit(f"{agent}: the run failed (exit {child.returncode}):\n{out.decode()[-2000:]}")
    return True


def main(runs: int, against: Path | None) -> None:
    agents = {"this agent": AGENT_PATH} | ({f"against {against}": against} if against else {})
    hangs = dict.fromkeys(agents, 0)
    with tempfile.TemporaryDirectory() as tmp:
        sink = ProxySink().start()
        try:
            hosts = write_hosts_file(load_world(default_world()), Path(tmp) / "hosts")
            argv = jvm_launch(hosts_file=hosts, proxy=("127.0.0.1", sink.port), consent="auto", java=JAVA17,
                              consent_timeout=60).argv
            started = time.monotonic()
            for _ in range(runs):
                for name, agent in agents.items():
                    hangs[name] += not ends(agent, argv)
        finally:
            sink.stop()
    print(f"{runs} runs each, {time.monotonic() - started:.0f} s in all, a run still going after {DEADLINE_S} s "
          "counted as a hang:")
    for name, count in hangs.items():
        print(f"  {name}: {count} hang(s) in {runs} runs")


if __name__ == "__main__":
    main(*runs_and_against(sys.argv[1:], 60))
