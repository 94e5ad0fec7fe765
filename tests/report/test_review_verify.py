"""Reviewer statuses recorded in the ledger after sealing and shown; `auditor verify` on a report directory
checks its files, its signature and its link to the case and seal it was made from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.case.canonical import sha256_file
from auditor.case.ledger_check import read_records
from auditor.cli import cli

from .casefactory import BuiltCase, build_case
from .helpers import pdf_text


def run(*args: object) -> tuple[int, str]:
    """Exit code and standard output (plus standard error when the command failed)."""
    result = CliRunner().invoke(cli, [str(a) for a in args])
    return result.exit_code, result.stdout if result.exit_code == 0 or "--json" in args else result.output


@pytest.fixture()
def fresh_case(tmp_path: Path) -> BuiltCase:
    return build_case(tmp_path / "case")


def test_review_is_recorded_and_shown(fresh_case: BuiltCase) -> None:
    root = fresh_case.root
    transfer = fresh_case.verdict_ids["third-country-transfer-no-adequacy"]
    code, out = run("review", root, transfer, "--status", "dismissed", "--comment", "first look",
                    "--reviewer", "Reviewer A")
    assert code == 0, out
    code, out = run("review", root, transfer, "--status", "confirmed", "--comment",
                    "Checked <b>the</b> request", "--reviewer", "Reviewer B")
    assert code == 0, out
    reviews = [r for r in read_records(root / "ledger.jsonl") if r["kind"] == "review.status"]
    assert [(r["source"], r["body"]["status"], r["body"]["reviewer"]) for r in reviews] == [
        ("review", "dismissed", "Reviewer A"), ("review", "confirmed", "Reviewer B")]
    code, out = run("verify", root, "--json")
    assert code == 0 and "2 ledger event(s) were appended after sealing" in out
    code, out = run("report", root, "--format", "json,pdf", "--json")
    assert code == 0, out
    report_dir = Path(json.loads(out)["directory"])
    assert report_dir == root / "reports" / "report-en"
    data = json.loads((report_dir / "report.json").read_text("utf-8"))
    verdict = next(v for v in data["verdicts"] if v["id"] == transfer)
    assert verdict["review"]["status"] == "confirmed" and verdict["review"]["reviewer"] == "Reviewer B"
    assert verdict["review"]["comment"]["text"] == "Checked <b>the</b> request"
    assert [h["status"] for h in verdict["review_history"]] == ["dismissed", "confirmed"]
    assert data["summary"]["verdicts_by_status"] == {"pending": 3, "confirmed": 1, "dismissed": 0}
    text = pdf_text(report_dir / "report.pdf")
    assert "Review status: confirmed" in text and "Checked <b>the</b> request" in text


def test_review_rejects_unknown_verdicts_and_statuses(fresh_case: BuiltCase) -> None:
    code, out = run("review", fresh_case.root, "v-nope", "--status", "confirmed")
    assert code == 2 and "no such verdict" in out
    transfer = fresh_case.verdict_ids["third-country-transfer-no-adequacy"]
    code, out = run("review", fresh_case.root, transfer, "--status", "maybe")
    assert code == 2


def test_report_directory_verifies_and_names_its_case(fresh_case: BuiltCase) -> None:
    root = fresh_case.root
    assert run("report", root, "--format", "html,json,csv")[0] == 0
    report_dir = root / "reports" / "report-en"
    code, out = run("verify", report_dir, "--json")
    result = json.loads(out)
    assert code == 0, out
    assert result["kind"] == "report" and result["case_checked"] is True and result["files_checked"] == 8
    # three formats, the annex bundle and the four files of the verification kit (no timestamp token)
    assert sorted(p.name for p in report_dir.iterdir()) == [
        "annex.html", "report-manifest.json", "report.csv", "report.html", "report.json", "verify.payload.json",
        "verify.sha256sums", "verify.signature.bin", "verify.signer.pem"]
    assert result["seal_sha256"] == sha256_file(root / "seal.json")[0]


def test_report_tampering_is_named(fresh_case: BuiltCase, tmp_path: Path) -> None:
    root = fresh_case.root
    assert run("report", root, "--format", "html,json")[0] == 0
    report_dir = root / "reports" / "report-en"
    html = report_dir / "report.html"
    original = html.read_bytes()
    html.write_bytes(original.replace(b"Transfer to China", b"Transfer to Chile"))
    code, out = run("verify", report_dir, "--json")
    assert code == 1 and [p["code"] for p in json.loads(out)["problems"]] == ["report.file_modified"]
    html.write_bytes(original)
    manifest = report_dir / "report-manifest.json"
    data = json.loads(manifest.read_text("utf-8"))
    data["payload"]["case_id"] = "someone-else"
    manifest.write_text(json.dumps(data), "utf-8")
    code, out = run("verify", report_dir, "--json")
    assert code == 1
    assert [p["code"] for p in json.loads(out)["problems"]] == ["report.bad_signature", "report.other_case"]


def test_report_checked_against_the_wrong_or_altered_case(fresh_case: BuiltCase, tmp_path: Path) -> None:
    root = fresh_case.root
    assert run("report", root, "--format", "json", "--out", tmp_path / "elsewhere")[0] == 0
    code, out = run("verify", tmp_path / "elsewhere", "--json")
    result = json.loads(out)
    assert code == 0 and result["case_checked"] is False
    assert "give it with --case" in " ".join(result["notices"])
    other = build_case(tmp_path / "other")
    code, out = run("verify", tmp_path / "elsewhere", "--case", other.root, "--json")
    assert code == 1 and [p["code"] for p in json.loads(out)["problems"]] == ["report.other_case"]
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    artifact = next((copy / "artifacts" / "sha256").rglob("*"))
    while artifact.is_dir():
        artifact = next(artifact.iterdir())
    artifact.write_bytes(artifact.read_bytes() + b"x")
    code, out = run("verify", tmp_path / "elsewhere", "--case", copy, "--json")
    problems = json.loads(out)["problems"]
    assert code == 1 and {p["code"] for p in problems} == {"report.case_not_verified"}
    assert any("artifact.name_mismatch" in p["message"] or "content" in p["message"] for p in problems)


def test_bad_inputs_give_one_line_errors(tmp_path: Path, fresh_case: BuiltCase) -> None:
    from auditor.case.bundle import Case

    empty = Case.create(tmp_path / "empty")
    code, out = run("report", empty.root)
    assert code == 2 and "has no analysis/: run 'auditor analyze'" in out and "Traceback" not in out
    (fresh_case.root / "analysis" / "findings.json").write_text('{"findings": [{"type": "x"}]}', "utf-8")
    code, out = run("report", fresh_case.root)
    assert code == 2 and "findings.json: findings[0].id: Field required" in out
    (fresh_case.root / "analysis" / "findings.json").write_bytes(b"\xff\xfe")
    code, out = run("report", fresh_case.root)
    assert code == 2 and "findings.json: not valid UTF-8 (byte 0)" in out
    code, out = run("report", fresh_case.root, "--format", "docx")
    assert code == 2 and "choose from html, pdf, json, csv" in out


def test_a_report_of_an_analysis_older_than_the_case_says_so_on_its_cover(fresh_case: BuiltCase) -> None:
    root = fresh_case.root
    assert run("review", root, fresh_case.verdict_ids["third-country-transfer-no-adequacy"], "--status",
               "confirmed")[0] == 0                       # a reviewer's status is not new evidence
    code, out = run("report", root, "--format", "json", "--json")
    data = json.loads((Path(json.loads(out)["directory"]) / "report.json").read_text("utf-8"))
    assert (data["analysis"]["matches_case"], data["analysis"]["drift"]) == (True, [])
    from auditor.case.bundle import Case
    from auditor.case.events import Kind
    with Case.open(root).ledger(fsync_interval=0, after_seal=True) as ledger:   # the ledger grew after analysis
        ledger.append("operator", Kind.OPERATOR_NOTE, {"text": "a note after the analysis"})
    code, out = run("report", root, "--format", "json,html", "--json")
    assert code == 0, out
    directory = Path(json.loads(out)["directory"])
    data = json.loads((directory / "report.json").read_text("utf-8"))
    assert (data["analysis"]["matches_case"], data["analysis"]["drift"]) == (False, ["operator.note ×1"])
    assert ("WARNING: the case has changed since its analysis was made (operator.note ×1)"
            in (directory / "report.html").read_text("utf-8"))
