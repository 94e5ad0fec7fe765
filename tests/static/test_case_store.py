"""`auditor apk scan --case`: the APK and the scan are evidence in the case; a rejected APK is kept too.
Also the CLI's JSON contract and byte-identical output for the same input."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.cli import cli
from auditor.static.scan import report_bytes
from tests.static.conftest import REAL_APKS, scanned

DVBA = REAL_APKS / "dvba.apk"


def test_scan_is_stored_with_the_apk_and_the_app_section(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "case", operator="tester")
    result = CliRunner().invoke(cli, ["apk", "scan", str(DVBA), "--case", str(case.root), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    records = list(read_records(case.ledger_path))
    assert [r["kind"] for r in records] == ["case.created", "static.apk", "static.scan", "case.updated"]
    apk_sha = hashlib.sha256(DVBA.read_bytes()).hexdigest()
    assert records[1]["body"] == {"sha256": apk_sha, "size": DVBA.stat().st_size, "file_name": "dvba.apk"}
    assert case.artifacts.path_for(apk_sha).read_bytes() == DVBA.read_bytes()
    stored = case.artifacts.path_for(records[2]["artifact"]).read_bytes()
    assert stored == report_bytes(report) == result.output.encode("utf-8")
    assert records[2]["body"]["api_calls"] == {"biometric_auth": {"library": 7}, "location": {"library": 1}}
    assert records[2]["body"]["sdks"] == []
    assert Case.open(case.root).info["app"] == {
        "package": "com.app.damnvulnerablebank", "version_code": 1, "version_name": "1.0", "apk_sha256": [apk_sha],
        "signing_cert_sha256": ["0d770dd2df7f63e949e8ca87b7e97ba6827762e289bd281679910609568acdde"]}


def test_rejected_apk_is_still_kept_as_evidence(tmp_path: Path) -> None:
    case = Case.create(tmp_path / "case", operator="tester")
    bad = tmp_path / "cut.apk"
    bad.write_bytes(DVBA.read_bytes()[:1000])
    result = CliRunner().invoke(cli, ["apk", "scan", str(bad), "--case", str(case.root)])
    assert result.exit_code == 2
    records = list(read_records(case.ledger_path))
    assert [r["kind"] for r in records] == ["case.created", "static.apk", "static.scan_failed"]
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    assert case.artifacts.path_for(digest).read_bytes() == bad.read_bytes()
    assert records[2]["body"] == {"apk_sha256": [digest],
                                  "error": f"{bad}: truncated or corrupt zip: no end-of-central-directory record"}
    assert "app" not in Case.open(case.root).info


def test_json_contract_and_identical_bytes_for_the_same_input() -> None:
    runner = CliRunner()
    first = runner.invoke(cli, ["apk", "scan", str(DVBA), "--json"])
    second = runner.invoke(cli, ["apk", "scan", str(DVBA), "--json"])
    assert first.exit_code == 0 and first.output == second.output
    report = json.loads(first.output)
    assert report == scanned(DVBA)
    expected_keys = {"package", "version_code", "version_name", "permissions", "sdks", "api_calls", "certificates"}
    assert expected_keys <= set(report)
    assert all(isinstance(p, str) for p in report["permissions"])
    for call in report["api_calls"]:
        assert call["category"] in {"clipboard", "location", "biometric_capture", "biometric_auth", "identifier",
                                    "camera", "microphone", "accounts", "installed_apps"}
        assert "/" not in call["caller"] and "." in call["caller"]
        assert isinstance(call["reachable_from"], list)
    assert all(len(c["sha256"]) == 64 for c in report["certificates"])
    assert str(DVBA.parent) not in first.output         # no local path in the evidence


def test_text_output_names_caller_and_origin() -> None:
    result = CliRunner().invoke(cli, ["apk", "scan", str(DVBA)])
    assert result.exit_code == 0
    assert ("  biometric_auth    android.hardware.biometrics.BiometricPrompt.authenticate  in b.d.a.B  "
            "[library, reached from com.app.damnvulnerablebank.SendMoney.Biometrics]") in result.output.splitlines()
    assert CliRunner().invoke(cli, ["apk", "scan", "--help"]).exit_code == 0
