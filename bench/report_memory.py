"""Report time and peak memory for large cases: an imported HAR of N exchanges (each carrying an advertising
ID, so nearly each is a finding's evidence and an exhibit; tests/report/large_har.py), analysed, then
`auditor report --format html,pdf` in a fresh process whose peak (VmHWM, read by the process itself:
tests/peak.py) is printed with its time. The baseline, measured in the same run, is the same command's fixed
cost: `auditor report --help`, which imports everything the report needs and renders nothing. The main PDF
stays short whatever N (its page count is printed); the annex bundle (annex.html) holds every exhibit.

    .venv/bin/python -m bench.report_memory [N ...]      (default: 200 2000 20000)
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfReader

from tests.peak import measured_argv, peak_bytes
from tests.report.large_har import har


def run(*args: str) -> tuple[float, float]:
    """Seconds and peak MiB of one auditor command in a fresh process."""
    argv, env, peak_file = measured_argv("auditor.cli", *args)
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    peak = peak_bytes(peak_file) / (1 << 20)
    if done.returncode != 0:
        raise SystemExit(f"auditor {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return seconds, peak


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp
        seconds, base = run("report", "--help")
        print(f"baseline (auditor report --help): {seconds:.1f}s, peak {base:.0f} MiB", flush=True)
        peaks: dict[int, float] = {}
        for n in sizes:
            root = Path(tmp) / f"case-{n}"
            (Path(tmp) / f"{n}.har").write_text(json.dumps(har(n)), "utf-8")
            run("case", "new", str(root))
            run("import", "har", str(Path(tmp) / f"{n}.har"), "--case", str(root))
            analyse, analyse_mib = run("analyze", str(root))
            seconds, peak = run("report", str(root), "--format", "html,pdf")
            peaks[n] = peak
            out = root / "reports" / "report-en"
            pages = len(PdfReader(io.BytesIO((out / "report.pdf").read_bytes())).pages)
            print(f"{n:6d} exchanges: analyse {analyse:.1f}s ({analyse_mib:.0f} MiB); report {seconds:.1f}s, peak "
                  f"{peak:.0f} MiB ({peak - base:+.0f} over the baseline, x{peak / peaks[sizes[0]]:.2f} the "
                  f"{sizes[0]}-exchange case's), main PDF {pages} pages, "
                  f"annex.html {(out / 'annex.html').stat().st_size / 1e6:.1f} MB, "
                  f"findings.json {(root / 'analysis' / 'findings.json').stat().st_size / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [200, 2000, 20000])
