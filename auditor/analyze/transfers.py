"""GDPR Chapter V outcome of one flow carrying personal data, under the law in force on the capture date,
per EDPB Guidelines 05/2021: an exporter (the app's controller), a disclosure to a different entity, and
that importer's establishment in a third country.

The outcome rests on the recipient layer alone — the legal entity that receives EEA users' data on the
capture date and its country of establishment (analyze/recipients.py). The endpoint layer (server location,
operator, registration country: analyze/destinations.py) is shown beside it as corroboration and never
decides. Under a decision that covers only certified organisations (the DPF) the outcome names the decision
and the recipient's status from a dated participant record (analyze/dpf.py): covered, not covered, or not
established. The dated table (bundled dataset eu-transfers) lists EEA membership and adequacy decisions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from auditor.analyze.dpf import Status
from auditor.contract.findings import DpfStatus, Transfer
from auditor.contract.vocabulary import Certification, TransferOutcome
from auditor.datasets.registry import verified_path

CANNOT_PROVE = ("Network observation cannot establish: remote access to the data from other countries, onward "
                "transfers by the recipient, the contract between the app's controller and the recipient "
                "(standard contractual clauses or binding corporate rules, GDPR Art. 46), whether an Art. 49 "
                "derogation applies, or where the data are stored. The server's location and the IP block's "
                "registration country are network context only; the outcome rests on the recipient entity and "
                "its country of establishment, from the sources named for each step.")
BY_CERTIFICATION = {Certification.COVERED: TransferOutcome.ADEQUATE,
                    Certification.NOT_COVERED: TransferOutcome.NOT_COVERED,
                    Certification.NOT_ESTABLISHED: TransferOutcome.UNKNOWN}


@dataclass(frozen=True)
class Exporter:
    name: str | None
    source: str | None


@lru_cache(maxsize=1)
def law_table() -> dict[str, Any]:
    path = verified_path("eu-transfers")
    with open(path, encoding="utf-8") as handle:
        table = json.load(handle)
    for group in ("adequacy", "invalidations"):
        for i, entry in enumerate(table[group]):
            problem = verification_problem(entry)
            if problem:
                raise ValueError(f"{path}: {group}[{i}] ({entry.get('instrument')}): {problem}")
    return table


def verification_problem(entry: dict[str, Any]) -> str | None:
    """What is wrong with an instrument's verification fields, if anything: each says whether it was checked
    against its primary text; a checked one names that text and the day, an unchecked one what was seen."""
    verified, against, checked, note = (entry.get(k) for k in ("verified", "verified_against", "checked", "note"))
    if not isinstance(verified, bool):
        return "verified must be true or false"
    if checked is not None and not (isinstance(checked, str) and _is_date(checked)):
        return "checked must be a date (YYYY-MM-DD) or null"
    if verified and not (isinstance(against, str) and against and checked):
        return "a verified instrument names the text it was checked against and the day (verified_against, checked)"
    if not verified and not (isinstance(note, str) and note):
        return "an instrument not verified says in note what was seen and why it is not verified"
    return None


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return len(text) == 10


def _in_force(entry_from: str | None, entry_until: str | None, day: date) -> bool:
    return (entry_from is None or date.fromisoformat(entry_from) <= day) and \
           (entry_until is None or day <= date.fromisoformat(entry_until))


@dataclass(frozen=True)
class CountryLaw:
    """What the dated table says for one country on one day."""
    outcome: TransferOutcome
    instrument: str | None
    note: str | None
    requires_certification: bool = False


def country_law(country: str, day: date) -> CountryLaw:
    table = law_table()
    for member in table["eea"]:
        if member["country"] == country and _in_force(member["from"], member["until"], day):
            return CountryLaw(TransferOutcome.EEA, None, member.get("note"))
    for decision in table["adequacy"]:
        if decision["country"] == country and _in_force(decision["in_force_from"], decision["in_force_until"], day):
            return CountryLaw(TransferOutcome.ADEQUATE, decision["instrument"], decision.get("scope"),
                              bool(decision["requires_certification"]))
    return CountryLaw(TransferOutcome.THIRD_COUNTRY_NO_ADEQUACY, None, "no adequacy decision in force on that day")


def transfer(day: date, exporter: Exporter, entity: str | None, entity_country: str | None,
             certification: Status) -> Transfer:
    """The assessment for a recipient entity (None where the recipient layer does not establish one)."""
    law = "Regulation (EU) 2016/679, Chapter V (Art. 44-50)" if day >= date.fromisoformat(
        law_table()["gdpr_applies_from"]) else "Directive 95/46/EC, Art. 25-26"
    common = {"date": day.isoformat(), "law": law, "exporter": exporter.name, "exporter_source": exporter.source,
              "recipient_entity": entity, "recipient_country": entity_country, "cannot_prove": CANNOT_PROVE}
    if entity is None or entity_country is None:
        return Transfer(outcome=TransferOutcome.UNKNOWN, chapter_v=None,
                        note="the legal entity receiving the data and its establishment are not established by "
                             "the datasets; a server location does not stand in for them", **common)
    found = country_law(entity_country, day)
    if found.outcome == TransferOutcome.EEA:
        return Transfer(outcome=found.outcome, chapter_v=False,
                        note="recipient established in the EEA: this disclosure is not a transfer under Chapter V; "
                             "its onward transfers cannot be seen", **common)
    if not found.requires_certification:
        return Transfer(outcome=found.outcome, instrument=found.instrument, chapter_v=True, note=found.note,
                        **common)
    assert found.instrument is not None
    status = DpfStatus(instrument=found.instrument, status=certification.status,
                       record_source=certification.source, record_date=certification.checked)
    note = {Certification.COVERED: f"{found.instrument} covers the recipient: certified on the capture date",
            Certification.NOT_COVERED: f"{found.instrument} covers only certified organisations; the recipient "
                                       "was not certified on the capture date",
            Certification.NOT_ESTABLISHED: f"{found.instrument} covers only certified organisations; whether the "
                                           "recipient was certified on the capture date is not established (no "
                                           "dated participant record)"}[certification.status]
    return Transfer(outcome=BY_CERTIFICATION[certification.status], instrument=found.instrument, chapter_v=True,
                    certification=status, note=note, **common)
