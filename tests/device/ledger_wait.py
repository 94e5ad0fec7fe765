"""Waiting, as the operator does, for something to appear in the ledger of a running audit."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from auditor.case.ledger_check import read_records


def wait_for_record(ledger: Path, wanted: Callable[[dict[str, Any]], bool], what: str, timeout: float) -> None:
    """Until a record `wanted` accepts is in the ledger (which the audit may not have created yet)."""
    deadline = time.monotonic() + timeout
    while not ledger.exists() or not any(wanted(record) for record in read_records(ledger)):
        assert time.monotonic() < deadline, f"no {what} in the ledger within {timeout:g} s"
        time.sleep(0.05)
