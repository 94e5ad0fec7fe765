"""The progress display: which step runs, and what the ledger has captured so far.

Counts come from the case's ledger itself (read incrementally from the last offset), so the display shows
what is really recorded, whichever process wrote it: proxy, hooks, device, or `auditor mark` elsewhere.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.case.events import Kind

SHOWN_KINDS = ((Kind.PROXY_FLOW, "flows"), (Kind.PROXY_TLS_FAILED, "TLS failures"), (Kind.HOOK_EVENT, "hook events"),
               (Kind.DEVICE_SCREENRECORD, "recordings"))
MAX_READ = 8 << 20


@dataclass
class LedgerCounter:
    path: Path
    offset: int = 0
    counts: Counter = field(default_factory=Counter)

    def update(self) -> Counter:
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(MAX_READ)
        complete = data[: data.rfind(b"\n") + 1]         # a line being written is counted next time
        self.offset += len(complete)
        for line in complete.splitlines():
            try:
                kind = json.loads(line).get("kind")
            except ValueError:
                continue
            if isinstance(kind, str):
                self.counts[kind] += 1
        return self.counts


@dataclass
class Progress:
    write: Callable[[str], None]
    ledger: LedgerCounter | None = None
    started: float = field(default_factory=time.monotonic)

    def step(self, number: int, total: int, text: str) -> None:
        self.write(f"[{number}/{total}] {text}")

    def status(self, duration: float | None) -> str:
        elapsed = time.monotonic() - self.started
        parts = [f"{_clock(elapsed)}" + (f"/{_clock(duration)}" if duration else "")]
        if self.ledger is not None:
            counts = self.ledger.update()
            parts += [f"{counts[kind]} {label}" for kind, label in SHOWN_KINDS]
            marks = sum(n for kind, n in counts.items() if kind.startswith("operator."))
            parts.append(f"{marks} marks")
        return " | ".join(parts)

    def tick(self, duration: float | None) -> None:
        self.write(self.status(duration))


def _clock(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"
