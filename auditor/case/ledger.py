"""The case ledger: an append-only, hash-chained JSON Lines file that several processes write safely.

Line format. Each line is one JSON object. Its members, except the last, are the canonical JSON (sorted
keys, no spaces, UTF-8) of {seq, t_wall, t_mono_ns, source, kind, body, artifact, prev}; the last member is
always `"hash"`: the SHA-256 of those canonical bytes (the line up to `,"hash"`, closed with `}`). `prev` is
the hash of the line before (64 zeros for the first), so any changed byte, removed, inserted or reordered
line breaks the chain at a nameable place. Verifying a line costs one SHA-256 and one JSON parse.

Several writers. The proxy subprocess, the Frida event stream, device commands and operator notes all
append to the same file. Each append takes an exclusive advisory lock (flock) on the ledger, learns the
head (from its own cache when the file still has the size it left, otherwise by reading the last line),
and writes the whole line with a single write() in O_APPEND mode. The chain is thus one total order across
processes and no writer needs to know the others; `t_wall` and `t_mono_ns` are taken under the lock, so
they never go backwards along the chain.

Durability. A line is in the kernel before append() returns, so a writer killed with SIGKILL loses no event
whose append returned; at most the line being written is torn, and verification names it. Against power
loss, a writer fsyncs at most `fsync_interval` seconds (default 0.2 s) after an append; the bound is the
events appended in that window. Operator events use fsync_interval=0: synced before append() returns.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.case.canonical import canonical_json, sha256_hex
from auditor.case.events import Kind
from auditor.errors import InputError

GENESIS = "0" * 64
MAX_LINE_BYTES = 1 << 20
HASH_MEMBER = b',"hash":"'
HASH_SUFFIX_LEN = len(HASH_MEMBER) + 64 + len(b'"}\n')
RECORD_KEYS = frozenset({"seq", "t_wall", "t_mono_ns", "source", "kind", "body", "artifact", "prev", "hash"})
_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


class LedgerDamaged(InputError):
    """The ledger's end is not a complete, parseable line: a writer must not extend it."""


class EventTooLarge(ValueError):
    """An event whose line would exceed MAX_LINE_BYTES: its large parts belong in artifacts."""


def utc_now() -> str:
    """Wall-clock UTC, ISO 8601 with microseconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def encode_record(record: dict[str, Any]) -> tuple[bytes, str]:
    """The ledger line for a record without its hash, and that hash."""
    unsigned = canonical_json(record)
    digest = sha256_hex(unsigned)
    return unsigned[:-1] + HASH_MEMBER + digest.encode("ascii") + b'"}\n', digest


def split_line(line: bytes) -> tuple[bytes, str] | None:
    """The hashed bytes of a complete line and the hash it states, or None if the line is not of that form."""
    if len(line) < HASH_SUFFIX_LEN + 2 or not line.endswith(b'"}\n'):
        return None
    suffix_start = len(line) - HASH_SUFFIX_LEN
    if line[suffix_start : suffix_start + len(HASH_MEMBER)] != HASH_MEMBER:
        return None
    stated = line[suffix_start + len(HASH_MEMBER) : -3].decode("ascii", "replace")
    return line[:suffix_start] + b"}", stated


def _read_head(fd: int, size: int, path: Path) -> tuple[int, str]:
    """(seq, hash) of the ledger's last line; (0, GENESIS) for an empty ledger."""
    if size == 0:
        return 0, GENESIS
    start = max(0, size - MAX_LINE_BYTES - 1)
    tail = os.pread(fd, size - start, start)
    if not tail.endswith(b"\n"):
        raise LedgerDamaged(path, f"ends with an incomplete line at byte {size}: an earlier writer was "
                                  "interrupted; run 'auditor case repair' on the case")
    cut = tail.rfind(b"\n", 0, len(tail) - 1)
    last = tail[cut + 1 :]
    parts = split_line(last)
    try:
        record = json.loads(last)
        seq = record["seq"]
    except (ValueError, KeyError, TypeError, RecursionError):
        parts = None
    if parts is None or not isinstance(seq, int):
        raise LedgerDamaged(path, "its last line is not a ledger record; run 'auditor verify' on the case")
    return seq, parts[1]


class Ledger:
    """One process's handle for appending to a case ledger (thread-safe)."""

    def __init__(self, path: Path, fsync_interval: float = 0.2):
        self.path = Path(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        self._lock = threading.Lock()
        self._known_size = -1
        self._seq = 0
        self._head = GENESIS
        self._interval = fsync_interval
        self._dirty = False
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        if fsync_interval > 0:
            self._syncer = threading.Thread(target=self._sync_loop, name="ledger-fsync", daemon=True)
            self._syncer.start()

    def append(self, source: str, kind: Kind, body: dict[str, Any], artifact: str | None = None) -> dict[str, Any]:
        """Add one event; returns the record as written (with seq and hash). The kind must be one of
        auditor/case/events.py (a member, or its value from a room that still spells it out)."""
        return self.append_many(source, [(kind, body, artifact)])[0]

    def append_many(self, source: str, events: list[tuple[Kind, dict[str, Any], str | None]]) -> list[dict[str, Any]]:
        """Add several events as one unit: one lock, one write, one fsync (an import of thousands of entries
        would otherwise pay a system call and a flush per line). Every line is encoded and checked before
        the first byte is written; the lines are exactly those append() would have written one by one."""
        checked = []
        for kind, body, artifact in events:
            if not _NAME.match(source) or not _NAME.match(kind):
                raise ValueError(f"ledger source and kind must be short lower-case names, got {source!r}, {kind!r}")
            try:
                kind = Kind(kind)
            except ValueError:
                raise ValueError(f"unknown ledger event kind {kind!r}: define it in auditor/case/events.py "
                                 "first") from None
            if not isinstance(body, dict):
                raise ValueError("ledger body must be a JSON object")
            if artifact is not None and not _HEX64.match(artifact):
                raise ValueError(f"artifact must be a SHA-256 hex digest, got {artifact!r}")
            checked.append((kind, body, artifact))
        records: list[dict[str, Any]] = []
        with self._lock:
            if self._fd < 0:
                raise ValueError(f"{self.path}: ledger is closed")
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(self._fd).st_size
                if size != self._known_size:
                    self._seq, self._head = _read_head(self._fd, size, self.path)
                seq, head, lines = self._seq, self._head, []
                for kind, body, artifact in checked:
                    record = {
                        "seq": seq + 1,
                        "t_wall": utc_now(),
                        "t_mono_ns": time.monotonic_ns(),
                        "source": source,
                        "kind": kind.value,        # a plain str in the record handed back, as in one read back
                        "body": body,
                        "artifact": artifact,
                        "prev": head,
                    }
                    line, digest = encode_record(record)
                    if len(line) > MAX_LINE_BYTES:
                        raise EventTooLarge(f"ledger event of {len(line)} bytes exceeds {MAX_LINE_BYTES}: "
                                            "store large content as an artifact")
                    record["hash"] = digest
                    records.append(record)
                    lines.append(line)
                    seq, head = record["seq"], digest
                view = memoryview(b"".join(lines))
                written = len(view)
                try:
                    while view:
                        view = view[os.write(self._fd, view) :]
                except OSError as exc:      # a full disk: at most one line is torn ('auditor case repair')
                    raise OSError(exc.errno, exc.strerror, str(self.path)) from exc
                self._known_size = size + written
                self._seq, self._head = seq, head
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            if self._interval <= 0:
                os.fsync(self._fd)
            else:
                self._dirty = True
        return records

    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last line; LedgerDamaged when the ledger cannot be extended (checked before a
        command writes anything the ledger must then record)."""
        with self._lock:
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                size = os.fstat(self._fd).st_size
                self._seq, self._head = _read_head(self._fd, size, self.path)
                self._known_size = size
                return self._seq, self._head
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def _sync_loop(self) -> None:
        while not self._stop.wait(self._interval):
            self.sync()

    def sync(self) -> None:
        with self._lock:
            if self._fd >= 0 and self._dirty:
                self._dirty = False
                os.fsync(self._fd)

    def close(self) -> None:
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
        with self._lock:
            if self._fd >= 0:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = -1

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

