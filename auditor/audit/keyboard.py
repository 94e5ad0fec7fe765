"""Operator marks typed during an audit: one line per moment, written to the ledger at once.

    a [text]   the user accepted consent in the app      (operator.consent_accepted)
    r [text]   the user refused consent                  (operator.consent_refused)
    n text     a note (any other line is a note too)     (operator.note)
    q          stop the audit now

`auditor mark CASE TEXT` from another terminal does the same; both append to the same ledger.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TextIO

from auditor.case.commands import MARK_KINDS
from auditor.case.ledger import Ledger

HELP = "type: a = consent accepted, r = consent refused, n TEXT = note, q = stop (Enter after each)"
MAX_LINE = 2000
_SHORTCUTS = {"a": "consent-accepted", "r": "consent-refused", "n": "note"}


def parse(line: str) -> tuple[str, str] | None:
    """(mark kind, text) for a typed line; None for 'q'."""
    line = line.strip()[:MAX_LINE]
    head, _, rest = line.partition(" ")
    if head == "q":
        return None
    if head in _SHORTCUTS:
        return _SHORTCUTS[head], rest.strip()
    return "note", line


@dataclass
class KeyboardMarks:
    """Reads marks from `source` in a daemon thread until 'q' or end of input; `stop_requested` is then set."""

    source: TextIO
    ledger: Ledger
    stop_requested: threading.Event = field(default_factory=threading.Event)
    count: int = 0

    def start(self) -> None:
        threading.Thread(target=self._read, name="operator-marks", daemon=True).start()

    def _read(self) -> None:
        for line in self.source:
            if not line.strip():
                continue
            parsed = parse(line)
            if parsed is None:
                self.stop_requested.set()
                return
            kind, text = parsed
            try:
                self.ledger.append("operator", MARK_KINDS[kind], {"text": text, "via": "keyboard"})
            except ValueError:            # the audit has ended and closed its ledger
                return
            self.count += 1
