"""An imported capture's Dutch report is wholly Dutch too: the real HAR of an Android app's first run
(tests/capture/data/reporthar-android-first-run.har) imported into a new case, analysed and reported unsealed
in nl (HTML, annex bundle, PDF). The English texts searched for are collected as for the demo
(tests/report/english.py); of what the case records in English only, the report shows exactly the names below."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from auditor.cli import cli

from .english import english_in, english_sentences, recorded_english, report_texts

HAR = Path(__file__).resolve().parents[1] / "capture" / "data" / "reporthar-android-first-run.har"
# What this Dutch report shows in English, each a name: a licence's, the attribution wording DB-IP's CC BY
# licence asks for (and a list of source names), and titles of documents and of a case as published (the
# rulesets give no Dutch title; Part II's citations)
NAMES_IN_ENGLISH = [
    "CC BY 4.0",
    "Facebook Ireland and Schrems (Schrems II)",
    "Guidelines 2/2023 on Technical Scope of Art. 5(3) of ePrivacy Directive",
    "IP Geolocation by DB-IP (db-ip.com)",
    "Opinion 9/2014 on the application of Directive 2002/58/EC to device fingerprinting (WP 224)",
    "routeviews.org; IP to ASN by DB-IP (db-ip.com); nro.net",
]


def run(*args: object) -> None:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output


def test_imported_har_case_reports_wholly_in_dutch(tmp_path: Path) -> None:
    root = tmp_path / "case"
    run("case", "new", root)
    run("import", "har", HAR, "--case", root)
    run("analyze", root)
    run("report", root, "--lang", "nl", "--format", "html,pdf,json")
    out = root / "reports" / "report-nl"
    data = json.loads((out / "report.json").read_text("utf-8"))
    assert data["lang"] == "nl" and data["seal"]["sealed"] is False
    # what the Dutch texts rest on: recognised values with their rule's reasoning, verdicts, transfers
    findings = json.loads((root / "analysis" / "findings.json").read_text("utf-8"))["findings"]
    reasoned = [v for f in findings for e in f["evidence"]["shown"] for v in e["values"] if v["reasoning"]]
    assert reasoned and all(set(v["reasoning"]) == {"en", "nl"} for v in reasoned)
    assert data["verdicts"]
    sentences = english_sentences(root)
    texts = report_texts(out)
    assert all(texts.values())
    assert english_in(texts, sentences) == []
    shown = sorted(text for text in recorded_english(root) if any(text in page for page in texts.values()))
    assert shown == NAMES_IN_ENGLISH
    assert "CONCEPT: het dossier is niet verzegeld." in texts["report.pdf"]
    # a recipient's role and the sources of its steps, in Dutch (Branch's DPA FAQ names it a processor)
    assert ("rol verwerker (recipients: legal.branch.io, veelgestelde vragen over de verwerkersovereenkomst: Branch "
            "Metrics, Inc. is verwerker, de klant verwerkingsverantwoordelijke)") in texts["report.html"]
    shown = [v["reasoning"]["nl"] for v in reasoned]
    assert any(" ".join(text.split()) in texts["annex.html"] for text in shown)
