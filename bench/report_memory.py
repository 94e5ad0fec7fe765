"""Report time and peak memory for large cases: an imported HAR of N exchanges (each carrying an advertising
ID, so each is a finding and an exhibit), analysed, then `auditor report --format html,pdf` in a fresh process
whose peak RSS is read from the kernel. The main PDF must stay short and its memory bounded whatever N: the
exhibits beyond the first MAIN_EXHIBITS and every finding go to the annex bundle (annex.html).

    .venv/bin/python bench/report_memory.py [N ...]      (default: 1000 20000)
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

GAID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def har(entries: int) -> dict[str, object]:
    def entry(i: int) -> dict[str, object]:
        return {"startedDateTime": f"2026-11-30T10:{i // 6000 % 60:02d}:{i // 100 % 60:02d}.{i % 100:02d}0Z",
                "time": 1, "serverIPAddress": f"127.0.{i % 200}.{1 + i % 250}",
                "request": {"method": "POST", "url": f"https://h{i % 40}.example/p/{i}?gaid={GAID}",
                            "httpVersion": "HTTP/1.1", "headers": [{"name": "Host", "value": f"h{i % 40}.example"}],
                            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
                "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [],
                             "cookies": [], "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "",
                             "headersSize": -1, "bodySize": 0},
                "cache": {}, "timings": {"send": 0, "wait": 1, "receive": 0}}
    return {"log": {"version": "1.2", "creator": {"name": "bench", "version": "1"},
                    "entries": [entry(i) for i in range(entries)]}}


# Runs the CLI in this child and prints its own peak RSS (kB) last on stderr, whatever the CLI's exit.
MEASURED = ("import resource, runpy, sys\n"
            "sys.argv = ['auditor', *sys.argv[1:]]\n"
            "try:\n    runpy.run_module('auditor.cli', run_name='__main__')\n"
            "finally:\n    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")


def run(*args: str) -> tuple[float, int]:
    """Seconds and peak RSS in MB of one auditor command in a fresh process."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", MEASURED, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"auditor {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start, int(done.stderr.strip().splitlines()[-1]) // 1024


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp
        for n in sizes:
            root = Path(tmp) / f"case-{n}"
            (Path(tmp) / f"{n}.har").write_text(json.dumps(har(n)), "utf-8")
            run("case", "new", str(root))
            run("import", "har", str(Path(tmp) / f"{n}.har"), "--case", str(root))
            analyse, analyse_mb = run("analyze", str(root))
            seconds, peak = run("report", str(root), "--format", "html,pdf")
            out = root / "reports" / "report-en"
            pages = len(PdfReader(io.BytesIO((out / "report.pdf").read_bytes())).pages)
            print(f"{n:6d} exchanges: analyse {analyse:.1f}s ({analyse_mb} MB); report {seconds:.1f}s, peak RSS "
                  f"{peak} MB, main PDF {pages} pages, "
                  f"annex.html {(out / 'annex.html').stat().st_size / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1000, 20000])
