"""The findings contract: one definition per field, published as JSON Schemas, read strictly at the boundary."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.contract.document import read_document
from auditor.contract.findings import Findings
from auditor.contract.schemas import DOCUMENTS, finding_fields, rule_fields, schema_text
from auditor.contract.verdicts import Verdicts
from auditor.errors import InputError
from auditor.importers.har import import_har
from auditor.rules.schema import FIELDS
from tests.contract.schema_check import DOCS, schema_errors

HAR = Path(__file__).resolve().parents[1] / "capture" / "data" / "reporthar-android-first-run.har"


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_published_schema_is_the_one_the_models_generate(name: str) -> None:
    published = (DOCS / f"{name}.schema.json").read_text("utf-8")
    assert published == schema_text(name), f"run: python -m auditor.contract.schemas docs ({name})"
    jsonschema.Draft202012Validator.check_schema(json.loads(published))


def test_rule_fields_are_the_contract_fields() -> None:
    assert FIELDS == rule_fields()
    assert {"type", "data_category", "actor.sdk", "actor.basis", "recipient.third_party", "destination.asn",
            "transfer.outcome", "transfer_outcome", "before_consent"} <= finding_fields()
    assert not {"id", "time", "evidence.shown", "actor"} & finding_fields()   # ids, times, records: not conditions
    schema = json.loads((DOCS / "findings.schema.json").read_text("utf-8"))
    finding = schema["$defs"]["Finding"]["properties"]
    assert {name.split(".")[0] for name in finding_fields()} <= set(finding)


@pytest.fixture(scope="module")
def imported_har(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared real capture imported with `auditor import har`'s library call, then analysed."""
    root = tmp_path_factory.mktemp("har") / "case"
    Case.create(root, operator="test")
    import_har(HAR, root)
    analyze(root)
    return root


def test_an_imported_hars_analysis_validates_against_the_published_schemas(imported_har: Path) -> None:
    for name in DOCUMENTS:
        assert schema_errors(imported_har / "analysis" / f"{name}.json", name) == [], name
    findings = read_document(Findings, imported_har / "analysis" / "findings.json").findings
    verdicts = read_document(Verdicts, imported_har / "analysis" / "verdicts.json").verdicts
    assert len(findings) == 28          # tests/analysis/test_har.py lists them
    assert sorted((v.rule_id, len(v.findings)) for v in verdicts) == [
        ("device-attributes-before-consent", 4), ("identifiers-before-consent", 6),
        ("online-identifiers-to-other-party", 7), ("third-country-transfer-without-adequacy", 3)]
    assert all(set(v.findings) <= {f.id for f in findings} for v in verdicts)


def _finding(imported_har: Path) -> dict:
    return json.loads((imported_har / "analysis" / "findings.json").read_text("utf-8"))["findings"][0]


@pytest.mark.parametrize("change, message", [
    (lambda f: f.update(colour="red"), "findings[0].colour: Extra inputs are not permitted"),
    (lambda f: f.update(type="clipboard_sniffed"), "findings[0].type: Input should be 'clipboard_read', "),
    (lambda f: f.update(confidence=3), "findings[0].confidence: Input should be 'high', 'medium' or 'low'"),
    (lambda f: f["evidence"].update(occurrences="1"), "findings[0].evidence.occurrences: Input should be a valid "
                                                      "integer"),
    (lambda f: f.update(id="F-1"), "findings[0].id: String should match pattern"),
    (lambda f: f["recipient"].pop("host"), "findings[0].recipient.host: Field required"),
])
def test_a_malformed_findings_file_names_the_file_and_the_field(imported_har: Path, tmp_path: Path, change,
                                                               message: str) -> None:
    finding = _finding(imported_har)
    change(finding)
    path = tmp_path / "findings.json"
    path.write_text(json.dumps({"format": "auditor-findings/1", "findings": [finding]}), "utf-8")
    with pytest.raises(InputError) as raised:
        read_document(Findings, path)
    assert str(raised.value).startswith(f"{path}: {message}"), str(raised.value)
    assert schema_errors(path, "findings"), "the published schema must refuse it too"


def test_foreign_or_broken_files_are_refused_with_their_name(tmp_path: Path) -> None:
    cases = {b'{"findings": []}': None,
             b'{"format": "auditor-findings/2", "findings": []}': "format: String should match pattern",
             b"\xff\xfe": "not valid UTF-8 (byte 0)",
             b'{"format": "auditor-findings/1", "findings": [': "not valid JSON (EOF while parsing a list",
             b"[]": "document: Input should be an object"}
    for payload, message in cases.items():
        path = tmp_path / "findings.json"
        path.write_bytes(payload)
        if message is None:
            assert read_document(Findings, path).findings == ()
            continue
        with pytest.raises(InputError) as raised:
            read_document(Findings, path)
        assert str(raised.value).startswith(f"{path}: {message}"), str(raised.value)
