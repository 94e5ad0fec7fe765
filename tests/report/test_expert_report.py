"""The report as an expert report: an imported, unsealed HAR case (import, analyse, report) with the expert and
the questions from `case new`; the same case sealed with a real RFC 3161 timestamp and checked by a third party
with sha256sum and openssl alone (plus the POSIX shell's grep, head, tail, cut, wc); a final report needs
every verdict reviewed; a failed re-render leaves the old report whole; CSV cells safe with `;` separators."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.seal import seal_case
from auditor.cli import cli
from auditor.errors import InputError
from auditor.report import render
from auditor.report.render import FORMATS, write_report
from tests.case.tsa import LocalTSA

from .helpers import csv_rows, pdf_text

GAID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
EXPERT = ("Dr. A. de Vries", "Forensic software engineer, 12 years", "I have no tie to either party.")
QUESTIONS = ("Which personal data did the app send, and to whom?", "Did it do so before consent?")
HAR = {"log": {"version": "1.2", "creator": {"name": "test-recorder", "version": "1"}, "entries": [{
    "startedDateTime": "2026-11-30T10:00:00.000Z", "time": 10, "serverIPAddress": "127.0.0.21",
    "request": {"method": "POST", "url": f"https://log.snssdk.com/service/2/device_register/?gaid={GAID}",
                "httpVersion": "HTTP/1.1", "headers": [{"name": "Host", "value": "log.snssdk.com"},
                                                       {"name": "Content-Type", "value": "application/json"}],
                "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 56,
                "postData": {"mimeType": "application/json", "text": json.dumps({"advertiser_id": GAID})}},
    "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": [], "cookies": [],
                 "content": {"size": 0, "mimeType": "text/plain"}, "redirectURL": "", "headersSize": -1,
                 "bodySize": 0},
    "cache": {}, "timings": {"send": 1, "wait": 1, "receive": 1}}]}}


def run(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def har_case(tmp_path: Path, sealed_with: str | None = None) -> Path:
    """`case new` with the expert and questions, `import har`, `analyze`; sealed (before analysis) if asked."""
    har = tmp_path / "capture.har"
    har.write_text(json.dumps(HAR), "utf-8")
    root = tmp_path / "case"
    run("case", "new", root, "--expert", EXPERT[0], "--qualifications", EXPERT[1], "--independence", EXPERT[2],
        "--question", QUESTIONS[0], "--question", QUESTIONS[1])
    run("import", "har", har, "--case", root)
    if sealed_with:
        seal_case(Case.open(root), keys.load_or_create()[0], tsa_url=sealed_with)
    run("analyze", root)
    return root


def test_unsealed_imported_har_case_reports_as_not_sealed(tmp_path: Path) -> None:
    root = har_case(tmp_path)
    info = json.loads((root / "case.json").read_text("utf-8"))
    assert info["expert"] == dict(zip(("name", "qualifications", "independence"), EXPERT, strict=True))
    assert info["questions"] == list(QUESTIONS)
    run("report", root)
    out = root / "reports" / "report-en"
    assert sorted(p.name for p in out.iterdir()) == ["annex.html", "report-manifest.json", "report.csv",
                                                     "report.html", "report.json", "report.pdf"]
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["seal"]["sealed"] is False and data["kit"] == {"sealed": False, "steps": [], "expect": {}}
    assert data["scope"]["device"] == "imported" and data["scope"]["date"] == "2026-11-30"
    [exhibit] = [e for e in data["exhibits"] if e["kind"] == "exchange"]
    assert exhibit["number"] == 1 and exhibit["recipient"]["host"] == "log.snssdk.com"
    assert {v["value"]["text"] for v in exhibit["found"]} == {GAID}
    assert all(v["exhibits"] == {"runs": [[1, 1]], "more": 0} for v in data["verdicts"])
    text = re.sub(r"\s+", " ", pdf_text(out / "report.pdf"))
    first_page = text.split("1 / ", 1)[0]
    assert "DRAFT: the case is not sealed." in first_page and f"Expert {EXPERT[0]}" in first_page
    # one verdict: identifiers before consent; log.snssdk.com's entity is not in the datasets without the test
    # world, so no transfer is claimed (issue #14: a Chapter V transfer needs the recipient layer)
    assert "Status draft (1 legal assessment(s) not yet reviewed)" in first_page
    assert "report was made not sealed: there is no seal to verify" in first_page
    assert "the case verified" not in first_page
    assert f"Qualifications {EXPERT[1]} Statement of independence {EXPERT[2]}" in text
    assert f"Questions posed {QUESTIONS[0]} {QUESTIONS[1]}" in text.replace("• ", "").replace("1. ", "").replace(
        "2. ", "")
    assert "Imported capture: the traffic was recorded by another tool" in text
    assert "The case is not sealed: there is nothing a third party can check the files against." in text
    assert "Exhibit 1 — HTTP exchange" in text and "can be checked against that sealed case" not in text


def test_final_report_needs_every_verdict_reviewed(tmp_path: Path) -> None:
    root = har_case(tmp_path)
    key, _ = keys.load_or_create()
    with pytest.raises(InputError) as refused:
        write_report(root, ("json",), "en", False, None, key, final=True)
    verdicts = json.loads((root / "analysis" / "verdicts.json").read_text("utf-8"))["verdicts"]
    assert len(verdicts) == 1
    assert str(refused.value).startswith("--final: 1 verdict(s) not reviewed yet (first: V-")
    for verdict in verdicts:
        run("review", root, verdict["id"], "--status", "confirmed", "--comment", "checked")
    result = write_report(root, ("json", "html"), "en", False, None, key, final=True)
    assert result.model["final"] is True
    assert "final: every legal assessment has been reviewed" in (result.directory / "report.html").read_text("utf-8")
    assert {v["review"]["status"] for v in result.model["verdicts"]} == {"confirmed"}


def test_failed_rerender_keeps_the_old_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = har_case(tmp_path)
    key, _ = keys.load_or_create()
    first = write_report(root, ("html", "json"), "en", False, None, key).directory
    before = {p.name: p.read_bytes() for p in first.iterdir()}

    def broken(*args: object) -> bytes:
        raise RuntimeError("renderer crashed half-way")
    monkeypatch.setattr(render, "render_pdf", broken)
    with pytest.raises(RuntimeError):
        write_report(root, FORMATS, "en", False, None, key)
    assert {p.name: p.read_bytes() for p in first.iterdir()} == before
    assert sorted(p.name for p in first.parent.iterdir()) == ["report-en"]   # no staging directory left


def _sh(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", command], cwd=cwd, capture_output=True, text=True, timeout=60)


def test_third_party_checks_the_seal_with_sha256sum_and_openssl(tmp_path: Path) -> None:
    with LocalTSA() as tsa:
        root = har_case(tmp_path, sealed_with=tsa.url)
        (tmp_path / "TSA-CA.pem").write_bytes(tsa.ca_pem.read_bytes())
    key, _ = keys.load_or_create()
    report = write_report(root, ("html", "json"), "en", False, tmp_path / "report", key)
    kit = report.model["kit"]
    assert [s["key"] for s in kit["steps"]] == ["files", "listed", "ledger", "signature", "signer", "timestamp"]
    (report.directory / "TSA-CA.pem").write_bytes((tmp_path / "TSA-CA.pem").read_bytes())
    seal = json.loads((root / "seal.json").read_text("utf-8"))
    files = seal["payload"]["files"]
    outputs = {}
    for step in kit["steps"]:
        command = step["command"].replace("CASE", str(root)).replace("REPORT", str(report.directory))
        outputs[step["key"]] = _sh(command, report.directory)
        assert outputs[step["key"]].returncode == 0, (step, outputs[step["key"]].stderr)
    assert outputs["files"].stdout.splitlines() == [f"{path}: OK" for path in sorted(files)]
    assert outputs["listed"].stdout == f"checked {len(files)} files\n"
    assert outputs["ledger"].stdout.split()[0] == seal["payload"]["ledger"]["sha256"]
    assert outputs["signature"].stdout.strip() == "Signature Verified Successfully"
    assert "SHA256:" + outputs["signer"].stdout.split()[0] == seal["payload"]["signer"]["fingerprint"]
    assert outputs["timestamp"].stdout.strip() == "Verification: OK"
    # the report prints each command and what it must show
    html = (report.directory / "report.html").read_text("utf-8")
    assert "openssl pkeyutl -verify -pubin -inkey verify.signer.pem -rawin -in verify.payload.json" in html
    assert kit["expect"]["signer"] in html
    # a changed file, a changed payload and a changed signature each fail their step
    artifact = root / next(p for p in sorted(files) if p.startswith("artifacts/"))
    artifact.chmod(0o644)
    artifact.write_bytes(artifact.read_bytes() + b"x")
    failed = _sh(kit["steps"][0]["command"].replace("CASE", str(root)).replace("REPORT", str(report.directory)),
                 report.directory)
    assert failed.returncode == 1 and f"{artifact.relative_to(root)}: FAILED" in failed.stdout
    payload = report.directory / "verify.payload.json"
    payload.write_bytes(payload.read_bytes().replace(b'"sha256":"', b'"sha256":"0', 1))
    forged = _sh(kit["steps"][3]["command"], report.directory)
    assert forged.returncode == 1 and "Signature Verification Failure" in forged.stdout


def test_csv_cells_stay_one_cell_with_semicolon_or_comma_separators(hostile_case: object,
                                                                    tmp_path: Path) -> None:
    key, _ = keys.load_or_create()
    out = write_report(hostile_case.root, ("csv",), "en", False, tmp_path / "r", key).directory  # type: ignore[attr-defined]
    text = (out / "report.csv").read_text("utf-8")
    row = next(r for r in csv_rows(out / "report.csv") if r["type"] == "tracker_contacted")
    assert row["recipient_domain"] == "Evil;'=cmd|' /C calc'!A0"
    for separator in (",", ";"):
        # a spreadsheet splits on its list separator, outside quotes; no cell may then start a formula
        cells = [cell for line in csv.reader(io.StringIO(text), delimiter=separator) for cell in line]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], separator
    assert all(line.startswith('"') and line.endswith('"') for line in text.splitlines())


def test_damaged_seal_gives_a_report_without_a_kit(tmp_path: Path) -> None:
    """A seal.json whose signature is not base64: verification names the problem on the cover; the report
    is still made, without verify.* files, and says why."""
    root = har_case(tmp_path)
    seal_case(Case.open(root), keys.load_or_create()[0])
    seal = json.loads((root / "seal.json").read_text("utf-8"))
    seal["signature"] = "not base64 !"
    (root / "seal.json").chmod(0o644)
    (root / "seal.json").write_text(json.dumps(seal), "utf-8")
    key, _ = keys.load_or_create()
    out = write_report(root, ("html",), "en", False, tmp_path / "r", key).directory
    assert sorted(p.name for p in out.iterdir()) == ["annex.html", "report-manifest.json", "report.html"]
    page = (out / "report.html").read_text("utf-8")
    assert "seal.json could not be taken apart into a verification kit" in page
    assert "WARNING: the case failed verification" in page


def test_expert_from_a_profile_file_and_bad_profiles_named(tmp_path: Path) -> None:
    profile = tmp_path / "expert.json"
    profile.write_text(json.dumps(dict(zip(("name", "qualifications", "independence"), EXPERT, strict=True))))
    run("case", "new", tmp_path / "a", "--expert-profile", profile, "--question", QUESTIONS[0])
    info = json.loads((tmp_path / "a" / "case.json").read_text("utf-8"))
    assert info["expert"]["name"] == EXPERT[0] and info["questions"] == [QUESTIONS[0]]
    for content, problem in (('{"name": "X", "phone": "1"}', "expert profile: unknown key(s) 'phone'"),
                             ('{"qualifications": "Y"}', "expert profile: missing key(s) name"),
                             ("not json", "the expert profile is not JSON")):
        profile.write_text(content)
        result = CliRunner().invoke(cli, ["case", "new", str(tmp_path / "b"), "--expert-profile", str(profile)])
        assert result.exit_code == 2 and f"{profile}: {problem}" in result.output, result.output
    result = CliRunner().invoke(cli, ["case", "new", str(tmp_path / "c"), "--independence", "I am independent."])
    assert result.exit_code == 2 and "--expert: qualifications and independence need the expert's name" in \
        result.output
