"""A wall-clock and memory budget for parsing one input: the audited party's APK must not be able to keep
auditor busy for hours or take the machine's memory. The known pathological shapes are refused up front
(container.py, axml_bounds.py, the dex count); this is the net under what is not known yet.

A timer interrupts the parse every CHECK_INTERVAL seconds (SIGALRM, so in the main thread; a parse started
from another thread runs without the net) and stops it with an InputError naming the file once it has run
longer than WALL_CLOCK seconds, or its resident memory has grown by more than MEMORY_BYTES.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from auditor.errors import InputError

WALL_CLOCK = 600.0
MEMORY_BYTES = 3 * 1024**3
CHECK_INTERVAL = 0.1
PAGE = os.sysconf("SC_PAGE_SIZE")


def resident_bytes() -> int:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * PAGE


class _Exceeded(BaseException):
    """Raised from the timer inside the parse; turned into an InputError outside it. A BaseException, so the
    parsers' own catch-alls for hostile bytes (`except Exception`) do not take it for a malformed file."""


@contextmanager
def parse_budget(label: str) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    start, base = time.monotonic(), resident_bytes()
    wall_clock, memory = WALL_CLOCK, MEMORY_BYTES      # read now, so a test may set smaller ones

    def check(_signum: int, _frame: object) -> None:
        if time.monotonic() - start > wall_clock:
            raise _Exceeded(f"parsing took more than {wall_clock:g} s")
        if resident_bytes() - base > memory:
            raise _Exceeded(f"parsing took more than {memory} bytes of memory")

    previous = signal.signal(signal.SIGALRM, check)
    signal.setitimer(signal.ITIMER_REAL, CHECK_INTERVAL, CHECK_INTERVAL)
    try:
        yield
    except _Exceeded as exc:
        raise InputError(label, f"refused: {exc} (a pathological file?)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
