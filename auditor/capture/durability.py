"""Writing the capture's files: whole writes, and deferred fsync (files written without a flush on the hot
path, made durable together a moment later)."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def write_all(fd: int, data: bytes) -> None:
    """One write, or a loop if the kernel takes the bytes in parts."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def fsync_path(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class PendingSync:
    """Paths written since the last flush(); flush() fsyncs them and then their directories (renames)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: list[Path] = []

    def add(self, path: Path) -> None:
        with self._lock:
            self._paths.append(path)

    def flush(self) -> None:
        with self._lock:
            paths, self._paths = self._paths, []
        for path in paths:
            fsync_path(path)
        for directory in {path.parent for path in paths}:
            fsync_path(directory)
