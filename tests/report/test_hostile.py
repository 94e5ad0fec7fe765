"""Captured content is hostile: markup escaped, event handlers inert, bidi overrides made visible, huge values
cut with their hash, binary shown as hex, CSV cells not formulas, and the PDF engine fetches nothing."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest

from auditor.case import keys
from auditor.report.render import FORMATS, render_pdf, write_report

from .casefactory import HOSTILE_HANDLER, HOSTILE_SCRIPT, HUGE, BuiltCase
from .helpers import csv_rows, parse_html, pdf_text


@pytest.fixture(scope="module")
def hostile_report(hostile_case: BuiltCase, tmp_path_factory: pytest.TempPathFactory) -> Path:
    key, _ = keys.load_or_create()
    return write_report(hostile_case.root, FORMATS, "en", False, tmp_path_factory.mktemp("hostile"), key).directory


def test_markup_and_handlers_are_escaped(hostile_report: Path) -> None:
    html = (hostile_report / "report.html").read_text("utf-8")
    doc = parse_html(hostile_report / "report.html")
    assert not [tag for tag, _ in doc.tags if tag in ("script", "img")]
    assert all(not attr.startswith("on") for _, attrs in doc.tags for attr in attrs)
    assert HOSTILE_SCRIPT not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert HOSTILE_HANDLER not in html and "&#34; onmouseover=&#34;alert(1)&#34;" in html
    text = "".join(doc.text)
    assert HOSTILE_SCRIPT in text and "<img src=x onerror=alert(1)>" in text  # shown as text, not run


def test_bidi_override_is_made_visible(hostile_report: Path) -> None:
    for name in ("report.html", "report.json", "report.csv"):
        content = (hostile_report / name).read_text("utf-8")
        assert "\u202e" not in content, name
        assert "invoice⟨U+202E⟩gnp.exe" in content, name


def test_huge_values_are_cut_and_carry_their_hash(hostile_report: Path) -> None:
    digest = hashlib.sha256(HUGE.encode()).hexdigest()
    html = (hostile_report / "report.html").read_text("utf-8")
    assert digest in html and "A" * 2001 not in html
    assert (hostile_report / "report.html").stat().st_size < 200_000
    data = json.loads((hostile_report / "report.json").read_text("utf-8"))
    hostile = next(f for f in data["findings"] if f["type"] == "tracker_contacted")
    value = hostile["evidence"]["locations"][0]["value"]
    assert (value["length"], value["truncated"], value["sha256"], len(value["text"])) == (200_000, True, digest, 500)


def test_binary_body_is_shown_as_hex(hostile_report: Path) -> None:
    data = json.loads((hostile_report / "report.json").read_text("utf-8"))
    request = next(f for f in data["findings"] if f["type"] == "tracker_contacted")["requests"][0]
    body = bytes(range(256)) * 4
    assert request["body_start"]["binary"] is True
    assert request["body_start"]["text"].startswith("00 01 02 03 04")
    assert request["body_start"]["sha256"] == hashlib.sha256(body).hexdigest()


def test_csv_cells_are_not_formulas(hostile_report: Path) -> None:
    row = next(r for r in csv_rows(hostile_report / "report.csv") if r["type"] == "tracker_contacted")
    assert row["recipient_parent"] == "'=HYPERLINK(\"http://127.0.0.1/\",\"x\")"
    assert row["actor"] == "<img src=x onerror=alert(1)>"


def test_hostile_pdf_renders_its_text(hostile_report: Path) -> None:
    text = pdf_text(hostile_report / "report.pdf")
    assert "<script>alert('x')</script>" in text


def test_pdf_engine_fetches_nothing(tmp_path: Path) -> None:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        pdf = render_pdf(f'<html><head><link rel="stylesheet" href="{url}/a.css"></head><body>'
                         f'<img src="{url}/b.png"><p style="background: url({url}/c.png)">x</p></body></html>', 0)
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert pdf.startswith(b"%PDF") and hits == []
