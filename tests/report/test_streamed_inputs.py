"""The report's large inputs read one record at a time (auditor/report/findings_file.py, sources.FlowRecords):
the same records as a whole read, any other layout read whole, and a record whose bytes change while the report
is being made refused with an error naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from auditor.case.bundle import Case
from auditor.contract.document import read_document
from auditor.contract.findings import Findings
from auditor.errors import InputError
from auditor.report.findings_file import FindingsFile
from auditor.report.sources import read_ledger

from .casefactory import BuiltCase


@pytest.fixture()
def findings_json(sealed_case: BuiltCase, tmp_path: Path) -> Path:
    path = tmp_path / "findings.json"
    shutil.copyfile(sealed_case.root / "analysis" / "findings.json", path)
    return path


def test_findings_are_read_one_at_a_time_and_equal_a_whole_read(findings_json: Path) -> None:
    whole = read_document(Findings, findings_json)
    records = FindingsFile()
    head = records.read(findings_json)
    assert records.streamed and len(records.findings) == len(whole.findings) == 6
    assert tuple(records.findings) == whole.findings and records.findings[-1] == whole.findings[-1]
    assert head == whole.model_copy(update={"findings": ()})


def test_another_layout_is_read_whole_with_the_same_findings(findings_json: Path) -> None:
    whole = read_document(Findings, findings_json)
    findings_json.write_text(json.dumps(json.loads(findings_json.read_text("utf-8"))), "utf-8")   # one line
    records = FindingsFile()
    records.read(findings_json)
    assert not records.streamed and tuple(records.findings) == whole.findings


def test_a_bad_finding_gets_the_whole_document_error(findings_json: Path) -> None:
    findings_json.write_text(findings_json.read_text("utf-8").replace('"confidence": "', '"confidence": "x', 1),
                             "utf-8")
    with pytest.raises(InputError) as refused:
        FindingsFile().read(findings_json)
    assert str(refused.value).startswith(f"{findings_json}: findings[0].confidence: Input should be ")


def test_a_finding_changed_after_the_scan_is_refused(findings_json: Path) -> None:
    records = FindingsFile()
    records.read(findings_json)
    text = findings_json.read_text("utf-8")
    findings_json.write_text(text.replace('"confidence": "high"', '"confidence": "low "', 1), "utf-8")
    with pytest.raises(InputError) as refused:
        list(records.findings)
    assert str(refused.value) == f"{findings_json}: changed while the report was being made"


def test_a_flow_line_changed_after_the_chain_check_is_refused(sealed_case: BuiltCase, tmp_path: Path) -> None:
    root = tmp_path / "case"
    shutil.copytree(sealed_case.root, root)
    view = read_ledger(Case.open(root))
    seq = min(view.flows)
    assert view.flows[seq]["seq"] == seq and view.flows[seq]["kind"] == "proxy.flow"
    ledger = root / "ledger.jsonl"
    lines = ledger.read_bytes().split(b"\n")
    [index] = [i for i, line in enumerate(lines) if line and json.loads(line)["seq"] == seq]
    lines[index] = lines[index].replace(b'"POST"', b'"PUT "', 1)        # same length: the offsets stay
    ledger.write_bytes(b"\n".join(lines))
    with pytest.raises(InputError) as refused:
        view.flows[seq]
    assert str(refused.value) == f"{ledger}: the line of seq {seq} changed while the report was being made"
