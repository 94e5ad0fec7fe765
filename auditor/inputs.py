"""Reading an input file without trusting its size: at most `limit` bytes are ever read into memory."""

from __future__ import annotations

from pathlib import Path

from auditor.errors import InputError


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """The file's bytes; InputError naming the file if it cannot be read or holds more than `limit` bytes."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(path, f"cannot read the {what} ({exc.strerror or exc})") from None
    if len(raw) > limit:
        raise InputError(path, f"{what} larger than {limit} bytes")
    return raw
