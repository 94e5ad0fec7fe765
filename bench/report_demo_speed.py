"""The demo's report as HTML + PDF, timed as whole processes: `auditor demo` makes the case once, then
`auditor report CASE --format html,pdf` runs RUNS times in fresh processes, each with its CPU time (user +
system, from the kernel's accounting of the finished child) and wall time. The baseline, measured in the same
run, is `auditor report --help`: the same interpreter start and imports (WeasyPrint's among them), nothing
rendered; the difference is what rendering costs. Medians are printed; the machine is shared, so quote those.

    .venv/bin/python -m bench.report_demo_speed [RUNS]      (default: 5)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(*args: str) -> tuple[float, float]:
    """CPU seconds and wall seconds of one auditor command in a fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "auditor.cli", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        errors = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"auditor {' '.join(args)} failed:\n{errors[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp
        subprocess.run([sys.executable, "-m", "auditor.cli", "demo", "--out", str(Path(tmp) / "demo")],
                       check=True, capture_output=True)
        case = str(Path(tmp) / "demo" / "case")
        base, report = [], []
        for _ in range(runs + 1):             # the first pair warms the file cache and is not counted
            base.append(timed("report", "--help"))
            report.append(timed("report", case, "--format", "html,pdf", "--out", str(Path(tmp) / "out")))
        for name, rows in (("baseline (report --help)", base[1:]), ("demo report html,pdf", report[1:])):
            print(f"{name:26s} CPU {statistics.median(r[0] for r in rows):.2f}s, "
                  f"wall {statistics.median(r[1] for r in rows):.2f}s (median of {runs})")
        print(f"{'rendering (difference)':26s} CPU "
              f"{statistics.median(r[0] for r in report[1:]) - statistics.median(b[0] for b in base[1:]):.2f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
