"""mitmdump run the way a user runs it by hand (no auditor session around it): listen on a free port, find that
port in its own log line, stop with SIGTERM. Used to load one auditor addon alone, and as the bench's baseline."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

MITMDUMP = str(Path(sys.executable).parent / "mitmdump")     # installed with mitmproxy, beside this Python
LISTENING = re.compile(r"proxy listening at ([\d.]+):(\d+)")
START_TIMEOUT = 30.0


@dataclass
class Mitmdump:
    process: subprocess.Popen
    confdir: Path
    address: tuple[str, int] = ("", 0)
    log: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, confdir: Path, *args: str, program: tuple[str, ...] = (MITMDUMP,)) -> Mitmdump:
        """`program`: mitmdump, or another mitmproxy entry point taking its options (the bench's core proxy)."""
        process = subprocess.Popen(
            [*program, "--listen-host", "127.0.0.1", "--listen-port", "0", "--set", f"confdir={confdir}",
             "--set", "flow_detail=0", "--set", "termlog_verbosity=info", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
        dump = cls(process, Path(confdir))
        found = threading.Event()

        def drain() -> None:            # mitmdump blocks on a full pipe: read its output until it exits
            assert process.stdout is not None
            for line in process.stdout:
                dump.log.append(line)
                if not found.is_set() and (match := LISTENING.search(line)):
                    dump.address = (match[1], int(match[2]))
                    found.set()
            found.set()

        threading.Thread(target=drain, daemon=True).start()
        if not found.wait(START_TIMEOUT) or dump.address[1] == 0:
            process.kill()
            process.wait()
            raise RuntimeError("mitmdump did not start:\n" + "".join(dump.log[-20:]))
        return dump

    @property
    def ca_path(self) -> Path:
        """mitmproxy's CA (it creates one in confdir on first start)."""
        return self.confdir / "mitmproxy-ca-cert.pem"

    def stop(self, timeout: float = 30.0) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)
