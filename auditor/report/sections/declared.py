"""Declared against observed: what the app's Data safety form and privacy policy say beside what the traffic
showed, as analysis found it (the undeclared_* findings, auditor/analyze/declared.py). Grouped by finding
type and what the declaration says (the same words for every recipient they are measured against): one row
per recipient with the data categories or country observed and the exhibits of the findings it rests on."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from auditor.contract.findings import Finding, Words
from auditor.contract.vocabulary import DECLARATION_TYPES
from auditor.report.display import Display
from auditor.report.sections.exhibits import number_ranges


def observed_only(findings: Iterable[Finding]) -> Iterator[Finding]:
    """The findings that make exhibits: all but the declared-versus-observed ones, which restate others'.
    One at a time (the report reads findings.json one finding at a time: rows.py, findings_file.py)."""
    return (f for f in findings if f.type not in DECLARATION_TYPES)


def cite_sources(findings: Iterable[Finding], shown: dict[str, dict[str, Any]]) -> None:
    """A declared-versus-observed finding's exhibits: those of the findings it rests on."""
    for f in findings:
        if f.declaration is not None:
            shown[f.id]["exhibits"] = sorted({n for source in f.declaration.findings
                                              for n in shown.get(source, {}).get("exhibits", [])})


def declared_section(d: Display, findings: Iterable[Finding], shown: dict[str, dict[str, Any]]) -> dict[str, Any]:
    groups: dict[tuple[str, Words, str | None], dict[str, dict[str, Any]]] = {}
    for f in findings:
        declared = f.declaration
        if declared is None:
            continue
        recipients = groups.setdefault((f.type.value, declared.says, declared.quote), {})
        who = (f.recipient.domain or f.recipient.host) if f.recipient else ""
        row = recipients.setdefault(who, {"recipient": d.plain(who), "observed": set(), "play": set(),
                                          "findings": [], "exhibits": []})
        row["observed"].add(f.data_category.value if f.data_category else declared.country or "")
        if declared.play_data_type:
            row["play"].add(declared.play_data_type)
        row["findings"].append(f.id)
        row["exhibits"] += shown[f.id]["exhibits"]
    out = []
    for (kind, says, quote), recipients in sorted(groups.items(), key=lambda kv: (kv[0][0], str(d.words(kv[0][1])))):
        rows = [{**row, "observed": sorted(row["observed"]), "play": sorted(row["play"]),
                 "exhibits": number_ranges(row["exhibits"])}
                for _, row in sorted(recipients.items())]
        out.append({"type": kind, "says": d.text(says, 1000), "quote": d.text(quote, 1000) if quote else None,
                    "rows": rows})
    sources = sorted({(f.declaration.form, f.declaration.source, f.declaration.form_sha256)
                      for f in findings if f.declaration is not None})
    return {"groups": out, "sources": [{"form": form, "source": d.plain(source), "sha256": sha}
                                       for form, source, sha in sources]}
