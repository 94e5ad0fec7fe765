"""The verdicts with their reviewers' statuses, and the summary counts over verdicts and findings.

The review status is not analysis's: `auditor review` records it in the ledger after analysis (also after
sealing), so the latest review.status event for each verdict is read here; verdicts.json always says pending.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from auditor.contract.verdicts import Citation, Verdict
from auditor.contract.vocabulary import SEVERITY_ORDER, ReviewStatus
from auditor.report.display import Display
from auditor.report.sources import LedgerView

PENDING = {"status": ReviewStatus.PENDING.value, "comment": None, "reviewer": "", "time": "", "seq": None}


def verdicts_section(d: Display, verdicts: tuple[Verdict, ...], ledger: LedgerView) -> list[dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    history: dict[str, list[dict[str, Any]]] = defaultdict(list)
    statuses = {s.value for s in ReviewStatus}
    for record in ledger.reviews:
        body = record["body"]
        vid, status = str(body.get("verdict_id")), body.get("status")
        if status not in statuses:
            continue
        entry = {"status": status, "comment": d.text(body.get("comment"), 2000),
                 "reviewer": d.plain(body.get("reviewer")), "time": d.plain(record["t_wall"]), "seq": record["seq"]}
        latest[vid] = entry
        history[vid].append(entry)
    rows = []
    for v in verdicts:
        rows.append({
            "id": v.id, "rule_id": v.rule_id, "severity": v.severity.value,
            "ruleset": {"name": d.plain(v.ruleset.name), "version": d.plain(v.ruleset.version),
                        "sha256": v.ruleset.sha256},
            "title": {lang: d.text(v.title.get(lang), 400) for lang in ("en", "nl")},
            "explanation": {lang: d.text(v.explanation.get(lang), 4000) for lang in ("en", "nl")},
            "citations": [citation_row(d, c) for c in v.citations],
            "findings": list(v.findings),
            "evidence_required": {"en": [d.text(e, 300) for e in v.evidence_required],
                                  "nl": [d.text(e, 300) for e in v.evidence_required_nl or v.evidence_required]},
            "review": latest.get(v.id, PENDING),
            "review_history": history.get(v.id, []),
        })
    rank = {s.value: i for i, s in enumerate(SEVERITY_ORDER)}
    rows.sort(key=lambda row: (rank[row["severity"]], row["rule_id"], row["id"]))
    return rows


def citation_row(d: Display, c: Citation) -> dict[str, Any]:
    """A citation as the model keeps it: its typed fields (formatted per language when rendered), the gist
    as shown text, and whether and against what it was checked."""
    row = {k: (d.plain(v) if isinstance(v, str) else v)
           for k, v in c.model_dump(mode="json", exclude={"text", "text_nl"}).items()}
    return row | {"text": {"en": d.text(c.text, 1500), "nl": d.text(c.text_nl or c.text, 1500)}}


def citation_sources(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Each verdict's citations numbered by what Part II lists once after the verdicts: a verified one by the
    text it was checked against (S1, S2 …, described in en and nl), one not verified by its note (N1, N2 …: what
    was seen and why it is not verified, en and nl), in order of first use; and how many distinct sources were
    checked and not."""
    sources: list[dict[str, str]] = []
    notes: list[dict[str, str]] = []
    distinct: dict[str, bool] = {}
    for verdict in verdicts:
        for c in verdict["citations"]:
            if c["verified"]:
                source = {"en": c["verified_against"] or "",
                          "nl": c["verified_against_nl"] or c["verified_against"] or ""}
                if source not in sources:
                    sources.append(source)
                c["source"] = sources.index(source) + 1
            else:
                note = {"en": c["note"] or "", "nl": c["note_nl"] or c["note"] or ""}
                if note not in notes:
                    notes.append(note)
                c["source"] = notes.index(note) + 1
            fields = {k: v for k, v in c.items() if k not in ("text", "source")}
            distinct[json.dumps(fields, sort_keys=True)] = c["verified"]
    return {"sources": sources, "notes": notes, "verified": sum(distinct.values()),
            "unverified": sum(not v for v in distinct.values())}


def summary_section(verdicts: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any]:
    by_severity = Counter(v["severity"] for v in verdicts)
    by_status = Counter(v["review"]["status"] for v in verdicts)
    return {"verdicts_by_severity": {s.value: by_severity.get(s.value, 0) for s in SEVERITY_ORDER},
            "verdicts_by_status": {s.value: by_status.get(s.value, 0) for s in ReviewStatus},
            "findings": len(findings),
            "findings_by_type": dict(sorted(Counter(f["type"] for f in findings).items())),
            "before_consent": sum(1 for f in findings if f["before_consent"] is True)}
