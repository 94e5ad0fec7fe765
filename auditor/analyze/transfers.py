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
from auditor.contract.document import Bilingual
from auditor.contract.findings import DpfStatus, Transfer
from auditor.contract.vocabulary import Certification, TransferOutcome
from auditor.datasets.registry import verified_path

CANNOT_PROVE = Bilingual(
    en="Network observation cannot establish: remote access to the data from other countries, onward transfers by "
       "the recipient, the contract between the app's controller and the recipient (standard contractual clauses "
       "or binding corporate rules, GDPR Art. 46), whether an Art. 49 derogation applies, or where the data are "
       "stored. The server's location and the IP block's registration country are network context only; the "
       "outcome rests on the recipient entity and its country of establishment, from the sources named for each "
       "step.",
    nl="Waarneming van het netwerk kan niet vaststellen: toegang op afstand tot de gegevens vanuit andere landen, "
       "verdere doorgifte door de ontvanger, de overeenkomst tussen de verwerkingsverantwoordelijke van de app en "
       "de ontvanger (modelcontractbepalingen of bindende bedrijfsvoorschriften, art. 46 AVG), of een afwijking "
       "van art. 49 AVG van toepassing is, of waar de gegevens worden opgeslagen. De locatie van de server en het "
       "land waar het IP-adresblok is geregistreerd, zijn alleen context uit het netwerk; de uitkomst berust op de "
       "ontvangende entiteit en het land van haar vestiging, uit de bronnen die bij iedere stap zijn genoemd.")
LAW = Bilingual(en="Regulation (EU) 2016/679, Chapter V (Art. 44-50)", nl="Verordening (EU) 2016/679 (AVG), "
                "hoofdstuk V (art. 44-50)")
LAW_BEFORE_GDPR = Bilingual(en="Directive 95/46/EC, Art. 25-26", nl="Richtlijn 95/46/EG, art. 25-26")
NO_ADEQUACY = Bilingual(en="no adequacy decision in force on that day",
                        nl="op die dag gold geen adequaatheidsbesluit")
NOT_ESTABLISHED = Bilingual(
    en="the legal entity receiving the data and its establishment are not established by the datasets; a server "
       "location does not stand in for them",
    nl="de rechtspersoon die de gegevens ontvangt en haar vestiging blijken niet uit de datasets; de locatie van "
       "een server komt daar niet voor in de plaats")
IN_EEA = Bilingual(
    en="recipient established in the EEA: this disclosure is not a transfer under Chapter V; its onward transfers "
       "cannot be seen",
    nl="ontvanger gevestigd in de EER: deze verstrekking is geen doorgifte in de zin van hoofdstuk V; verdere "
       "doorgifte door de ontvanger is niet waarneembaar")
# {instrument}: the decision's name as the law table gives it in each language
BY_STATUS = {Certification.COVERED: ("{instrument} covers the recipient: certified on the capture date",
                                     "{instrument} dekt de ontvanger: gecertificeerd op de datum van de opname"),
             Certification.NOT_COVERED: ("{instrument} covers only certified organisations; the recipient was not "
                                         "certified on the capture date",
                                         "{instrument} dekt alleen gecertificeerde organisaties; de ontvanger was "
                                         "op de datum van de opname niet gecertificeerd"),
             Certification.NOT_ESTABLISHED: ("{instrument} covers only certified organisations; whether the "
                                             "recipient was certified on the capture date is not established (no "
                                             "dated participant record)",
                                             "{instrument} dekt alleen gecertificeerde organisaties; of de "
                                             "ontvanger op de datum van de opname gecertificeerd was, is niet "
                                             "vastgesteld (geen gedateerde deelnemerslijst)")}
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
    verified, against, checked, note = (entry.get(k) for k in ("verified", "verified_against", "checked",
                                                               "verification_note"))
    if not isinstance(verified, bool):
        return "verified must be true or false"
    if checked is not None and not (isinstance(checked, str) and _is_date(checked)):
        return "checked must be a date (YYYY-MM-DD) or null"
    if verified and not (isinstance(against, str) and against and checked):
        return "a verified instrument names the text it was checked against and the day (verified_against, checked)"
    if not verified and not (isinstance(note, str) and note):
        return "an instrument not verified says in verification_note what was seen and why it is not verified"
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
    instrument: Bilingual | None
    note: Bilingual | None
    requires_certification: bool = False


def country_law(country: str, day: date) -> CountryLaw:
    table = law_table()
    for member in table["eea"]:
        if member["country"] == country and _in_force(member["from"], member["until"], day):
            return CountryLaw(TransferOutcome.EEA, None, worded(member, "note"))
    for decision in table["adequacy"]:
        if decision["country"] == country and _in_force(decision["in_force_from"], decision["in_force_until"], day):
            return CountryLaw(TransferOutcome.ADEQUATE, worded(decision, "instrument"), worded(decision, "scope"),
                              bool(decision["requires_certification"]))
    return CountryLaw(TransferOutcome.THIRD_COUNTRY_NO_ADEQUACY, None, NO_ADEQUACY)


def worded(entry: dict[str, Any], key: str) -> Bilingual | None:
    """An entry's name, note or scope, which the table gives in English (`key`) and Dutch (`key`_nl)."""
    return Bilingual(en=entry[key], nl=entry[f"{key}_nl"]) if entry.get(key) else None


def transfer(day: date, exporter: Exporter, entity: str | None, entity_country: str | None,
             certification: Status) -> Transfer:
    """The assessment for a recipient entity (None where the recipient layer does not establish one)."""
    law = LAW if day >= date.fromisoformat(law_table()["gdpr_applies_from"]) else LAW_BEFORE_GDPR
    common = {"date": day.isoformat(), "law": law, "exporter": exporter.name, "exporter_source": exporter.source,
              "recipient_entity": entity, "recipient_country": entity_country, "cannot_prove": CANNOT_PROVE}
    if entity is None or entity_country is None:
        return Transfer(outcome=TransferOutcome.UNKNOWN, chapter_v=None,
                        note=NOT_ESTABLISHED, **common)
    found = country_law(entity_country, day)
    if found.outcome == TransferOutcome.EEA:
        return Transfer(outcome=found.outcome, chapter_v=False,
                        note=IN_EEA, **common)
    if not found.requires_certification:
        return Transfer(outcome=found.outcome, instrument=found.instrument, chapter_v=True, note=found.note,
                        **common)
    assert found.instrument is not None
    status = DpfStatus(instrument=found.instrument, status=certification.status,
                       record_source=certification.source, record_date=certification.checked)
    en, nl = BY_STATUS[certification.status]
    note = Bilingual(en=en.format(instrument=found.instrument.en), nl=nl.format(instrument=found.instrument.nl))
    return Transfer(outcome=BY_CERTIFICATION[certification.status], instrument=found.instrument, chapter_v=True,
                    certification=status, note=note, **common)
