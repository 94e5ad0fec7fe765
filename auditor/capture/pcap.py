"""The second witness of a capture: dumpcap records the packets between the device and the proxy, and the
proxy's own TLS secrets (mitmproxy's key log) are kept, so `auditor witness` can decrypt the wire and check
every recorded flow against it. The same dumpcap runs alone for a passive capture (capture/passive.py). This
module records; it never interprets.

mitmproxy reads MITMPROXY_SSLKEYLOGFILE once, when mitmproxy.net.tls is imported (mitmproxy 11.0.2,
net/tls.py `log_master_secret`), and logs the secrets of every TLS session it terminates or opens, so the
variable is set in the proxy process's environment before it starts.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.capture.processes import end_process
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import utc_now
from auditor.errors import InputError

KEYLOG_ENV = "MITMPROXY_SSLKEYLOGFILE"
DEFAULT_INTERFACE = "any"       # Linux's pseudo-interface: loopback and the phone's network alike
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0
# libpcap hands packets over in blocks, a block at the latest after dumpcap's read timeout (250 ms); a SIGINT
# before then loses the packets of the last block (seen: a capture stopped right after its traffic had none).
DRAIN_S = 1.0
PCAP_NAME = "capture.pcapng"
KEYLOG_NAME = "proxy-keys.log"


def dumpcap_binary() -> str:
    found = shutil.which("dumpcap")
    if found is None:
        raise InputError("--pcap", "dumpcap is not installed (Debian package 'tshark'; see scripts/apt-runtime.txt)")
    return found


@dataclass
class PacketCapture:
    """dumpcap on `interface` (the proxy's listening port only, or a passive capture's filter), into `workdir`
    until stopped."""
    workdir: Path
    interface: str = DEFAULT_INTERFACE
    process: subprocess.Popen | None = field(default=None, init=False)
    capture_filter: str = field(default="", init=False)
    started_at: str = field(default="", init=False)

    @property
    def pcap_path(self) -> Path:
        return self.workdir / PCAP_NAME

    @property
    def keylog_path(self) -> Path:
        return self.workdir / KEYLOG_NAME

    def start(self, capture_filter: str) -> None:
        """Capture what `capture_filter` (libpcap syntax; "" for everything) lets through; returns once dumpcap
        is capturing. The proxy's filter is `port N`: TCP and UDP, as a WireGuard listener is UDP."""
        self.capture_filter = capture_filter
        filter_args = ["-f", capture_filter] if capture_filter else []
        self._stderr = open(self.workdir / "dumpcap.log", "wb")
        self.started_at = utc_now()
        self.process = subprocess.Popen(
            [dumpcap_binary(), "-q", "-i", self.interface, *filter_args, "-w", str(self.pcap_path)],
            stdout=subprocess.DEVNULL, stderr=self._stderr, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        # dumpcap names its output file once the interface is open and the filter compiled.
        while b"File:" not in (self.workdir / "dumpcap.log").read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop_process()
                raise InputError(self.interface, f"dumpcap did not start: {self.log_text() or 'no output'}")
            time.sleep(0.02)

    def log_text(self) -> str:
        return (self.workdir / "dumpcap.log").read_text(errors="replace").strip()[-2000:]

    def stop_process(self) -> int:
        """SIGINT lets dumpcap flush and close the pcapng; SIGKILL after STOP_TIMEOUT."""
        assert self.process is not None
        if self.process.poll() is None:
            time.sleep(DRAIN_S)
        end_process(self.process, signal.SIGINT, STOP_TIMEOUT)
        self._stderr.close()
        return self.process.returncode

    def stop_and_store(self, case: Case) -> tuple[dict[str, Any], str | None]:
        """Stop dumpcap and store the pcapng: the body of its ledger event and the artifact (None when dumpcap
        left no file: recorded too, the witness then states it has no wire)."""
        returncode = self.stop_process()
        digest, size = case.artifacts.put_file(self.pcap_path) if self.pcap_path.exists() else (None, 0)
        return {"interface": self.interface, "filter": self.capture_filter, "tool": "dumpcap",
                "returncode": returncode, "size": size, "started": self.started_at, "stopped": utc_now(),
                "log": self.log_text()}, digest

    def stop(self, case: Case, proxy_pid: int) -> None:
        """Stop dumpcap and store the pcapng and the proxy's key log, each with its ledger event."""
        body, digest = self.stop_and_store(case)
        with case.ledger(fsync_interval=0) as ledger:
            ledger.append("proxy", Kind.PROXY_PCAP, {"proxy_pid": proxy_pid, **body}, artifact=digest)
            keylog = self.keylog_path.read_bytes() if self.keylog_path.exists() else b""
            lines = [line for line in keylog.splitlines() if line.strip()]
            ledger.append("proxy", Kind.PROXY_KEYLOG, {
                "proxy_pid": proxy_pid, "format": "NSS key log", "lines": len(lines),
                "source": f"mitmproxy ({KEYLOG_ENV})"},
                artifact=case.artifacts.put_bytes(keylog) if lines else None)
