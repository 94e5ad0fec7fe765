"""The report's memory does not grow with the case: a case of 10·N exchanges is reported (HTML: main report
and annex bundle) with a peak that exceeds the N-exchange case's by less than GROWTH_MIB. Each report runs in a
process of its own whose high-water mark is read from the process itself (tests/peak.py).

Measured (VmHWM, HTML): 85 -> 92 MiB from 150 to 1,500 exchanges; the code before the report streamed (whole
findings.json model, every rendered block and the annex as one string) went 92 -> 178 MiB. What still grows is
a few dozen bytes per exchange of index (ledger offsets, finding spans, exhibit numbers) and the found values'
interned fields.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.peak import measured_argv, peak_bytes
from tests.report.large_har import har

N = 150
GROWTH_MIB = 24


def _auditor(*args: str, env: dict[str, str] | None = None) -> None:
    done = subprocess.run([sys.executable, "-m", "auditor.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


def _report_peak(tmp: Path, exchanges: int) -> int:
    root, source = tmp / f"case-{exchanges}", tmp / f"{exchanges}.har"
    source.write_text(json.dumps(har(exchanges)), "utf-8")
    _auditor("case", "new", str(root))
    _auditor("import", "har", str(source), "--case", str(root))
    _auditor("analyze", str(root))
    argv, env, peak_file = measured_argv("auditor.cli", "report", str(root), "--format", "html")
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    annex = root / "reports" / "report-en" / "annex.html"
    assert annex.read_text("utf-8").count('class="exhibit"') == exchanges
    return peak_bytes(peak_file)


def test_ten_times_the_exchanges_costs_a_bounded_amount_of_memory(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDITOR_HOME", str(tmp_path / "home"))
    small, large = _report_peak(tmp_path, N), _report_peak(tmp_path, 10 * N)
    growth = (large - small) / (1 << 20)
    assert growth < GROWTH_MIB, f"peak {small >> 20} MiB for {N} exchanges, {large >> 20} MiB for {10 * N}"


def _pdf_pages(tmp: Path, exchanges: int) -> tuple[int, int]:
    """Pages of the main PDF and exhibits in the annex bundle for a case of `exchanges` to 5 hosts."""
    root, source = tmp / f"pdf-{exchanges}", tmp / f"pdf-{exchanges}.har"
    source.write_text(json.dumps(har(exchanges, hosts=5)), "utf-8")
    _auditor("case", "new", str(root))
    _auditor("import", "har", str(source), "--case", str(root))
    _auditor("analyze", str(root))
    _auditor("report", str(root), "--format", "pdf,html")
    out = root / "reports" / "report-en"
    return len(PdfReader(out / "report.pdf").pages), (out / "annex.html").read_text("utf-8").count('class="exhibit"')


def test_the_main_pdf_does_not_grow_with_the_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #18: a 2,000-entry capture made a 6,079-page PDF. Ten times the exchanges, the same main PDF: its
    exhibits stop at MAIN_EXHIBITS, verdicts cite exhibit ranges; every exchange is in the annex bundle."""
    monkeypatch.setenv("AUDITOR_HOME", str(tmp_path / "home"))
    (small, small_exhibits), (large, large_exhibits) = _pdf_pages(tmp_path, 40), _pdf_pages(tmp_path, 400)
    assert (small_exhibits, large_exhibits) == (40, 400)
    assert large == small, f"{small} pages for 40 exchanges, {large} for 400"
