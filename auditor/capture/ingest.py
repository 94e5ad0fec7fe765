"""Follow CASE/flows.journal and turn each finished flow into its record in flows.mitm, its artifacts and a
`proxy.flow` ledger event.

The proxy only appends flow states to the journal (the recorder addon; auditor/capture/journal.py). This runs
beside it at idle CPU priority, polling the journal, so the proxy's event loop never waits on serialisation
or file creation. Per flow, in this order: the record in mitmproxy's own stream format appended to
flows.mitm (re-readable with `mitmdump -nr`); its bodies stored raw as artifacts; the event naming the
record's SHA-256, offset and length in flows.mitm (not stored again as an artifact: flows.mitm is itself
covered by the seal) and the journal position it came from. Once the proxy is gone (its lock on the journal
released, however it ended) the rest is ingested, a record cut short by a kill is reported as
`proxy.stream_torn` with its bytes kept as an artifact (that flow never completed), and the journal, now
redundant, is deleted.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from mitmproxy import flow as mitm_flow
from mitmproxy import http
from mitmproxy.io import tnetstring

from auditor.capture import journal
from auditor.capture.addons.recorder import describe_flow
from auditor.capture.durability import PendingSync, fsync_path, write_all
from auditor.capture.oversized import fit_event
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.layout import FLOWS_FILE, JOURNAL_FILE
from auditor.case.ledger import EventTooLarge, Ledger
from auditor.case.ledger_check import read_records

POLL_INTERVAL = 0.05
WRITER_WAIT = 60.0      # the final pass waits this long for a proxy still holding the journal


def recorded_ends(case: Case) -> tuple[int, dict[str, int]]:
    """Where the bytes of flows.mitm that events account for end, and where each journal's ingested records end."""
    stream_end, journal_ends = 0, {}
    for record in read_records(case.ledger_path):
        kind, body = record.get("kind"), record.get("body") or {}
        if kind == Kind.PROXY_FLOW:
            stream, source = body.get("stream"), body.get("journal")
            if isinstance(stream, dict) and stream.get("file") == FLOWS_FILE:
                stream_end = max(stream_end, stream["offset"] + stream["length"])
            if isinstance(source, dict):
                journal_ends[source["id"]] = max(journal_ends.get(source["id"], 0), source["end"])
        elif kind == Kind.PROXY_STREAM_TORN and body.get("file") == FLOWS_FILE:
            # bytes cut off flows.mitm end where they began; older sessions left them in place
            stream_end = max(stream_end, body["offset"] + (0 if body.get("cut") else body["bytes"]))
    return stream_end, journal_ends


class StreamIngester:
    def __init__(self, case: Case, trusted_ca_file: str):
        self.case = case
        self.trusted_ca_file = trusted_ca_file
        self.journal_path = case.root / JOURNAL_FILE
        self.stream_path = case.root / FLOWS_FILE
        self.flows = 0
        self._ledger: Ledger = case.ledger()
        self._pending = PendingSync()
        self._stream_end, self._journal_ends = recorded_ends(case)
        self._journal_id: str | None = None
        self._offset = 0
        self._stream_fd = os.open(self.stream_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._account_for_stream_tail()

    def _account_for_stream_tail(self) -> None:
        """Bytes at the end of flows.mitm that no event accounts for (a record cut short, or one whose event
        was never written) are kept as an artifact, reported once and cut off: the flow among them is
        ingested again from the journal, so flows.mitm holds each record once and stays readable."""
        size = os.fstat(self._stream_fd).st_size
        if size > self._stream_end:
            with open(self.stream_path, "rb") as handle:
                handle.seek(self._stream_end)
                digest, _ = self.case.artifacts.put_stream(handle)
            self._ledger.append("proxy", Kind.PROXY_STREAM_TORN, {
                "file": FLOWS_FILE, "offset": self._stream_end, "bytes": size - self._stream_end, "cut": True,
                "error": "no proxy.flow event accounts for these bytes (a writer stopped between record and "
                         "event); cut off, kept as the artifact: any flow among them is ingested again from the "
                         "journal"}, artifact=digest)
            os.ftruncate(self._stream_fd, self._stream_end)

    def _open_journal(self) -> bool:
        if self._journal_id is None:
            try:
                self._journal_id = journal.read_id(self.journal_path)
            except (FileNotFoundError, ValueError):
                return False            # no proxy has recorded yet, or its header is still being written
            self._offset = self._journal_ends.get(self._journal_id, journal.HEADER_SIZE)
        return True

    def poll(self) -> int:
        """Ingest the complete records after the current position; returns how many flows were recorded."""
        if not self._open_journal():
            return 0
        ingested = 0
        with open(self.journal_path, "rb") as handle:
            try:
                for state, end in journal.records(handle, self._offset):
                    self._record(state, end)
                    ingested += 1
            except journal.DamagedRecord:
                pass                    # left where it is: finish() reports it with what follows
        self.flows += ingested
        self._pending.flush()           # one batch of fsyncs per poll, off the proxy's path
        return ingested

    def _put(self, data: bytes) -> str:
        digest = self.case.artifacts.put_bytes(data, sync=False)
        self._pending.add(self.case.artifacts.path_for(digest))
        return digest

    def _record(self, state: dict[str, Any], end: int) -> None:
        record = tnetstring.dumps(state)            # before from_state, which takes the state apart
        flow = mitm_flow.Flow.from_state(state)
        if not isinstance(flow, http.HTTPFlow):
            raise ValueError(f"journal record of a {type(flow).__name__}, not an HTTP flow")
        body = describe_flow(flow, self.trusted_ca_file, self._put)
        body["stream"] = {"file": FLOWS_FILE, "offset": self._stream_end, "length": len(record),
                          "sha256": hashlib.sha256(record).hexdigest()}
        body["journal"] = {"id": self._journal_id, "end": end}
        write_all(self._stream_fd, record)
        self._pending.add(self.stream_path)
        try:
            self._append_flow(body)
        except BaseException:
            # No event accounts for the record: take it back, so a later try appends it once, not twice.
            os.ftruncate(self._stream_fd, self._stream_end)
            raise
        self._stream_end += len(record)
        self._offset = end

    def _append_flow(self, body: dict[str, Any]) -> None:
        """The event as described, or, when the flow is too large for one ledger line (or has header bytes
        that are not UTF-8), with those parts cut into artifacts and the cuts on record."""
        try:
            self._ledger.append("proxy", Kind.PROXY_FLOW, body)
        except (EventTooLarge, UnicodeEncodeError):
            self._ledger.append("proxy", Kind.PROXY_FLOW, fit_event(body, self._put))

    def finish(self, writer_wait: float = WRITER_WAIT) -> bool:
        """The proxy is ending: once its lock on the journal is released, ingest the rest, report a torn tail,
        and delete the journal when all of it is in flows.mitm, the artifact store and the ledger, on disk.
        False if a proxy still held the journal after `writer_wait` seconds (what it had written is ingested;
        the journal stays for a later session)."""
        if not self.journal_path.exists():
            return True
        writer_gone = journal.wait_for_writer(self.journal_path, writer_wait)
        self.poll()
        if not writer_gone:
            return False
        size = self.journal_path.stat().st_size
        start = self._offset if self._journal_id is not None else 0
        if size > start:
            with open(self.journal_path, "rb") as handle:
                handle.seek(start)
                digest, _ = self.case.artifacts.put_stream(handle)
            self._ledger.append("proxy", Kind.PROXY_STREAM_TORN, {
                "file": JOURNAL_FILE, "offset": start, "bytes": size - start,
                "error": "a flow record cut short: the proxy stopped while writing it, before the client saw "
                         "the end of that response"}, artifact=digest)
        self._ledger.sync()
        os.fsync(self._stream_fd)
        self.journal_path.unlink()
        fsync_path(self.case.root)
        return True

    def follow(self, stop: threading.Event) -> None:
        """Ingest as flows arrive until `stop` is set (the proxy is ending), then finish."""
        while not stop.wait(POLL_INTERVAL):
            self.poll()
        self.finish()
        self.close()

    def close(self) -> None:
        os.close(self._stream_fd)
        self._ledger.close()


def _idle_priority() -> None:
    """SCHED_IDLE: the ingester runs on CPU time nothing else wants and yields at once to any other task that
    wakes (at nice 19 it still delayed the proxy and its clients: bench auditor/bare 0.78 vs 0.89). Under
    sustained full load it falls behind and catches up when the proxy stops; the flows wait in the journal."""
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))


class IngestProcess:
    """The ingester as a child process at idle CPU priority. Closing its stdin means 'the proxy is ending:
    finish' — so it also finishes if the capturing process itself dies (it then waits for the proxy's lock)."""

    def __init__(self, case_dir: Path, trusted_ca_file: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "auditor.capture.ingest", str(case_dir), trusted_ca_file],
            stdin=subprocess.PIPE, preexec_fn=_idle_priority)

    def finish(self, timeout: float) -> int:
        """Wait for the backlog to be ingested; returns the exit status."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(timeout)


def main() -> None:
    case_dir, trusted_ca_file = sys.argv[1], sys.argv[2]
    ingester = StreamIngester(Case.open(Path(case_dir)), trusted_ca_file)
    stop = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), stop.set()), daemon=True).start()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)   # the capturing process decides when ingest is over
    ingester.follow(stop)


if __name__ == "__main__":
    main()
