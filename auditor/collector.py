"""The cyclic garbage collector paused around bulk work on acyclic data: a parsed HAR and the events made
from it, a ledger's records and the findings made from them are millions of objects without cycles, which
every full collection would scan again for nothing (seconds, on a 20,000-entry capture). Reference counting
still frees everything as usual; the few cycles made meanwhile wait for the next collection."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
