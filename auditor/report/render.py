"""`auditor report`: the model rendered as HTML (self-contained), PDF (WeasyPrint, same HTML), JSON and CSV,
written with a signed manifest that ties the files to the case and seal they were made from."""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import weasyprint
import weasyprint.urls
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from markupsafe import Markup

from auditor.case.bundle import Case
from auditor.contract.vocabulary import ReportFormat
from auditor.errors import InputError
from auditor.report import assets, charts
from auditor.report.manifest import MANIFEST_FILE, write_manifest
from auditor.report.model import build_model

FORMATS = tuple(f.value for f in ReportFormat)
# Long annex tables are split into tables of this many rows: WeasyPrint re-lays a table that spans pages from
# its start on each page, so one long table costs quadratic time (bench/report_scale.py).
TABLE_ROWS = 40
CSV_COLUMNS = ("finding_id", "type", "data_category", "actor", "recipient_host", "recipient_domain",
               "recipient_entity", "recipient_parent", "entity_country", "destination_ip", "country_physical",
               "country_registered", "asn", "network_operator", "transfer_outcome", "time", "before_consent",
               "confidence", "ledger_seqs", "artifacts", "values", "verdict_ids", "severities", "review_statuses")


def render_html(model: dict[str, Any], lang: str) -> str:
    t = assets.translator(lang)
    chart_text = {key: t(key) for key in assets.catalogue(lang) if key.startswith("chart.")}
    svg = {"timeline": charts.timeline(model["charts"]["timeline"], model["charts"]["consent"], chart_text),
           "countries": charts.countries(model["charts"]["countries"], chart_text)}
    template = assets.environment().get_template("report.html.j2")
    return template.render(model=model, lang=lang, t=t, keys=frozenset(assets.catalogue(lang)),
                           css=Markup(assets.stylesheet()), glossary=assets.GLOSSARY, table_rows=TABLE_ROWS,
                           charts={k: Markup(v) for k, v in svg.items()})  # ElementTree escaped the SVG


class RefuseFetch(weasyprint.urls.URLFetcher):
    """The PDF engine may fetch nothing: the report is self-contained and captured text is hostile."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        raise ValueError(f"report rendering does not fetch resources ({url[:80]!r})")


def render_pdf(html: str, epoch: int) -> bytes:
    """The PDF of the report's HTML. Byte-identical for the same HTML: the embedded font subsets would carry
    the wall-clock time (fontTools honours SOURCE_DATE_EPOCH), so they get `epoch` (the sealing time)."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        document = weasyprint.HTML(string=html, url_fetcher=RefuseFetch(), base_url=None)
        return document.write_pdf(pdf_identifier=b"auditor-report")
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _epoch(stamp: str) -> int:
    try:
        return int(datetime.fromisoformat(stamp).timestamp())
    except ValueError:
        return 0


def _cell(value: Any) -> str:
    """A CSV cell that spreadsheet programs will not run as a formula (captured text is hostile)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(model: dict[str, Any]) -> str:
    by_finding: dict[str, list[dict[str, Any]]] = {}
    for verdict in model["verdicts"]:
        for fid in verdict["findings"]:
            by_finding.setdefault(fid, []).append(verdict)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for f in model["findings"]:
        verdicts = by_finding.get(f["id"], [])
        r, d = f["recipient"], f["destination"]
        row = [f["id"], f["type"], f["data_category"], f["actor"], r["host"], r["domain"], r["entity"],
               r["parent"], r["entity_country"], d["ip"], d["country_physical"], d["country_registered"],
               d["asn"], d["operator"], f["transfer_outcome"], f["time"],
               "" if f["before_consent"] is None else str(f["before_consent"]).lower(), f["confidence"],
               " ".join(map(str, f["evidence"]["seqs"])), " ".join(f["evidence"]["artifacts"]),
               " | ".join(loc["value"]["text"] for loc in f["evidence"]["locations"]),
               " ".join(v["id"] for v in verdicts), " ".join(v["severity"] for v in verdicts),
               " ".join(v["review"]["status"] for v in verdicts)]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def public_model(model: dict[str, Any], lang: str) -> dict[str, Any]:
    """The JSON output: the model without internal helpers (search needles), with the report language."""
    data = json.loads(json.dumps(model))
    for finding in data["findings"]:
        for loc in finding["evidence"]["locations"]:
            loc.pop("needle", None)
    return {"lang": lang, **data}


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class ReportResult:
    directory: Path
    files: dict[str, str]          # file name -> SHA-256
    model: dict[str, Any]


def default_directory(case: Case, lang: str, redact: bool) -> Path:
    return case.root / "reports" / f"report-{lang}{'-redacted' if redact else ''}"


def write_report(case_dir: Path, formats: tuple[str, ...], lang: str, redact: bool, out: Path | None,
                 key: Ed25519PrivateKey) -> ReportResult:
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise InputError("--format", f"choose from {', '.join(FORMATS)} (got {', '.join(unknown) or 'none'})")
    if lang not in assets.LANGUAGES:
        raise InputError("--lang", f"choose from {', '.join(assets.LANGUAGES)}")
    case = Case.open(case_dir)
    directory = Path(out) if out else default_directory(case, lang, redact)
    if directory.exists() and any(directory.iterdir()) and not (directory / MANIFEST_FILE).is_file():
        raise InputError(directory, "exists, is not empty and is not a report directory; choose another --out")
    model = build_model(case, redact=redact)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("report.*"):
        stale.unlink()
    outputs: dict[str, bytes] = {}
    html = render_html(model, lang) if {"html", "pdf"} & set(formats) else ""
    if "html" in formats:
        outputs["report.html"] = html.encode("utf-8")
    if "pdf" in formats:
        outputs["report.pdf"] = render_pdf(html, _epoch(model["seal"].get("sealed_at") or model["case"]["created"]))
    if "json" in formats:
        outputs["report.json"] = (json.dumps(public_model(model, lang), indent=1, sort_keys=True,
                                             ensure_ascii=False) + "\n").encode("utf-8")
    if "csv" in formats:
        outputs["report.csv"] = render_csv(model).encode("utf-8")
    for name, data in sorted(outputs.items()):
        _write(directory / name, data)
    files = write_manifest(directory, model, lang, outputs, key)
    return ReportResult(directory=directory, files=files, model=model)
