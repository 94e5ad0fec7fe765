"""The report model: one JSON-ready dict built from a case and its analysis, from which every output format
(HTML, PDF, JSON, CSV) is rendered. Each section is laid out by its own module (auditor/report/sections/)
from what analysis stated (auditor/contract) and the raw exhibits it points to; the report decides nothing.
Captured values are bounded and neutralised, and masked first when the report is a disclosure copy.

Its shape is documented in docs/report-format.md ("auditor-report/1").
"""

from __future__ import annotations

from typing import Any

from auditor.case.bundle import Case
from auditor.case.layout import ANALYSIS_DIR
from auditor.case.seal import verify_case
from auditor.contract.files import load_analysis
from auditor.report.display import Display
from auditor.report.redact import Redactor
from auditor.report.sections.annex import annex_section, chart_data, flows_with_personal_data
from auditor.report.sections.cover import app_section, case_section, device_section, seal_section, verification_section
from auditor.report.sections.findings import FindingsSection
from auditor.report.sections.method import analysis_section, method_section
from auditor.report.sections.unknowns import unknowns_section
from auditor.report.sections.verdicts import summary_section, verdicts_section
from auditor.report.sources import load_seal, read_ledger

REPORT_FORMAT = "auditor-report/1"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def build_model(case: Case, redact: bool = False) -> dict[str, Any]:
    analysis = load_analysis(case.root / ANALYSIS_DIR)
    redactor = Redactor(set(analysis.observed.test_values)) if redact else None
    d = Display(redactor)
    info = case.info
    seal = load_seal(case)
    ledger = read_ledger(case)
    verification = verify_case(case.root)
    calls = {call.seq: call for call in analysis.observed.hook_calls}
    exhibits = FindingsSection(d, case, ledger, calls)
    personal = flows_with_personal_data(analysis.findings.findings)
    findings = sorted((exhibits.finding(f) for f in analysis.findings.findings), key=lambda f: (f["time"], f["id"]))
    verdicts = verdicts_section(d, analysis.verdicts.verdicts, ledger)
    model: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "case": case_section(d, info),
        "app": app_section(d, _dict(info.get("app"))),
        "device": device_section(d, _dict(info.get("device"))),
        "seal": seal_section(d, seal, verification.seal_sha256),
        "verification": verification_section(d, verification),
        "analysis": analysis_section(d, analysis, verification.seal_sha256),
        "method": method_section(d, analysis),
        "summary": summary_section(verdicts, findings),
        "verdicts": verdicts,
        "findings": findings,
        "unknowns": unknowns_section(d, analysis.observed),
        "charts": chart_data(d, ledger, analysis.findings.findings, analysis.observed, personal),
        "annex": annex_section(d, ledger, seal, analysis.observed, exhibits, personal),
        "ledger_head": {"seq": ledger.head_seq, "hash": ledger.head_hash},
        "redaction": None,
    }
    if redactor is not None:
        model["redaction"] = {"derived_from_seal_sha256": model["seal"].get("seal_sha256"),
                              "masked": dict(sorted(redactor.counts.items()))}
    return model
