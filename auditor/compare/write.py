"""A comparison written out: compare.json (the typed records, sorted keys) and compare.html (the report's
message catalogue and stylesheet, every captured string escaped)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import jinja2

from auditor.compare.compare import Comparison
from auditor.report.assets import LANGUAGES, stylesheet, translator

JSON_FILE = "compare.json"
HTML_FILE = "compare.html"
SECTIONS = ("before_choice", "after_refusal", "refusal_no_difference", "young_as_adult")


def write_comparison(comparison: Comparison, out: Path, lang: str) -> list[Path]:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}")
    out.mkdir(parents=True, exist_ok=True)
    data = asdict(comparison)
    (out / JSON_FILE).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    env = jinja2.Environment(loader=jinja2.PackageLoader("auditor.report", "assets/templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    html = env.get_template(HTML_FILE + ".j2").render(
        c=comparison, t=translator(lang), lang=lang, css=stylesheet(),
        sections=[(key, getattr(comparison, key)) for key in SECTIONS])
    (out / HTML_FILE).write_text(html, "utf-8")
    return [out / JSON_FILE, out / HTML_FILE]
