"""Reading an input file without trusting its size (at most `limit` bytes are ever read into memory), and the
shape check every data-file reader (rulesets, the API catalogue) makes of a closed mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


def mapping_problem(value: Any, allowed: set[str], required: set[str]) -> str | None:
    """What is wrong with `value` as a mapping of exactly the allowed keys with the required ones present."""
    if not isinstance(value, dict):
        return "must be a mapping"
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        return f"unknown key(s) {', '.join(repr(k[:40]) for k in unknown[:5])}"
    missing = sorted(required - set(value))
    return f"missing key(s) {', '.join(missing)}" if missing else None
