"""Each format produced and parsed back, with exact content checked; HTML self-contained and language-marked;
outputs byte-identical when made twice from the same case."""

from __future__ import annotations

import json
import re
from pathlib import Path

from auditor.case import keys
from auditor.case.canonical import sha256_file
from auditor.report.render import CSV_COLUMNS, FORMATS, write_report

from .casefactory import ADVERTISING_ID, CLIPBOARD, BuiltCase
from .helpers import csv_rows, parse_html, pdf_text


def test_html_is_self_contained_marked_and_ordered(reports: dict[str, Path], sealed_case: BuiltCase) -> None:
    for name, lang in (("en", "en"), ("nl", "nl")):
        doc = parse_html(reports[name] / "report.html")
        assert doc.tags[0] == ("html", {"lang": lang})
        tag_names = {tag for tag, _ in doc.tags}
        assert not tag_names & {"script", "link", "img", "iframe", "object", "embed"}
        for _, attrs in doc.tags:
            for attr, value in attrs.items():
                assert not attr.startswith("on")
                if attr in ("src", "href"):
                    assert value is not None and value.startswith("#"), value
        sections = [attrs["id"] for tag, attrs in doc.tags if tag in ("section", "header") and "id" in attrs]
        assert sections == ["cover", "expert", "scope", "summary", "method", "exhibits", "unknowns", "verification",
                            "verdicts", "law", "bundle", "glossary"]
        parts = [attrs["id"] for tag, attrs in doc.tags if tag == "div" and attrs.get("class") == "part"]
        assert parts == ["part-1", "part-2"]
        assert sum(1 for tag, _ in doc.tags if tag == "svg") == 2
        annex = parse_html(reports[name] / "annex.html")
        assert not {tag for tag, _ in annex.tags} & {"script", "link", "img", "iframe", "object", "embed"}
        assert [attrs["id"] for tag, attrs in annex.tags if tag == "section" and "id" in attrs] == [
            "charts", "exhibits", "method-detail", "findings", "annex"]


def test_json_round_trip(reports: dict[str, Path], sealed_case: BuiltCase) -> None:
    data = json.loads((reports["en"] / "report.json").read_text("utf-8"))
    seal_sha = sha256_file(sealed_case.root / "seal.json")[0]
    assert data["format"] == "auditor-report/2" and data["lang"] == "en"
    assert data["seal"]["seal_sha256"] == seal_sha and data["analysis"]["matches_seal"] is True
    assert data["verification"]["ok"] is True
    assert data["summary"]["verdicts_by_severity"] == {"high": 2, "medium": 2, "low": 0, "info": 0}
    assert [v["rule_id"] for v in data["verdicts"]] == [
        "clipboard-read-by-third-party", "third-country-transfer-no-adequacy", "biometric-capture",
        "location-before-consent"]
    assert len(data["findings"]) == 6
    transfer = next(f for f in data["findings"] if f["type"] == "third_country_transfer")
    assert transfer["recipient"]["entity_country"] == "CN"
    assert transfer["destination"] == {"ip": "127.0.0.21", "country_physical": "SG", "country_registered": "CN",
                                       "asn": "4134", "operator": "Example Telecom"}
    assert transfer["transfer_outcome"] == "third_country_no_adequacy"
    request = transfer["requests"][0]
    assert request["seq"] == sealed_case.seqs["beacon"] and request["header_hits"] == ["x-gaid"]
    # the beacon body is gzip: the excerpt is of the decoded JSON, with the advertising ID marked
    assert [s["text"] for s in request["body_excerpt"] if s["mark"]] == [ADVERTISING_ID]
    clip = next(f for f in data["findings"] if f["type"] == "clipboard_read" and f["actor"] == "com.bytedance.sdk")
    assert [frame["actor"] for frame in clip["stack"]] == [False, True, True, False]
    assert data["unknowns"]["tls_failures"] == [{"host": "pinned.example", "side": "client",
                                                 "error": "certificate unknown", "count": 1}]
    # a hook.status failure counts for a process that left no hook.coverage record
    assert data["unknowns"]["hooks_not_installed"] == [
        {"api": "android.hardware.biometrics.BiometricPrompt.authenticate", "pid": "4242",
         "reason": {"text": "class not found", "length": 15, "truncated": False}}]
    device_rows = [(f["name"], f["known"], f["value"]["text"]) for f in data["device"]["fields"]]
    assert device_rows[4:7] == [("model", True, "Pixel 7 (test)"), ("private_dns_mode", False, ""),
                                ("root", True, "kind: magisk; rooted: true")]
    assert data["device"]["simulated"] is None and data["device"]["serial"] == "TESTSERIAL01"
    assert len(data["annex"]["flows"]) == 2 and len(data["annex"]["hook_events"]) == 4
    assert data["method"]["marks"][0]["kind"] == "operator.consent_accepted"
    assert all(v["review"]["status"] == "pending" for v in data["verdicts"])


def test_csv_one_row_per_finding(reports: dict[str, Path]) -> None:
    rows = csv_rows(reports["en"] / "report.csv")
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 6
    beacon = [r for r in rows if r["recipient_host"] == "log.byteoversea.example"]
    assert sorted(r["type"] for r in beacon) == ["personal_data_transmitted", "third_country_transfer"]
    transfer = next(r for r in beacon if r["type"] == "third_country_transfer")
    assert (transfer["entity_country"], transfer["country_physical"], transfer["severities"]) == ("CN", "SG", "high")
    assert transfer["values"] == ADVERTISING_ID and transfer["review_statuses"] == "pending"
    # cited by exhibit number, as in the report: the beacon exchange's exhibit
    assert transfer["exhibits"] == beacon[0]["exhibits"] and transfer["exhibits"].isdigit()


def test_pdf_text_in_both_languages(reports: dict[str, Path], sealed_case: BuiltCase) -> None:
    seal_sha = sha256_file(sealed_case.root / "seal.json")[0]
    english = re.sub(r"\s+", " ", pdf_text(reports["en"] / "report.pdf"))
    dutch = re.sub(r"\s+", " ", pdf_text(reports["nl"] / "report.pdf"))
    for text in (english, dutch):
        assert seal_sha in text.replace(" ", "")
        assert "log.byteoversea.example" in text and "com.bytedance.sdk" in text
    assert "Transfer to China without an adequacy decision" in english
    assert "Known unknowns" in english and "Glossary" in english
    assert "Doorgifte aan China zonder adequaatheidsbesluit" in dutch
    assert "Bekende leemten" in dutch and "Verklarende woordenlijst" in dutch
    assert "Known unknowns" not in dutch


def test_outputs_are_byte_identical_when_made_twice(sealed_case: BuiltCase, reports: dict[str, Path],
                                                     tmp_path: Path) -> None:
    key, _ = keys.load_or_create()
    again = write_report(sealed_case.root, FORMATS, "en", False, tmp_path / "again", key).directory
    for name in ("report.html", "report.pdf", "report.json", "report.csv", "report-manifest.json"):
        assert (again / name).read_bytes() == (reports["en"] / name).read_bytes(), name


def test_clipboard_value_is_marked_in_the_html(reports: dict[str, Path]) -> None:
    html = (reports["en"] / "report.html").read_text("utf-8")
    # the main report's exhibit marks the value in its values table, the annex bundle in the request too
    assert f'<mark><bdi class="v">{ADVERTISING_ID}</bdi></mark>' in html
    assert f"<mark>{ADVERTISING_ID}</mark>" in (reports["en"] / "annex.html").read_text("utf-8")
    assert CLIPBOARD in html  # the planted value, in the method section
