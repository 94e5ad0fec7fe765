"""GDPR Chapter V outcome of one flow carrying personal data, under the law in force on the capture date.

The dated table (bundled dataset eu-transfers) lists EEA membership and adequacy decisions with the days
they were in force. Each country view (the recipient company's country of establishment, the server's
physical country, its registration country) gets an outcome; the flow's outcome is the least protective
of the views that are known, so a disagreement between views is never resolved in the app's favour, and
all views are shown side by side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from auditor.contract.findings import CountryView, Transfer, TransferViews
from auditor.contract.vocabulary import TransferOutcome
from auditor.datasets.registry import verified_path

ORDER = {"eea": 0, "adequate": 1, "unknown": 2, "third_country_no_adequacy": 3}
CANNOT_PROVE = ("Network observation shows where data was sent, not what happens after: onward transfers, "
                "remote access from other countries, the contract between the app and the recipient "
                "(standard contractual clauses or binding corporate rules under GDPR Art. 46) and whether an "
                "Art. 49 derogation applies cannot be seen. Country views come from IP datasets and "
                "company lists, which can be wrong for CDN and anycast addresses.")


@lru_cache(maxsize=1)
def law_table() -> dict[str, Any]:
    with open(verified_path("eu-transfers"), encoding="utf-8") as handle:
        return json.load(handle)


def _in_force(entry_from: str | None, entry_until: str | None, day: date) -> bool:
    return (entry_from is None or date.fromisoformat(entry_from) <= day) and \
           (entry_until is None or day <= date.fromisoformat(entry_until))


@dataclass(frozen=True)
class ViewOutcome:
    outcome: str
    instrument: str | None
    note: str | None


def country_outcome(country: str | None, day: date, dpf_certified: bool | None) -> ViewOutcome:
    if not country:
        return ViewOutcome("unknown", None, "country not known")
    table = law_table()
    for member in table["eea"]:
        if member["country"] == country and _in_force(member["from"], member["until"], day):
            return ViewOutcome("eea", None, member.get("note"))
    for decision in table["adequacy"]:
        if decision["country"] != country or not _in_force(decision["in_force_from"], decision["in_force_until"],
                                                             day):
            continue
        if not decision["requires_certification"]:
            return ViewOutcome("adequate", decision["instrument"], decision.get("scope"))
        if dpf_certified is True:
            return ViewOutcome("adequate", decision["instrument"], "recipient stated to be self-certified")
        if dpf_certified is None:
            return ViewOutcome("unknown", decision["instrument"],
                               f"{decision['instrument']} covers only self-certified organisations; whether "
                               "this recipient is certified is not known to the datasets")
        return ViewOutcome("third_country_no_adequacy", None,
                           f"{decision['instrument']} covers only self-certified organisations; this "
                           "recipient is stated not to be certified")
    return ViewOutcome("third_country_no_adequacy", None, "no adequacy decision in force on that day")


def transfer(day: date, entity_country: str | None, country_physical: str | None,
             country_registered: str | None, dpf_certified: bool | None) -> Transfer:
    views = {"entity_country": entity_country, "country_physical": country_physical,
             "country_registered": country_registered}
    outcomes = {name: country_outcome(country, day, dpf_certified) for name, country in views.items()}
    known = [o for name, o in outcomes.items() if views[name]]
    worst = max(known, key=lambda o: ORDER[o.outcome]) if known else ViewOutcome("unknown", None, None)
    law = "Regulation (EU) 2016/679, Chapter V (Art. 44-50)" if day >= date.fromisoformat(
        law_table()["gdpr_applies_from"]) else "Directive 95/46/EC, Art. 25-26"
    return Transfer(
        outcome=TransferOutcome(worst.outcome), instrument=worst.instrument, date=day.isoformat(), law=law,
        views=TransferViews(**{name: CountryView(country=views[name], outcome=TransferOutcome(o.outcome),
                                                 instrument=o.instrument, note=o.note)
                               for name, o in outcomes.items()}),
        cannot_prove=CANNOT_PROVE)
