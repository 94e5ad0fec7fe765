"""The report model: one JSON-ready dict built from a case and its analysis, from which every output format
(HTML, PDF, JSON, CSV) is rendered. Each section is laid out by its own module (auditor/report/sections/)
from what analysis stated (auditor/contract) and the raw exhibits it points to; the report decides nothing.
Captured values are bounded and neutralised, and masked first when the report is a disclosure copy.

Its shape is documented in docs/report-format.md ("auditor-report/1").
"""

from __future__ import annotations

from typing import Any

from auditor.case.bundle import Case
from auditor.case.canonical import sha256_file
from auditor.case.layout import ANALYSIS_DIR, CASE_FILE
from auditor.case.seal import verify_case
from auditor.contract.files import load_analysis
from auditor.report.display import Display
from auditor.report.findings_file import FindingsFile
from auditor.report.kit import kit_section
from auditor.report.redact import Redactor
from auditor.report.rows import Rows
from auditor.report.sections.annex import annex_section, chart_data, flows_with_personal_data
from auditor.report.sections.consent import consent_section
from auditor.report.sections.cover import app_section, case_section, device_section, seal_section, verification_section
from auditor.report.sections.custody import CUSTODY_KINDS, custody_section
from auditor.report.sections.declared import cite_sources, declared_section, observed_only
from auditor.report.sections.exhibits import MAIN_EXHIBITS, ExhibitBuilder, matrix, number_ranges
from auditor.report.sections.findings import FindingsSection
from auditor.report.sections.law import law_section
from auditor.report.sections.method import analysis_drift, analysis_section, method_section
from auditor.report.sections.scope import expert_section, scope_section
from auditor.report.sections.unknowns import unknowns_section
from auditor.report.sections.verdicts import citation_sources, summary_section, verdicts_section
from auditor.report.sources import flow_time, load_seal, read_ledger
from auditor.shapes import as_dict

REPORT_FORMAT = "auditor-report/2"


def build_model(case: Case, redact: bool = False, lang: str = "en") -> dict[str, Any]:
    """`lang` picks the language of the texts analysis and the case store in both (Display.words)."""
    findings_file = FindingsFile()
    analysis = load_analysis(case.root / ANALYSIS_DIR, read_findings=findings_file.read)
    records = findings_file.findings        # analysis.findings has none: they are read one at a time
    redactor = Redactor(set(analysis.observed.test_values)) if redact else None
    d = Display(redactor, lang)
    info = case.info
    seal = load_seal(case)
    sealed_head = as_dict(as_dict(seal.get("payload") if seal else None).get("ledger")).get("head_seq")
    ledger = read_ledger(case, CUSTODY_KINDS, sealed_head if isinstance(sealed_head, int) else None,
                         analysis.inputs.case.ledger_head.seq)
    verification = verify_case(case.root)
    calls = {call.seq: call for call in analysis.observed.hook_calls}
    section = FindingsSection(d, case, ledger, calls)
    personal = flows_with_personal_data(records)
    # Per finding and per exhibit the model holds only what numbering, summary and verdicts need; each block
    # with its evidence (requests, stacks, values) is built when a template or writer reads it (rows.py).
    shown: dict[str, dict[str, Any]] = {}
    where: dict[str, int] = {}              # finding id -> its index in records (the last, as in shown)
    for index, f in enumerate(records):
        shown[f.id], where[f.id] = section.finding(f, evidence=False), index
    builder = ExhibitBuilder(section, calls)
    # declared-versus-observed findings cite the exhibits of the findings they rest on, adding none of their own
    exhibits = builder.build(observed_only(records), shown)
    cite_sources(records, shown)
    ordered = sorted(where, key=lambda fid: (shown[fid]["time"], fid))
    findings = Rows(len(ordered), lambda i: section.finding(records[where[ordered[i]]])
                    | {"exhibits": shown[ordered[i]]["exhibits"]})
    verdicts = verdicts_section(d, analysis.verdicts.verdicts, ledger)
    for verdict in verdicts:
        verdict["exhibits"] = number_ranges([n for fid in verdict["findings"] for n in shown[fid]["exhibits"]])
    case_info, app, device = case_section(d, info), app_section(d, as_dict(info.get("app"))), \
        device_section(d, as_dict(info.get("device")))
    method = method_section(d, analysis)
    seal_info = seal_section(d, seal, verification.seal_sha256)
    model: dict[str, Any] = {
        "format": REPORT_FORMAT,
        "case": case_info,
        "expert": expert_section(d, info),
        "scope": scope_section(case_info, app, device, method["capture_sessions"],
                               [d.plain(flow_time(r)) for r in ledger.flows.values()],
                               imported=bool(as_dict(info).get("imports"))),
        "app": app,
        "device": device,
        "seal": seal_info,
        "verification": verification_section(d, verification),
        "kit": kit_section(seal),
        "custody": custody_section(d, ledger, info, seal_info),
        "analysis": analysis_section(d, analysis, verification.seal_sha256,
                                     analysis_drift(analysis, sha256_file(case.root / CASE_FILE)[0], ledger)),
        "method": method,
        "summary": summary_section(verdicts, list(shown.values())),
        "matrix": matrix(exhibits),
        "exhibits": builder.rows(exhibits),
        "main_exhibits": MAIN_EXHIBITS,
        "final": False,                     # set by write_report --final, once every verdict is reviewed
        "verdicts": verdicts,
        "citations": citation_sources(verdicts),
        "law": law_section(d, records),
        "findings": findings,
        "unknowns": unknowns_section(d, analysis.observed),
        "declared": declared_section(d, records, shown),
        "consent_ui": consent_section(d, analysis.observed.consent_ui),
        "charts": chart_data(d, ledger, records, analysis.observed, personal),
        "annex": annex_section(d, ledger, seal, analysis.observed, section, personal),
        "ledger_head": {"seq": ledger.head_seq, "hash": ledger.head_hash},
        "redaction": None,
    }
    if redactor is not None:
        for rows in (findings, model["exhibits"], model["annex"]["flows"], model["annex"]["hook_events"]):
            for _ in rows:    # every value is read once, so the count of masked values is complete
                pass
        model["redaction"] = {"derived_from_seal_sha256": model["seal"].get("seal_sha256"),
                              "masked": dict(sorted(redactor.counts.items()))}
    return model
