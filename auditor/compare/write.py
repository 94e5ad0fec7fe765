"""A comparison written out: compare.json (the typed records, sorted keys: runs, rows, the rows as findings and
the verdicts the rulesets gave on them) and compare.html (the report's message catalogue and stylesheet,
every captured string escaped)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import jinja2

from auditor.compare.judge import SECTIONS, Judged
from auditor.contract.vocabulary import SEVERITY_ORDER
from auditor.report.assets import LANGUAGES, catalogue, stylesheet, translator
from auditor.report.citations import cite
from auditor.report.display import Display

JSON_FILE = "compare.json"
HTML_FILE = "compare.html"


def _verdict_rows(judged: Judged, lang: str) -> list[dict[str, Any]]:
    """Each verdict as the page shows it: title and reasoning in the language, citations formatted, and the
    comparison rows (section, recipient, data category) it rests on."""
    t, keys = translator(lang), frozenset(catalogue(lang))
    by_id = {f.id: f for f in judged.findings}
    rank = {s: i for i, s in enumerate(SEVERITY_ORDER)}
    rows = []
    for v in sorted(judged.verdicts, key=lambda v: (rank[v.severity], v.rule_id)):
        engaged = [by_id[fid] for fid in v.findings]
        rows.append({"rule_id": v.rule_id, "severity": v.severity.value, "title": v.title.get(lang),
                     "explanation": v.explanation.get(lang),
                     "citations": [cite(c, t, lang, keys, Display(None)) for c in v.citations],
                     "rows": [(f.id, f.compared.section.value, f.compared.recipient, str(f.data_category))
                              for f in engaged if f.compared is not None]})
    return rows


def write_comparison(judged: Judged, out: Path, lang: str) -> list[Path]:
    if lang not in LANGUAGES:
        raise ValueError(f"no catalogue for language {lang!r}")
    out.mkdir(parents=True, exist_ok=True)
    comparison = judged.comparison
    data = asdict(comparison) | {
        "rulesets": [r.identity() for r in judged.rulesets],
        "findings": [f.model_dump(mode="json", by_alias=True, exclude_none=True) for f in judged.findings],
        "verdicts": [v.model_dump(mode="json", by_alias=True, exclude_none=True) for v in judged.verdicts]}
    (out / JSON_FILE).write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    env = jinja2.Environment(loader=jinja2.PackageLoader("auditor.report", "assets/templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    html = env.get_template(HTML_FILE + ".j2").render(
        c=comparison, t=translator(lang), lang=lang, css=stylesheet(),
        sections=[(key.value, getattr(comparison, key.value)) for key in SECTIONS],
        verdicts=_verdict_rows(judged, lang))
    (out / HTML_FILE).write_text(html, "utf-8")
    return [out / JSON_FILE, out / HTML_FILE]
