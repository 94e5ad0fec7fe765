"""`auditor case repair`: cut a torn last ledger line off, keeping its bytes as evidence of what happened.

A crash or a full disk while a line was being written leaves a last line without its end; no writer may
extend such a ledger (LedgerDamaged), so mark, seal and capture refuse. The repair is explicit and on record:
the torn bytes become an artifact, the ledger is truncated to its intact end, and a `case.repaired` event
names what was cut. Anything else wrong with the ledger is not the repair's to touch: verify names it.
"""

from __future__ import annotations

import fcntl
import os
from dataclasses import dataclass

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger_check import scan_ledger
from auditor.errors import InputError

TORN = "ledger.torn_tail"


@dataclass(frozen=True)
class Repair:
    offset: int             # where the torn line began (the ledger's intact end)
    size: int               # bytes cut off
    sha256: str             # the artifact holding them
    seq: int                # the `case.repaired` event


def repair_torn_tail(case: Case) -> Repair | None:
    """Cut a torn last line off the ledger; None when the ledger ends intact."""
    if case.sealed:
        raise InputError(case.root, "the case is sealed: its ledger is evidence as sealed and is not repaired; "
                                    "'auditor verify' names what is wrong")
    with open(case.ledger_path, "r+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)      # no writer appends while the tail is cut
        scan = scan_ledger(case.ledger_path)
        if scan.problem_count == 0:
            return None
        if [problem.code for problem in scan.problems] != [TORN] or scan.problem_count != 1:
            raise InputError(case.ledger_path, f"has {scan.problem_count} problem(s) besides or other than a "
                                               "torn last line; repair only cuts a torn last line: run "
                                               "'auditor verify' for what is wrong")
        offset, size = scan.intact_bytes, scan.total_bytes - scan.intact_bytes
        handle.seek(offset)
        digest, _ = case.artifacts.put_stream(handle)
        handle.truncate(offset)
        os.fsync(handle.fileno())
    with case.ledger(fsync_interval=0) as ledger:
        record = ledger.append("case", Kind.CASE_REPAIRED, {
            "offset": offset, "bytes": size, "sha256": digest,
            "cut": "a torn last line (a write interrupted by a crash or a full disk), kept as the artifact"},
            artifact=digest)
    return Repair(offset, size, digest, record["seq"])
