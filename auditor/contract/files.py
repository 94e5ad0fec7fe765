"""The analysis documents of a case (CASE/analysis/), read together: the report, `auditor diff` and anyone
else reading an analysis go through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from auditor.case.canonical import sha256_file
from auditor.contract.document import read_document
from auditor.contract.findings import Findings
from auditor.contract.inputs import Inputs
from auditor.contract.observed import Observed
from auditor.contract.verdicts import Verdicts
from auditor.errors import InputError

FINDINGS_FILE = "findings.json"
VERDICTS_FILE = "verdicts.json"
OBSERVED_FILE = "observed.json"
INPUTS_FILE = "inputs.json"
ANALYSIS_FILES = (FINDINGS_FILE, VERDICTS_FILE, OBSERVED_FILE, INPUTS_FILE)


@dataclass(frozen=True)
class Analysis:
    findings: Findings
    verdicts: Verdicts
    observed: Observed
    inputs: Inputs
    hashes: dict[str, str]          # "analysis/<file>" -> SHA-256 of the bytes read


def analysis_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of each analysis document present, by its path in the case, without reading it as a document."""
    return {f"{folder.name}/{name}": sha256_file(folder / name)[0] for name in ANALYSIS_FILES
            if (folder / name).is_file()}


def load_analysis(folder: Path, read_findings: Callable[[Path], Findings] | None = None) -> Analysis:
    """The four documents, checked; `read_findings` reads findings.json in place of read_document (the report
    reads it one finding at a time: auditor/report/findings_file.py)."""
    if not folder.is_dir():
        raise InputError(folder.parent, f"has no {folder.name}/: run 'auditor analyze' on the case first")
    missing = [name for name in ANALYSIS_FILES if not (folder / name).is_file()]
    if missing:
        raise InputError(folder / missing[0], "missing: the analysis is incomplete or from an older auditor; "
                         "run 'auditor analyze' on the case again")
    findings = folder / FINDINGS_FILE
    return Analysis(findings=read_findings(findings) if read_findings else read_document(Findings, findings),
                    verdicts=read_document(Verdicts, folder / VERDICTS_FILE),
                    observed=read_document(Observed, folder / OBSERVED_FILE),
                    inputs=read_document(Inputs, folder / INPUTS_FILE),
                    hashes=analysis_hashes(folder))
