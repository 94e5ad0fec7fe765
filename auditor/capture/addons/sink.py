"""The proxy process's single door into the case: ledger, artifact store and mitmproxy's stream file.

Every addon of the capture writes through `case_sink()`, so the process holds one ledger handle (as the case
API asks) and one append handle on flows.mitm. Writes are made on the proxy's hot path without fsync — a
flow's record is in the kernel before the client receives the response, which is what a SIGKILL of the
proxy can't take away — and a background thread fsyncs everything written within SYNC_INTERVAL seconds,
the same power-loss bound the ledger states.
"""

from __future__ import annotations

import atexit
import os
import threading
from pathlib import Path
from typing import Any

from mitmproxy import ctx

from auditor.case.bundle import Case
from auditor.case.ledger import Ledger

CASE_OPTION = "auditor_case"
STREAM_FILE = "flows.mitm"
SYNC_INTERVAL = 0.2
SOURCE = "proxy"


def add_case_option(loader: Any) -> None:
    """Every capture addon declares the same option, so each one also loads on its own with mitmdump -s."""
    loader.add_option(CASE_OPTION, str, "", "auditor case directory the capture records into")


class CaseSink:
    def __init__(self, root: Path):
        self.case = Case.open(root)
        self.ledger: Ledger = self.case.ledger(fsync_interval=SYNC_INTERVAL)
        self._stream_fd = os.open(self.case.root / STREAM_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()
        self._unsynced: list[Path] = []
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="capture-fsync", daemon=True)
        self._syncer.start()

    def event(self, kind: str, body: dict[str, Any], artifact: str | None = None) -> dict[str, Any]:
        return self.ledger.append(SOURCE, kind, body, artifact=artifact)

    def put(self, data: bytes) -> str:
        digest = self.case.artifacts.put_bytes(data, sync=False)
        self._note_unsynced(self.case.artifacts.path_for(digest))
        return digest

    def note_artifact(self, digest: str) -> None:
        """An artifact written by a streaming writer (sync=False) that the next sync must flush."""
        self._note_unsynced(self.case.artifacts.path_for(digest))

    def _note_unsynced(self, path: Path) -> None:
        with self._lock:
            self._unsynced.append(path)

    def append_stream(self, record: bytes) -> tuple[int, int]:
        """Append one serialised flow to flows.mitm with a single write; returns (offset, length)."""
        with self._lock:
            offset = os.fstat(self._stream_fd).st_size
            view = memoryview(record)
            while view:
                view = view[os.write(self._stream_fd, view):]
        return offset, len(record)

    def sync(self) -> None:
        with self._lock:
            paths, self._unsynced = self._unsynced, []
            os.fsync(self._stream_fd)
        for path in paths:
            _fsync_path(path)
        for directory in {path.parent for path in paths}:
            _fsync_path(directory)

    def _sync_loop(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL):
            self.sync()

    def close(self) -> None:
        self._stop.set()
        self._syncer.join()
        self.sync()
        os.close(self._stream_fd)
        self.ledger.close()


def _fsync_path(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
                atexit.register(close_sink)     # mitmdump exits normally after SIGTERM: flush and sync then
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
