"""`auditor case plant`: values planted on the device of an imported capture, declared in the ledger and
searched for by analysis."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.cli import cli
from auditor.contract.document import read_document
from auditor.contract.findings import Findings

CLIP = "honey-7q2x clipboard"


def har(path: Path) -> Path:
    body = json.dumps({"clip": CLIP, "geo": {"lat": 52.3702, "lng": 4.8952}, "ver": "52.37.0"})
    entry = {"startedDateTime": "2026-01-01T10:00:00.000Z", "time": 5, "serverIPAddress": "203.0.113.9",
             "request": {"method": "POST", "url": "https://t.example/e", "headers": [
                 {"name": "Content-Type", "value": "application/json"}],
                         "postData": {"mimeType": "application/json", "text": body}},
             "response": {"status": 204, "headers": [], "content": {}}}
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
                                        "entries": [entry]}}))
    return path


def run(*args: str) -> dict:
    result = CliRunner().invoke(cli, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_planted_values_declared_for_an_import_are_found_by_analysis(tmp_path):
    case_dir = tmp_path / "case"
    run("import", "har", str(har(tmp_path / "x.har")), "--case", str(case_dir))
    more = tmp_path / "planted.yaml"
    more.write_text("- {what: email, value: persona.7q2x@example.org}\n")
    added = run("case", "plant", str(case_dir), "--clipboard", CLIP, "--location", "52.370216,4.895168",
                "--file", str(more))
    assert added == {"added": [{"what": "clipboard", "value": CLIP},
                               {"what": "location", "value": "52.370216,4.895168"},
                               {"what": "email", "value": "persona.7q2x@example.org"}]}
    again = run("case", "plant", str(case_dir), "--clipboard", CLIP)
    assert again == {"added": []}                                  # declared once
    [event] = [r for r in read_records(case_dir / "ledger.jsonl") if r["kind"] == "case.planted"][:1]
    assert event["body"]["file"]["name"] == "planted.yaml" and len(event["body"]["values"]) == 3
    assert Case.open(case_dir).info["planted"][0] == {"what": "clipboard", "value": CLIP}

    run("analyze", str(case_dir))
    findings = read_document(Findings, case_dir / "analysis" / "findings.json").findings
    found = sorted({(item.what, item.form, item.location) for f in findings for shown in f.evidence.shown
                    for item in shown.values if item.source == "planted"})
    # the clipboard in the body and in body.clip; the planted location at 4 decimals in the body, its
    # 2-decimal version-string decoy "52.37.0" not (one exchange: one piece of evidence with all its values)
    assert found == [("clipboard", "raw", "body"), ("clipboard", "raw", "body.clip"),
                     ("latitude", "rounded-4", "body"), ("longitude", "rounded-4", "body")]


def test_a_bad_declaration_is_refused_naming_it(tmp_path):
    case_dir = tmp_path / "case"
    Case.create(case_dir)
    result = CliRunner().invoke(cli, ["case", "plant", str(case_dir), "--location", "123,4"])
    assert result.exit_code == 2
    assert "--location: location '123,4' is not LAT,LON in degrees (-90..90, -180..180)" in result.output
    bad = tmp_path / "p.yaml"
    bad.write_text("- {what: Email!, value: x}\n")
    result = CliRunner().invoke(cli, ["case", "plant", str(case_dir), "--file", str(bad)])
    assert result.exit_code == 2 and f"{bad}: item 0: 'Email!' is not a value name" in result.output
    assert "planted" not in Case.open(case_dir).info
