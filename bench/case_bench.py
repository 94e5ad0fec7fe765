"""Benchmark (not a test): append, seal and verify a case of N ledger events (default 100,000).

Prints wall times and, as the floor measured in the same run, the time to read the ledger once with a
SHA-256 and a JSON parse per line (what any verifier must at least do).
Usage: .venv/bin/python bench/case_bench.py [EVENTS]
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.seal import seal_case, verify_case


def timed(label: str, func):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = func()
    elapsed = time.perf_counter() - start
    print(f"{label:<34} {elapsed:8.2f} s")
    return value, elapsed


def floor(path: Path) -> None:
    with open(path, "rb") as handle:
        for line in handle:
            hashlib.sha256(line).hexdigest()
            json.loads(line)


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = str(Path(tmp) / "home")
        case = Case.create(Path(tmp) / "case")

        def append() -> None:
            with case.ledger() as ledger:
                for i in range(events):
                    ledger.append("proxy", "proxy.flow", {"i": i, "host": "example.com", "path": f"/p/{i}"})

        _, t_append = timed(f"append {events} events", append)
        key, _ = keys.load_or_create()
        _, t_seal = timed("seal", lambda: seal_case(case, key))
        result, t_verify = timed("verify", lambda: verify_case(case.root))
        assert result.ok, result.problems
        _, t_floor = timed("floor: sha256 + json per line", lambda: floor(case.ledger_path))
        size = case.ledger_path.stat().st_size
        print(f"ledger size {size / 1e6:.1f} MB; appends/s {events / t_append:,.0f}; "
              f"seal/floor {t_seal / t_floor:.2f}; verify/floor {t_verify / t_floor:.2f}")


if __name__ == "__main__":
    main()
