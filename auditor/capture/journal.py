"""CASE/flows.journal: where the proxy puts each finished flow before the client sees the end of its response.

The proxy's hot path has one job, making the flow survive a SIGKILL, and only about 60 µs per flow for it
(bench/capture_throughput.py). mitmproxy's own stream format costs twice that in pure Python, so the proxy
writes `marshal.dumps(flow.get_state())` — the very state mitmproxy's writer serialises, in CPython's C
serialiser, which round-trips those builtin types exactly — and the ingester turns each record into
mitmproxy's format in flows.mitm (byte for byte what `mitmdump -w` would have written for that state), off
the proxy's CPU. The journal is transient: the ingester deletes it once every record is in flows.mitm and the
ledger; one left behind by a crash is ingested by the next capture on the case.

Format: a header line `auditor-flow-journal 1 <id>\n` (a random id, so ledger events can say which journal
their position refers to), then records of an 8-byte big-endian length and that many bytes. The proxy holds
an exclusive flock on the file while it lives: whoever takes the lock knows no record is still being written.
"""

from __future__ import annotations

import fcntl
import marshal
import os
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from auditor.capture.durability import write_all

MAGIC = b"auditor-flow-journal 1 "
HEADER_SIZE = len(MAGIC) + 32 + 1
LENGTH = struct.Struct(">Q")


class DamagedRecord(ValueError):
    """A record whose length is complete but whose bytes do not decode (power loss can leave such garbage)."""


def encode(state: dict[str, Any]) -> bytes:
    """One record: the length prefix and the marshalled flow state."""
    payload = marshal.dumps(state)
    return LENGTH.pack(len(payload)) + payload


def open_for_append(path: Path) -> tuple[int, str]:
    """The proxy's descriptor, locked for its lifetime, and the journal's id (a new journal gets a header)."""
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise RuntimeError(f"{path} is held by another proxy: one capture at a time per case") from None
    if os.fstat(fd).st_size == 0:
        journal_id = os.urandom(16).hex()
        write_all(fd, MAGIC + journal_id.encode() + b"\n")
        return fd, journal_id
    return fd, read_id(path)


def read_id(path: Path) -> str:
    with open(path, "rb") as handle:
        header = handle.read(HEADER_SIZE)
    if len(header) != HEADER_SIZE or not header.startswith(MAGIC) or not header.endswith(b"\n"):
        raise ValueError(f"{path}: not an auditor flow journal (header {header[:40]!r})")
    return header[len(MAGIC):-1].decode("ascii")


def records(handle: BinaryIO, offset: int) -> Iterator[tuple[dict[str, Any], int]]:
    """(flow state, offset after the record) for each complete record from `offset`; stops at a partial one."""
    size = os.fstat(handle.fileno()).st_size
    handle.seek(offset)
    while offset + LENGTH.size <= size:
        (length,) = LENGTH.unpack(handle.read(LENGTH.size))
        if offset + LENGTH.size + length > size:
            return
        try:
            state = marshal.loads(handle.read(length))
        except (ValueError, EOFError, TypeError) as exc:
            raise DamagedRecord(f"journal record at {offset}: {exc}") from exc
        if not isinstance(state, dict):
            raise DamagedRecord(f"journal record at {offset}: a {type(state).__name__}, not a flow state")
        offset += LENGTH.size + length
        yield state, offset


def wait_for_writer(path: Path, timeout: float) -> bool:
    """Wait until no proxy holds the journal (it has exited, however); False if one still does at `timeout`."""
    deadline = time.monotonic() + timeout
    with open(path, "rb") as handle:
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return False
                time.sleep(0.05)
