"""The audit's UI step as analysis stated it in observed.json (docs/consent.md): the persona entered at the
age gate, the consent dialogs found with their controls and dark patterns, the choice made and the consent
state the app stored — each with its ledger seq and the screenshot artifact that shows it."""

from __future__ import annotations

from typing import Any

from auditor.contract.document import Bilingual
from auditor.contract.observed import ConsentUi
from auditor.report.display import Display

# the moments the audit reads the stored consent state (audit/consent_flow.py), in the report's language
WHEN = {"before the choice": Bilingual(en="before the choice", nl="vóór de keuze"),
        "after the choice": Bilingual(en="after the choice", nl="na de keuze")}

def consent_section(d: Display, ui: ConsentUi | None) -> dict[str, Any] | None:
    if ui is None:
        return None
    p = ui.persona
    return {
        "persona": None if p is None else {
            "seq": p.seq, "time": d.plain(p.time), "persona": p.persona, "age": p.age, "birthdate": p.birthdate,
            "value": d.text(p.value, 100), "entry": p.entry, "shown_in_field": p.shown_in_field,
            "gate_closed": p.gate_closed, "screenshot": p.screenshot_sha256 or ""},
        "dialogs": [{"seq": g.seq, "time": d.plain(g.time), "layer": g.layer, "found": g.found,
                     "controls": [{"role": c.role, "label": d.text(c.label, 200), "language": c.language}
                                  for c in g.controls],
                     "dark_patterns": list(g.dark_patterns), "in_webview": g.in_webview,
                     "screenshot": g.screenshot_sha256 or ""}
                    for g in ui.dialogs],
        "choices": [{"seq": c.seq, "time": d.plain(c.time), "choice": c.choice, "label": d.text(c.label, 200),
                     "layer": c.layer} for c in ui.choices],
        "states": [{"seq": s.seq, "when": d.plain(WHEN.get(s.when, s.when)), "how": d.text(s.how, 300),
                    "stored": None if s.keys is None else {d.plain(k): d.text(v, 200) for k, v in s.keys.items()},
                    "ump": None if s.ump is None else {d.plain(k): d.text(v, 200) for k, v in s.ump.items()}}
                   for s in ui.states]}
