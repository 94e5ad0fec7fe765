"""Follow CASE/flows.mitm and turn each new flow into its artifacts and a `proxy.flow` ledger event.

The proxy only appends flows to its stream file (the recorder addon); this runs in the capturing process,
polling the file, so the proxy's event loop never waits on file creation. Each record is read back with
mitmproxy's own reader, its bodies stored raw as artifacts, and the event names the record's SHA-256 and its
offset and length in flows.mitm (the record is not stored a second time as an artifact: flows.mitm is itself
covered by the seal, and each record is checkable against its event). A record still being written is left
for the next poll; once the proxy is gone, a record cut short (killed mid-write) is reported as
`proxy.stream_torn`: that flow never completed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from mitmproxy import http
from mitmproxy import io as mitm_io

from auditor.capture.addons.recorder import describe_flow
from auditor.capture.addons.sink import STREAM_FILE
from auditor.capture.durability import PendingSync
from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.case.ledger_check import read_records

POLL_INTERVAL = 0.05


def recorded_end(case: Case) -> int:
    """Where the flows already in the ledger end in flows.mitm (a new session continues from there)."""
    end = 0
    for record in read_records(case.ledger_path):
        stream = record["body"].get("stream") if record.get("kind") == "proxy.flow" else None
        if isinstance(stream, dict) and stream.get("file") == STREAM_FILE:
            end = max(end, stream["offset"] + stream["length"])
    return end


class StreamIngester:
    def __init__(self, case: Case, trusted_ca_file: str, offset: int | None = None):
        self.case = case
        self.trusted_ca_file = trusted_ca_file
        self.path = case.root / STREAM_FILE
        self.offset = recorded_end(case) if offset is None else offset
        self.flows = 0
        self._ledger: Ledger = case.ledger()
        self._pending = PendingSync()

    def poll(self, final: bool = False) -> int:
        """Ingest the complete records after the current offset; returns how many flows were recorded."""
        if not self.path.exists():
            return 0
        ingested = 0
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            try:
                for flow in mitm_io.FlowReader(handle).stream():
                    end = handle.tell()
                    handle.seek(self.offset)
                    record = handle.read(end - self.offset)
                    if isinstance(flow, http.HTTPFlow):
                        self._record(flow, record)
                        ingested += 1
                    self.offset = end
            except Exception as exc:       # an incomplete record: still being written, or torn by a kill
                size = self.path.stat().st_size
                if final and size > self.offset:
                    self._ledger.append("proxy", "proxy.stream_torn", {
                        "file": STREAM_FILE, "offset": self.offset, "bytes": size - self.offset,
                        "error": str(exc)[:500]})
                    self.offset = size      # a later session appends after the torn bytes
        self.flows += ingested
        self._pending.flush()           # one batch of fsyncs per poll, off the proxy's path
        return ingested

    def _put(self, data: bytes) -> str:
        digest = self.case.artifacts.put_bytes(data, sync=False)
        self._pending.add(self.case.artifacts.path_for(digest))
        return digest

    def _record(self, flow: http.HTTPFlow, record: bytes) -> None:
        body = describe_flow(flow, self.trusted_ca_file, self._put)
        body["stream"] = {"file": STREAM_FILE, "offset": self.offset, "length": len(record),
                          "sha256": hashlib.sha256(record).hexdigest()}
        self._ledger.append("proxy", "proxy.flow", body)

    def follow(self, stop: threading.Event) -> None:
        """Ingest as flows arrive until `stop` is set, then what is left (the proxy has exited by then)."""
        while not stop.wait(POLL_INTERVAL):
            self.poll()
        self.poll(final=True)
        self._ledger.close()

    def close(self) -> None:
        self._ledger.close()


def _idle_priority() -> None:
    """The lowest nice level: under load the ingester gets ~1.5 % of a contended core (not SCHED_IDLE, which
    would starve it while anything else runs), and all the CPU nothing else wants."""
    os.nice(19)


class IngestProcess:
    """The ingester as a child process at lower CPU priority: under load the proxy gets the CPU first and
    the ledger catches up after (the flows are already safe in flows.mitm). Closing its stdin means
    'the proxy has exited: finish' — so it also finishes if the capturing process itself dies."""

    def __init__(self, case_dir: Path, trusted_ca_file: str, offset: int):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "auditor.capture.ingest", str(case_dir), trusted_ca_file, str(offset)],
            stdin=subprocess.PIPE, preexec_fn=_idle_priority)

    def finish(self, timeout: float) -> int:
        """Wait for the backlog to be ingested; returns the exit status."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout)


def main() -> None:
    case_dir, trusted_ca_file, offset = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ingester = StreamIngester(Case.open(Path(case_dir)), trusted_ca_file, offset)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop.set()), daemon=True).start()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # the capturing process decides when ingest is over
    ingester.follow(stop)


if __name__ == "__main__":
    main()
