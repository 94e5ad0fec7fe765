"""Certification under a decision that covers only certified organisations (the EU-US Data Privacy
Framework): the user's dated participant records (`auditor analyze --dpf FILE`, format auditor-dpf/1).

The Department of Commerce's list has no bulk export, and a company's own statement is not proof, so no
status is bundled. A record names the exact entity, the periods it was active for the EU-US framework
(non-HR data), the day the list was read and where (record URL, PDF or screenshot). On a capture day inside
a period the entity is covered; on a day up to the reading outside every period it is not; a day after the
reading is not established by the record.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from auditor.contract.vocabulary import Certification
from auditor.errors import InputError
from auditor.inputs import mapping_problem, read_bounded

FORMAT = "auditor-dpf/1"
MAX_BYTES = 1 << 20
MAX_RECORDS = 5000


@dataclass(frozen=True)
class Status:
    status: Certification
    source: str | None
    checked: str | None


@dataclass(frozen=True)
class Participant:
    entity: str
    periods: tuple[tuple[date, date | None], ...]
    checked: date
    source: str

    def status_on(self, day: date) -> Certification:
        if day > self.checked:
            return Certification.NOT_ESTABLISHED      # the record says nothing about days after it was read
        if any(start <= day and (end is None or day <= end) for start, end in self.periods):
            return Certification.COVERED
        return Certification.NOT_COVERED


@dataclass(frozen=True)
class Participants:
    by_entity: dict[str, Participant]
    path: Path | None = None
    sha256: str | None = None

    def status(self, entity: str | None, day: date, stated: bool | None) -> Status:
        """The entity's status on the day: its participant record, else what the override table states."""
        record = self.by_entity.get(entity.casefold()) if entity else None
        if record is not None:
            return Status(record.status_on(day), f"participant record: {record.source}", record.checked.isoformat())
        if stated is not None:
            return Status(Certification.COVERED if stated else Certification.NOT_COVERED,
                          "override table (world-overrides), undated", None)
        return Status(Certification.NOT_ESTABLISHED, None, None)


def _day(value: Any, where: str, path: Path) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InputError(path, f"{where} must be a date YYYY-MM-DD, not {str(value)[:40]!r}") from None


def load_participants(path: Path) -> Participants:
    raw = read_bounded(path, MAX_BYTES, "DPF participant records")
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    problem = mapping_problem(doc, {"format", "records", "description"}, {"format", "records"})
    if problem or doc["format"] != FORMAT:
        raise InputError(path, problem or f"format must be {FORMAT!r}")
    if not isinstance(doc["records"], list) or len(doc["records"]) > MAX_RECORDS:
        raise InputError(path, f"records must be a list of at most {MAX_RECORDS} entries")
    by_entity: dict[str, Participant] = {}
    for n, record in enumerate(doc["records"]):
        where = f"records[{n}]"
        problem = mapping_problem(record, {"entity", "active", "checked", "source"},
                                  {"entity", "active", "checked", "source"})
        if problem:
            raise InputError(path, f"{where}: {problem}")
        if not isinstance(record["entity"], str) or not record["entity"].strip() or \
                not isinstance(record["source"], str) or not record["source"].strip():
            raise InputError(path, f"{where}: entity and source must be non-empty text")
        if not isinstance(record["active"], list):
            raise InputError(path, f"{where}.active must be a list of {{from, until}} periods")
        periods = []
        for m, period in enumerate(record["active"]):
            problem = mapping_problem(period, {"from", "until"}, {"from"})
            if problem:
                raise InputError(path, f"{where}.active[{m}]: {problem}")
            until = period.get("until")
            periods.append((_day(period["from"], f"{where}.active[{m}].from", path),
                            None if until is None else _day(until, f"{where}.active[{m}].until", path)))
        key = record["entity"].strip().casefold()
        if key in by_entity:
            raise InputError(path, f"{where}: a second record for {record['entity'][:100]!r}")
        by_entity[key] = Participant(record["entity"].strip()[:300], tuple(sorted(periods, key=lambda p: p[0])),
                                     _day(record["checked"], f"{where}.checked", path), record["source"][:500])
    return Participants(by_entity, path, hashlib.sha256(raw).hexdigest())
