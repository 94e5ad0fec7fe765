"""Verify fails where it must (#18): a seal removed after tampering, a case re-sealed by another key, case.json
not as last recorded; derived files the seal does not cover are named; a malformed seal or ledger line is a
named problem, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.seal import seal_case, verify_case
from auditor.cli import cli


@pytest.fixture
def case(tmp_path: Path) -> Case:
    case = Case.create(tmp_path / "case", operator="strict", scenario="verify strictness")
    with case.ledger(fsync_interval=0) as ledger:
        ledger.append("operator", "operator.note", {"text": "one"})
    return case


def key(tmp_path: Path, name: str):  # type: ignore[no-untyped-def]
    return keys.load_or_create(tmp_path / f"{name}.pem")[0]


def codes(root: Path) -> list[str]:
    return [problem.code for problem in verify_case(root).problems]


def test_tampering_then_removing_the_seal_fails(case: Case, tmp_path: Path) -> None:
    signer = keys.fingerprint(key(tmp_path, "a").public_key())
    seal_case(case, key(tmp_path, "a"))
    info = json.loads((case.root / "case.json").read_text())
    info["scenario"] = "something else"
    (case.root / "case.json").write_text(json.dumps(info))
    (case.root / "seal.json").unlink()
    problems = {p.code: p for p in verify_case(case.root).problems}
    assert sorted(problems) == ["case.json_changed", "seal.missing"]
    assert problems["seal.missing"].message == (f"the ledger records a sealing by {signer} at seq 4, but the case "
                                                "has no seal: seal.json was removed, or the sealing was cut short "
                                                "before it could record its failure")
    assert problems["case.json_changed"].message == ("does not match the SHA-256 the ledger last recorded for it "
                                                     "(seq 3): edited outside auditor")


def test_a_case_sealed_again_by_another_key_fails_without_expect_signer(case: Case, tmp_path: Path) -> None:
    first = keys.fingerprint(key(tmp_path, "a").public_key())
    seal_case(case, key(tmp_path, "a"))
    (case.root / "seal.json").unlink()
    seal_case(case, key(tmp_path, "b"))
    problems = verify_case(case.root).problems
    assert [(p.code, p.where, p.message) for p in problems] == [
        ("seal.resealed", "ledger.jsonl seq 4", f"an earlier sealing by {first} (another key than the last): that "
                                                "seal was removed and the case sealed again")]


def test_derived_files_the_seal_does_not_cover_are_named(case: Case, tmp_path: Path) -> None:
    analysis = case.root / "analysis"
    analysis.mkdir()
    (analysis / "verdicts.json").write_text('{"verdicts": [{"severity": "high"}]}')
    (analysis / "findings.json").write_text('{"findings": []}')
    seal_case(case, key(tmp_path, "a"))
    assert verify_case(case.root).derived_not_covered == {}

    (analysis / "verdicts.json").write_text('{"verdicts": [{"severity": "info"}]}')
    (analysis / "inputs.json").write_text("{}")
    (analysis / "findings.json").unlink()
    result = verify_case(case.root)
    assert result.derived_not_covered == {"analysis/inputs.json": "made after sealing",
                                          "analysis/verdicts.json": "changed since sealing",
                                          "analysis/findings.json": "removed since sealing"}
    out = CliRunner().invoke(cli, ["verify", str(case.root)]).stdout
    assert "NOT COVERED by the seal: analysis/verdicts.json (changed since sealing)\n" in out
    assert "NOT COVERED by the seal: analysis/inputs.json (made after sealing)\n" in out


@pytest.mark.parametrize("path, value, message", [
    (("payload", "ledger", "bytes"), "12", "payload.ledger.bytes is str, not int"),
    (("payload", "files"), [], "payload.files is list, not dict"),
    (("payload", "signer"), "me", "payload.signer is str, not dict"),
    (("payload", "ledger", "events"), True, "payload.ledger.events is bool, not int"),
    (("signature",), 7, "signature is int, not str"),
    (("payload", "derived", "x"), {"sha256": None, "size": 1}, "payload.derived['x'].sha256 is NoneType, not str"),
])
def test_a_seal_of_wrong_types_is_a_named_problem(case: Case, tmp_path: Path, path: tuple[str, ...],
                                                   value: object, message: str) -> None:
    seal_case(case, key(tmp_path, "a"))
    seal = json.loads((case.root / "seal.json").read_text())
    target = seal
    for member in path[:-1]:
        target = target[member]
    target[path[-1]] = value
    (case.root / "seal.json").write_text(json.dumps(seal))
    [problem] = [p for p in verify_case(case.root).problems if p.code == "seal.malformed"]
    assert problem.message == f"not a valid seal file ({message})"
    result = CliRunner().invoke(cli, ["verify", str(case.root)])
    assert result.exit_code == 1 and "PROBLEM [seal.malformed] seal.json" in result.stdout


def test_a_deeply_nested_ledger_line_is_a_named_problem(case: Case) -> None:
    with open(case.ledger_path, "ab") as handle:
        handle.write(b"[" * 200_000 + b"]" * 200_000 + b"\n")
    problems = verify_case(case.root).problems
    assert [(p.code, p.message) for p in problems] == [
        ("ledger.bad_json", "JSON nested too deeply to be a ledger record")]
    result = CliRunner().invoke(cli, ["mark", str(case.root), "x"])
    assert result.exit_code == 2 and "its last line is not a ledger record" in result.stderr
