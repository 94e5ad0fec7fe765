"""The demo's report as HTML + PDF, timed as whole processes: `auditor demo` makes the case once, then
`auditor report CASE --format html,pdf` runs RUNS times in fresh processes, each with its CPU time (user +
system, from the kernel's accounting of the finished child) and wall time. The baseline, measured in the same
run, is `auditor report --help`: the same interpreter start and imports (WeasyPrint's among them), nothing
rendered; the difference is what rendering costs. With --against TREE, another checkout (its .venv, e.g. main)
renders the same case in the same run, alternating with this one, so the two figures share the machine's load.
Medians are printed; the machine is shared, so quote those.

    .venv/bin/python -m bench.report_demo_speed [RUNS] [--against /path/to/other/checkout]   (RUNS default: 5)
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import runs_and_against


def timed(*args: str, tree: Path | None = None) -> tuple[float, float]:
    """CPU seconds (its children's included) and wall seconds of one auditor command in a fresh process, run
    by this checkout or by `tree`'s own interpreter in that directory."""
    python = str(tree / ".venv" / "bin" / "python") if tree else sys.executable
    start = time.perf_counter()
    child = subprocess.Popen([python, "-m", "auditor.cli", *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, cwd=tree)
    _pid, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        errors = child.stderr.read().decode() if child.stderr else ""
        raise SystemExit(f"auditor {' '.join(args)} failed:\n{errors[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall


def median(rows: list[tuple[float, float]], i: int) -> float:
    return statistics.median(r[i] for r in rows)


def main(runs: int, against: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp

        def demo(tree: Path | None, name: str) -> str:
            """The demo case as `tree` makes it (a case's analysis files are in that checkout's format)."""
            python = str(tree / ".venv" / "bin" / "python") if tree else sys.executable
            subprocess.run([python, "-m", "auditor.cli", "demo", "--out", str(Path(tmp) / name)], check=True,
                           capture_output=True, cwd=tree)
            return str(Path(tmp) / name / "case")
        case = demo(None, "demo")
        other_case = demo(against, "demo-other") if against else ""
        report_args = ("report", case, "--format", "html,pdf", "--out", str(Path(tmp) / "out"))
        base, report, other = [], [], []
        for _ in range(runs + 1):             # the first round warms the file cache and is not counted
            base.append(timed("report", "--help"))
            report.append(timed(*report_args))
            if against:
                other.append(timed("report", other_case, *report_args[2:-1], str(Path(tmp) / "other"), tree=against))
        rows = [("baseline (report --help)", base[1:]), ("demo report html,pdf", report[1:])]
        rows += [(f"same, by {against.name}", other[1:])] if against else []
        for name, measured in rows:
            print(f"{name:26s} CPU {median(measured, 0):.2f}s, wall {median(measured, 1):.2f}s (median of {runs})")
        print(f"{'rendering (difference)':26s} CPU {median(report[1:], 0) - median(base[1:], 0):.2f}s")


if __name__ == "__main__":
    main(*runs_and_against(sys.argv[1:], 5))
