"""`auditor report`: the model rendered as HTML (self-contained), PDF (WeasyPrint, same HTML), JSON and CSV,
written with a signed manifest that ties the files to the case and seal they were made from."""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from markupsafe import Markup

from auditor.case.bundle import Case
from auditor.case.canonical import sha256_hex
from auditor.contract.vocabulary import ReportFormat
from auditor.errors import InputError
from auditor.report import assets, charts
from auditor.report.kit import kit_files
from auditor.report.manifest import MANIFEST_FILE, write_manifest
from auditor.report.model import build_model
from auditor.report.pdf_libraries import load_weasyprint
from auditor.report.rows import as_json
from auditor.report.sources import load_seal

FORMATS = tuple(f.value for f in ReportFormat)
# Long annex tables are split into tables of this many rows: WeasyPrint re-lays a table that spans pages from
# its start on each page, so one long table costs quadratic time (bench/report_scale.py).
TABLE_ROWS = 40
# The timeline draws one mark per exchange; above this many the PDF's layout time grows with them, so the main
# report refers to the annex bundle's drawing instead.
CHART_POINTS = 300
CSV_COLUMNS = ("finding_id", "exhibits", "type", "data_category", "actor", "recipient_host", "recipient_domain",
               "recipient_entity", "recipient_parent", "entity_country", "destination_ip", "country_physical",
               "country_registered", "asn", "network_operator", "transfer_outcome", "time", "before_consent",
               "confidence", "ledger_seqs", "artifacts", "values", "verdict_ids", "severities", "review_statuses")


ANNEX_FILE = "annex.html"


def render_html(model: dict[str, Any], lang: str, bundle: dict[str, str] | None = None,
                template_dir: Path | None = None) -> str:
    """The main report; `bundle` names the annex bundle's files and their SHA-256."""
    svg = _charts(model, lang)
    if len(model["charts"]["timeline"]) > CHART_POINTS:   # drawn in the annex bundle only
        svg["timeline"] = None
    html = "".join(_generate("report.html.j2", model, lang, template_dir, bundle=bundle or {}, charts=svg))
    if template_dir is not None:
        assets.check_self_contained(html, template_dir)
    return html


@dataclass(frozen=True)
class Written:
    """A report file as written: what the manifest records of it."""
    sha256: str
    size: int


def render_annex(model: dict[str, Any], lang: str, path: Path, template_dir: Path | None = None) -> Written:
    """The annex bundle: every exhibit, finding, exchange, hook event and sealed file (HTML only), rendered
    block by block straight into `path` and hashed as it is written, so a case of any size is never held
    as one document in memory."""
    chunks = _generate("annex.html.j2", model, lang, template_dir, charts=_charts(model, lang))
    check = assets.SelfContainedCheck(template_dir) if template_dir is not None else None
    digest, size = hashlib.sha256(), 0
    with open(path, "xb") as out:
        for chunk in chunks:
            if check is not None:
                check.feed(chunk)
            data = chunk.encode("utf-8")
            digest.update(data)
            size += len(data)
            out.write(data)
    if check is not None:
        check.close()
    return Written(digest.hexdigest(), size)


def _charts(model: dict[str, Any], lang: str) -> dict[str, Markup | None]:
    t = assets.translator(lang)
    chart_text = {key: t(key) for key in assets.catalogue(lang) if key.startswith("chart.")}
    svg = {"timeline": charts.timeline(model["charts"]["timeline"], model["charts"]["consent"], chart_text),
           "countries": charts.countries(model["charts"]["countries"], chart_text)}
    return {k: Markup(v) for k, v in svg.items()}  # ElementTree escaped the SVG


def _generate(name: str, model: dict[str, Any], lang: str, template_dir: Path | None, **extra: Any) -> Iterator[str]:
    t = assets.translator(lang)
    template = assets.environment(template_dir).get_template(name)
    return template.generate(model=model, lang=lang, t=t, keys=frozenset(assets.catalogue(lang)),
                             css=Markup(assets.stylesheet(template_dir)), glossary=assets.GLOSSARY,
                             table_rows=TABLE_ROWS, **extra)


def render_pdf(html: str, epoch: int) -> bytes:
    """The PDF of the report's HTML. Byte-identical for the same HTML: the embedded font subsets would carry
    the wall-clock time (fontTools honours SOURCE_DATE_EPOCH), so they get `epoch` (the sealing time).
    WeasyPrint is imported here, not with this module: loading it and its libraries costs half a second that
    a report without a PDF (html, json, csv) need not pay."""
    weasyprint = load_weasyprint()

    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        with _few_collections():
            document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch(), base_url=None)
            return document.write_pdf(pdf_identifier=b"auditor-report")
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _refuse_fetch() -> Any:
    """A URL fetcher for WeasyPrint that fetches nothing: the report is self-contained and captured text is
    hostile."""
    import weasyprint.urls

    class RefuseFetch(weasyprint.urls.URLFetcher):
        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False, fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"report rendering does not fetch resources ({url[:80]!r})")
    return RefuseFetch()


# WeasyPrint allocates millions of small objects while it lays out a document; at the default threshold the
# cyclic collector runs every 700 allocations and rescans everything already imported, about a tenth of the
# PDF's CPU time (the demo: 3.9 -> 3.4 s in one process, alternating runs). What exists before is frozen (not
# scanned), collections are rarer meanwhile, and both are put back after; the output is the same.
LAYOUT_GC_THRESHOLD = (100_000, 50, 50)


@contextmanager
def _few_collections() -> Iterator[None]:
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*LAYOUT_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _epoch(stamp: str) -> int:
    try:
        return int(datetime.fromisoformat(stamp).timestamp())
    except ValueError:
        return 0


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A spreadsheet whose list separator is `;` (the Dutch default) splits a `,`-separated file's cells again at
# each `;`, quotes or not, so what follows a separator inside a cell is the start of a cell there.
FORMULA_AFTER_SEPARATOR = re.compile(r"""([;,][\s"]*)(?=[=+\-@])""")


def _cell(value: Any) -> str:
    """A CSV cell that spreadsheet programs will not run as a formula (captured text is hostile), whether they
    split on `,` or on `;`: a formula character at its start or after a separator gets a leading `'` (the
    exact values are in report.json)."""
    text = FORMULA_AFTER_SEPARATOR.sub(r"\1'", "" if value is None else str(value))
    return "'" + text if text[:1] in FORMULA_START else text


def render_csv(model: dict[str, Any]) -> str:
    by_finding: dict[str, list[dict[str, Any]]] = {}
    for verdict in model["verdicts"]:
        for fid in verdict["findings"]:
            by_finding.setdefault(fid, []).append(verdict)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(CSV_COLUMNS)
    for f in model["findings"]:
        verdicts = by_finding.get(f["id"], [])
        r, d = f["recipient"], f["destination"]
        row = [f["id"], " ".join(map(str, f["exhibits"])), f["type"], f["data_category"], f["actor"], r["host"],
               r["domain"], r["entity"], r["parent"], r["entity_country"], d["ip"], d["country_physical"],
               d["country_registered"], d["asn"], d["operator"], f["transfer_outcome"], f["time"],
               "" if f["before_consent"] is None else str(f["before_consent"]).lower(), f["confidence"],
               " ".join(map(str, f["evidence"]["seqs"])), " ".join(f["evidence"]["artifacts"]),
               " | ".join(loc["value"]["text"] for loc in f["evidence"]["locations"]),
               " ".join(v["id"] for v in verdicts), " ".join(v["severity"] for v in verdicts),
               " ".join(v["review"]["status"] for v in verdicts)]
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def public_model(model: dict[str, Any], lang: str) -> dict[str, Any]:
    """The JSON output: the model without internal helpers (search needles), with the report language."""
    data = json.loads(json.dumps(model, default=as_json))
    for finding in data["findings"]:
        for loc in finding["evidence"]["locations"]:
            loc.pop("needle", None)
    return {"lang": lang, **data}


@dataclass
class ReportResult:
    directory: Path
    files: dict[str, str]          # file name -> SHA-256
    model: dict[str, Any]


def default_directory(case: Case, lang: str, redact: bool) -> Path:
    return case.root / "reports" / f"report-{lang}{'-redacted' if redact else ''}"


def write_report(case_dir: Path, formats: tuple[str, ...], lang: str, redact: bool, out: Path | None,
                 key: Ed25519PrivateKey, final: bool = False, template_dir: Path | None = None) -> ReportResult:
    """Render into a temporary sibling directory, then swap it in: the old report stays whole until the new
    one is complete. A report marked final needs every verdict reviewed."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown or not formats:
        raise InputError("--format", f"choose from {', '.join(FORMATS)} (got {', '.join(unknown) or 'none'})")
    if lang not in assets.LANGUAGES:
        raise InputError("--lang", f"choose from {', '.join(assets.LANGUAGES)}")
    if template_dir is not None and not Path(template_dir).is_dir():
        raise InputError(template_dir, "--template-dir: no such directory")
    case = Case.open(case_dir)
    directory = Path(out) if out else default_directory(case, lang, redact)
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())) \
            and not (directory / MANIFEST_FILE).is_file():
        raise InputError(directory, "exists, is not empty and is not a report directory; choose another --out")
    model = build_model(case, redact=redact, lang=lang)
    pending = [v["id"] for v in model["verdicts"] if v["review"]["status"] == "pending"]
    if final and pending:
        raise InputError("--final", f"{len(pending)} verdict(s) not reviewed yet (first: {pending[0]}); "
                                    "review each with `auditor review` before a final report")
    model["final"] = final
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{directory.name}.", dir=directory.parent))
    staging.chmod(0o755)   # mkdtemp makes it private; a report directory is as readable as its siblings
    written: dict[str, Written] = {}

    def put(name: str, data: bytes) -> None:
        (staging / name).write_bytes(data)
        written[name] = Written(sha256_hex(data), len(data))

    try:
        if {"html", "pdf"} & set(formats):
            written[ANNEX_FILE] = render_annex(model, lang, staging / ANNEX_FILE, template_dir)
            if model["kit"]["steps"]:
                for name, data in kit_files(load_seal(case)).items():  # type: ignore[arg-type]  (a usable seal)
                    put(name, data)
            html = render_html(model, lang, {name: w.sha256 for name, w in sorted(written.items())}, template_dir)
            if "html" in formats:
                put("report.html", html.encode("utf-8"))
            if "pdf" in formats:
                put("report.pdf", render_pdf(html, _epoch(model["seal"]["sealed_at"] or model["case"]["created"])))
        if "json" in formats:
            put("report.json", (json.dumps(public_model(model, lang), indent=1, sort_keys=True,
                                           ensure_ascii=False) + "\n").encode("utf-8"))
        if "csv" in formats:
            put("report.csv", render_csv(model).encode("utf-8"))
        files = write_manifest(staging, model, lang, {name: (w.sha256, w.size) for name, w in written.items()},
                               key)
        _swap(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return ReportResult(directory=directory, files=files, model=model)


def _swap(staging: Path, directory: Path) -> None:
    """Put the complete new report where the old one was: the old one is moved aside first, then removed."""
    old = None
    if directory.exists():
        old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
        os.replace(directory, old)
    os.replace(staging, directory)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
