"""The shipped agent also works on its own under the frida command line (`frida -l agent.js -P PARAMS`)."""

from __future__ import annotations

import ast
import collections
import subprocess
import sys
from pathlib import Path

from auditor.instrument.agent import AGENT_PATH

from .reference_expectations import EXPECTED

FRIDA = Path(sys.executable).parent / "frida"


def test_frida_cli_loads_the_agent_and_plants_from_parameters(reference_argv, proxy_sink):
    # With piped stdio the REPL prints the app's output itself, so it never lands inside a message line.
    done = subprocess.run(
        [str(FRIDA), "-q", "-t", "60", "--stdio", "pipe", "-l", str(AGENT_PATH),
         "-P", '{"plant": {"clipboard": "CLI-CANARY-42"}}', "--", *reference_argv(proxy_sink.port)],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    payloads = [ast.literal_eval(line.split("message: ", 1)[1].rsplit(" data: ", 1)[0])["payload"]
                for line in done.stdout.splitlines() if line.startswith("message: {")]
    events = [p for p in payloads if p["type"] == "hook.event"]
    expected = collections.Counter()
    for (api, _, _), count in EXPECTED.items():
        expected[api] += count
    assert collections.Counter(e["api"] for e in events) == expected
    clips = [e for e in events if e["api"] == "android.content.ClipboardManager.getPrimaryClip"]
    assert len(clips) == 2 and all(e["planted"]["value"] == "CLI-CANARY-42" for e in clips)
    assert [p["when"] for p in payloads if p["type"] == "hook.ready"] == ["JNI_CreateJavaVM"]
    assert "AUDITOR-DONE" in done.stdout and "Process terminated" in done.stdout
