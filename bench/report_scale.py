"""How report rendering scales with case size: imports a HAR of N exchanges (tests/report/large_har.py: each
carries an advertising ID, so nearly each is an exhibit), analyses it with the real CLI, then times the model,
the annex bundle, the main HTML, the PDF, JSON and CSV in this process. Prints one line per size and the time
per 1,000 exchanges relative to the smallest size (the baseline, measured in the same run).

    .venv/bin/python -m bench.report_scale [N ...]      (default: 250 1000 4000)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.case.bundle import Case
from auditor.report.model import build_model
from auditor.report.render import public_model, render_annex, render_csv, render_html, render_pdf
from tests.report.large_har import har


def make_case(root: Path, exchanges: int) -> Path:
    case, source = root / f"case-{exchanges}", root / f"{exchanges}.har"
    source.write_text(json.dumps(har(exchanges)), "utf-8")
    for args in (["case", "new", str(case)], ["import", "har", str(source), "--case", str(case)],
                 ["analyze", str(case)]):
        subprocess.run([sys.executable, "-m", "auditor.cli", *args], check=True, capture_output=True)
    return case


def main(sizes: list[int]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["AUDITOR_HOME"] = tmp
        baseline = None
        for flows in sizes:
            root = make_case(Path(tmp), flows)
            case = Case.open(root)
            times = {}
            start = time.perf_counter()
            model = build_model(case)
            times["model"] = time.perf_counter() - start
            start = time.perf_counter()
            render_annex(model, "en", Path(tmp) / f"annex-{flows}.html")
            times["annex"] = time.perf_counter() - start
            start = time.perf_counter()
            html = render_html(model, "en")
            times["html"] = time.perf_counter() - start
            start = time.perf_counter()
            pdf = render_pdf(html, 0)
            times["pdf"] = time.perf_counter() - start
            start = time.perf_counter()
            json.dumps(public_model(model, "en"))
            render_csv(model)
            times["json+csv"] = time.perf_counter() - start
            total = sum(times.values())
            per_k = total / flows * 1000
            baseline = baseline or per_k
            print(f"{flows:6d} flows, {len(model['findings']):5d} findings: "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in times.items())
                  + f"; total {total:.2f}s = {per_k:.2f}s per 1,000 flows ({per_k / baseline:.2f}x baseline); "
                  f"HTML {len(html) / 1e6:.1f} MB, PDF {len(pdf) / 1e6:.1f} MB", flush=True)


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [250, 1000, 4000])
