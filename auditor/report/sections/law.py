"""The law in force that Chapter V outcomes rest on: every instrument of the bundled law table (eu-transfers)
with whether it was checked against its primary text (verified, against what, when; else what was seen), and
which of them this case's transfer outcomes applied. Part II shows the applied ones, the annex all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from auditor.analyze.transfers import law_table, worded
from auditor.contract.document import Bilingual
from auditor.contract.findings import Finding
from auditor.datasets.registry import provenance
from auditor.report.display import Display


def law_section(d: Display, records: Iterable[Finding]) -> dict[str, Any]:
    # an outcome names its instrument in both languages (analyze/transfers.py); the table by its English name
    applied = {i.en if isinstance(i, Bilingual) else i
               for f in records if f.transfer is not None and (i := f.transfer.instrument)}
    table = law_table()
    rows = [{"country": d.plain(e.get("country") or ""), "name": d.plain(e.get("name") or ""),
             "instrument": d.plain(worded(e, "instrument")),
             "from": d.plain(e.get("in_force_from") or e.get("adopted") or ""),
             "until": d.plain(e.get("in_force_until") or e.get("invalidated") or ""),
             "invalidated_by": d.plain(e.get("case") or ""), "verified": e["verified"],
             "verified_against": d.plain(e["verified_against"] or ""), "checked": d.plain(e["checked"] or ""),
             # shown for an instrument not verified, which has its note in both languages
             "note": "" if e["verified"] else d.plain(worded(e, "verification_note")),
             "applied": e["instrument"] in applied and "case" not in e}
            for e in [*table["adequacy"], *table["invalidations"]]]
    dataset = provenance("eu-transfers")
    return {"dataset": {"name": dataset["name"], "sha256": dataset["sha256"]}, "instruments": rows,
            "verified": sum(r["verified"] for r in rows), "unverified": sum(not r["verified"] for r in rows)}
