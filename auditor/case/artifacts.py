"""Content-addressed raw evidence: artifacts/sha256/ab/abcdef… named by the SHA-256 of their bytes.

Writes go to a temporary file in artifacts/.incoming/, are fsynced, then renamed into place, so an artifact
is either whole under its name or absent; a crash can leave only an unnamed partial file in .incoming/,
which verification reports. Content is streamed: memory stays flat whatever the size.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

from auditor.case.canonical import CHUNK
from auditor.case.layout import ARTIFACT_HASH_DIR, ARTIFACTS_DIR, INCOMING_DIR
from auditor.errors import InputError

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def is_digest(value: object) -> bool:
    return isinstance(value, str) and bool(_HEX64.match(value))


class ArtifactWriter:
    """Streams bytes into the store; `digest` and `size` are known after close().

    sync=False skips the fsyncs for a caller that syncs its artifacts itself shortly after (the capture
    batches them so a flow costs no disk flush on the proxy's hot path); the rename still makes the
    artifact whole-or-absent for a process crash.
    """

    def __init__(self, store: ArtifactStore, max_bytes: int | None = None, sync: bool = True):
        self._store = store
        self._max = max_bytes
        self._sync = sync
        self._hash = hashlib.sha256()
        self.size = 0
        self.digest: str | None = None
        incoming = store.root / INCOMING_DIR
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="part-")
        self._tmp = Path(name)
        self._file = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        if self._max is not None and self.size + len(data) > self._max:
            raise ValueError(f"artifact exceeds its limit of {self._max} bytes")
        self._file.write(data)
        self._hash.update(data)
        self.size += len(data)

    def close(self) -> str:
        self._file.flush()
        if self._sync:
            os.fsync(self._file.fileno())
        self._file.close()
        self.digest = self._hash.hexdigest()
        final = self._store.path_for(self.digest)
        if final.exists():
            self._tmp.unlink()
        else:
            if final.parent.is_symlink():
                self._tmp.unlink()
                raise InputError(final.parent, "is a symbolic link: an artifact is never written through one")
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self._tmp, final)
            if not self._sync:
                return self.digest
            dir_fd = os.open(final.parent, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        return self.digest

    def abort(self) -> None:
        self._file.close()
        self._tmp.unlink(missing_ok=True)

    def __enter__(self) -> ArtifactWriter:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


class ArtifactStore:
    def __init__(self, case_root: Path):
        self.root = Path(case_root) / ARTIFACTS_DIR

    def path_for(self, digest: str) -> Path:
        if not is_digest(digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / ARTIFACT_HASH_DIR / digest[:2] / digest

    def writer(self, max_bytes: int | None = None, sync: bool = True) -> ArtifactWriter:
        return ArtifactWriter(self, max_bytes, sync)

    def put_bytes(self, data: bytes, sync: bool = True) -> str:
        digest = hashlib.sha256(data).hexdigest()
        if self.path_for(digest).is_file():
            return digest               # content-addressed: the same bytes are already stored
        with self.writer(sync=sync) as out:
            out.write(data)
        assert out.digest is not None
        return out.digest

    def put_stream(self, source: BinaryIO, max_bytes: int | None = None) -> tuple[str, int]:
        with self.writer(max_bytes) as out:
            while chunk := source.read(CHUNK):
                out.write(chunk)
        assert out.digest is not None
        return out.digest, out.size

    def put_file(self, path: Path, max_bytes: int | None = None) -> tuple[str, int]:
        with open(path, "rb") as source:
            return self.put_stream(source, max_bytes)

    def __contains__(self, digest: str) -> bool:
        return is_digest(digest) and self.path_for(digest).is_file()

    def open(self, digest: str) -> BinaryIO:
        return open(self.path_for(digest), "rb")

    def read_bytes(self, digest: str, max_bytes: int) -> bytes:
        """The whole artifact, refusing ones larger than max_bytes (callers bound what they hold)."""
        path = self.path_for(digest)
        if path.stat().st_size > max_bytes:
            raise ValueError(f"artifact {digest} is larger than {max_bytes} bytes")
        return path.read_bytes()
