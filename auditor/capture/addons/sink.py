"""The proxy process's single door into the case: the flow journal, the artifact store and the ledger.

Every addon of the capture writes through `case_sink()`, so the process holds one ledger handle (as the case
API asks) and one append handle on flows.journal (auditor/capture/journal.py), locked while the process lives:
- flows are appended to the journal with one write each, on the hot path (the recorder addon);
- artifacts and ledger events (known unknowns, proxy.started) go through a queue to one writer thread, in
  order: file creation costs more than mitmproxy spends on a flow and must not stall its event loop.
A background fsync follows within SYNC_INTERVAL seconds, the same power-loss bound the ledger states.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import queue
import threading
from pathlib import Path
from typing import Any

from mitmproxy import ctx

from auditor.capture import journal
from auditor.capture.durability import PendingSync, write_all
from auditor.case.bundle import Case
from auditor.case.layout import JOURNAL_FILE
from auditor.case.ledger import Ledger

CASE_OPTION = "auditor_case"
SYNC_INTERVAL = 0.2
SOURCE = "proxy"
QUEUE_LIMIT = 10_000        # back-pressure: a writer that falls this far behind slows the proxy down


def add_case_option(loader: Any) -> None:
    """Every capture addon declares the same option, so each one also loads on its own with mitmdump -s."""
    loader.add_option(CASE_OPTION, str, "", "auditor case directory the capture records into")


class CaseSink:
    def __init__(self, root: Path):
        self.case = Case.open(root)
        self.ledger: Ledger = self.case.ledger(fsync_interval=SYNC_INTERVAL)
        self._journal_fd, self.journal_id = journal.open_for_append(self.case.root / JOURNAL_FILE)
        self._journal_lock = threading.Lock()
        self._pending = PendingSync()
        self._queue: queue.Queue[tuple | None] = queue.Queue(QUEUE_LIMIT)
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._write_loop, name="capture-writer", daemon=True)
        self._syncer = threading.Thread(target=self._sync_loop, name="capture-fsync", daemon=True)
        self._writer.start()
        self._syncer.start()

    def event(self, kind: str, body: dict[str, Any], artifact: str | None = None) -> None:
        """Queue a ledger event; it is appended after every artifact queued before it."""
        self._queue.put(("event", kind, body, artifact))

    def put(self, data: bytes) -> str:
        """Queue bytes for the artifact store; their digest now."""
        digest = hashlib.sha256(data).hexdigest()
        self._queue.put(("artifact", data, digest))
        return digest

    def note_artifact(self, digest: str) -> None:
        """An artifact written by a streaming writer (sync=False) that the next sync must flush."""
        self._pending.add(self.case.artifacts.path_for(digest))

    def append_journal(self, record: bytes) -> None:
        """Append one journal record with a single write (a loop only if the kernel takes it in parts)."""
        with self._journal_lock:
            write_all(self._journal_fd, record)

    def flush(self) -> None:
        """Wait until everything queued so far is written."""
        self._queue.join()

    def _write_loop(self) -> None:
        store = self.case.artifacts
        while (job := self._queue.get()) is not None:
            try:
                if job[0] == "artifact":
                    _, data, digest = job
                    if digest not in store:
                        store.put_bytes(data, sync=False)
                        self.note_artifact(digest)
                else:
                    _, kind, body, artifact = job
                    self.ledger.append(SOURCE, kind, body, artifact=artifact)
            finally:
                self._queue.task_done()

    def sync(self) -> None:
        with self._journal_lock:
            os.fsync(self._journal_fd)
        self._pending.flush()

    def _sync_loop(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL):
            self.sync()

    def close(self) -> None:
        """Drain the writer, then sync everything and close."""
        self._queue.put(None)
        self._writer.join()
        self._stop.set()
        self._syncer.join()
        self.sync()
        os.close(self._journal_fd)         # releases the lock: the ingester may now read to the end
        self.ledger.close()


_sink: CaseSink | None = None
_sink_lock = threading.Lock()


def case_sink() -> CaseSink | None:
    """The process's sink for the case named by the auditor_case option (None when no case is set)."""
    global _sink
    root = ctx.options.auditor_case
    if not root:
        return None
    with _sink_lock:
        if _sink is None or _sink.case.root != Path(root):
            if _sink is None:
                atexit.register(close_sink)     # mitmdump exits normally after SIGTERM: drain and sync then
            else:
                _sink.close()
            _sink = CaseSink(Path(root))
        return _sink


def close_sink() -> None:
    global _sink
    with _sink_lock:
        if _sink is not None:
            _sink.close()
            _sink = None
