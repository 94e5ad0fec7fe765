"""`auditor diff CASE_A CASE_B`: what changed between two analysed cases (e.g. two versions of an app).

Each case is reduced to an inventory of six kinds — recipients, data categories, responsible code (app and
SDKs), permissions, sensitive API calls, verdicts — each a map from a key to its attributes. The diff lists
keys new in B (added), gone since A (removed), and keys in both whose attributes differ (changed, with both
sides). Inventories use only the analysis documents and the static scan: nothing is re-resolved.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from markupsafe import Markup

from auditor.case.bundle import Case
from auditor.case.canonical import sha256_file
from auditor.case.layout import ANALYSIS_DIR, SEAL_FILE
from auditor.contract.files import load_analysis
from auditor.contract.findings import Actor
from auditor.report import assets
from auditor.report.sources import load_seal, read_ledger
from auditor.report.values import neutralise

DIFF_FORMAT = "auditor-diff/1"
MAX_SCAN_BYTES = 8 << 20
KINDS = ("recipients", "data_categories", "sdks", "permissions", "api_calls", "verdicts")
Inventory = dict[str, dict[str, dict[str, Any]]]


def _s(value: Any, limit: int = 200) -> str:
    return neutralise(value[:limit]) if isinstance(value, str) else ""


def _actor(actor: Actor | None) -> str:
    return _s(actor.package or actor.class_name) if actor is not None else ""


def _permissions(case: Case, scans: list[dict[str, Any]]) -> set[str]:
    """Permission names from the static scan artifact(s) (`auditor apk scan --json`) and case.json app."""
    names: set[str] = set()

    def collect(items: Any) -> None:
        for item in items if isinstance(items, list) else []:
            name = item.get("name") if isinstance(item, dict) else item
            if isinstance(name, str):
                names.add(_s(name))

    collect((case.info.get("app") or {}).get("permissions") if isinstance(case.info.get("app"), dict) else None)
    for record in scans:
        digest = record.get("artifact")
        if isinstance(digest, str) and digest in case.artifacts:
            try:
                scan = json.loads(case.artifacts.read_bytes(digest, MAX_SCAN_BYTES).decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                continue
            if isinstance(scan, dict):
                collect(scan.get("permissions"))
    return names


def inventory(case_dir: Path) -> tuple[dict[str, Any], Inventory]:
    case = Case.open(case_dir)
    analysis = load_analysis(case.root / ANALYSIS_DIR)
    ledger = read_ledger(case)
    seal = load_seal(case)
    inv: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    grouped: dict[str, dict[str, dict[str, set[str]]]] = {k: defaultdict(lambda: defaultdict(set)) for k in KINDS}
    for f in analysis.findings.findings:
        recipient, destination = f.recipient, f.destination
        host = _s(recipient.host) if recipient else ""
        category = f.data_category.value if f.data_category else ""
        actor, ftype = _actor(f.actor), f.type.value
        if host and recipient is not None:
            entry = grouped["recipients"][host]
            for attr, value in (("entity", recipient.entity), ("entity_country", recipient.entity_country),
                                ("country_physical", destination.country_physical if destination else None),
                                ("data_categories", category)):
                if _s(value):
                    entry[attr].add(_s(value))
        if category:
            grouped["data_categories"][category]["recipients"].update({host} if host else set())
            grouped["data_categories"][category]["actors"].update({actor} if actor else set())
        if actor:
            grouped["sdks"][actor]["finding_types"].add(ftype)
    for call in analysis.observed.hook_calls:
        grouped["api_calls"][_s(call.api, 300)]["actors"].add(_actor(call.actor) or "?")
    for name in _permissions(case, ledger.static_scans):
        inv["permissions"][name] = {}
    for kind in ("recipients", "data_categories", "sdks", "api_calls"):
        inv[kind] = {key: {attr: sorted(values) for attr, values in sorted(attrs.items())}
                     for key, attrs in sorted(grouped[kind].items())}
    for v in analysis.verdicts.verdicts:
        entry = inv["verdicts"].setdefault(v.rule_id, {"severity": v.severity.value, "findings": 0,
                                                       "title_en": _s(v.title.en, 300),
                                                       "title_nl": _s(v.title.nl, 300)})
        entry["findings"] += len(v.findings)
    app = case.info.get("app") if isinstance(case.info.get("app"), dict) else {}
    about = {"case_id": case.id, "seal_sha256": sha256_file(case.root / SEAL_FILE)[0] if seal else None,
             "package": _s(app.get("package")), "version_code": app.get("version_code"),
             "version_name": _s(app.get("version_name"))}
    return about, inv


def compare(a: Inventory, b: Inventory) -> dict[str, Any]:
    added, removed, changed = {}, {}, {}
    for kind in KINDS:
        left, right = a[kind], b[kind]
        added[kind] = [{"key": k, **right[k]} for k in sorted(set(right) - set(left))]
        removed[kind] = [{"key": k, **left[k]} for k in sorted(set(left) - set(right))]
        changed[kind] = [{"key": k, "before": left[k], "after": right[k]}
                         for k in sorted(set(left) & set(right)) if left[k] != right[k]]
    return {"added": added, "removed": removed, "changed": changed}


def write_diff(case_a: Path, case_b: Path, out: Path, lang: str) -> dict[str, Any]:
    about_a, inv_a = inventory(case_a)
    about_b, inv_b = inventory(case_b)
    result = {"format": DIFF_FORMAT, "a": about_a, "b": about_b, **compare(inv_a, inv_b)}
    out.mkdir(parents=True, exist_ok=True)
    (out / "diff.json").write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8")
    template = assets.environment().get_template("diff.html.j2")
    html = template.render(diff=result, lang=lang, t=assets.translator(lang), kinds=KINDS,
                           css=Markup(assets.stylesheet()))
    (out / "diff.html").write_text(html, "utf-8")
    return result
