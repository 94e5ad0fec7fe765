"""One analysed case as a run to compare: the app and version, the persona, the consent choice made (its
ledger seq and time) and what the findings say was sent to whom."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from auditor.case.bundle import Case
from auditor.case.events import CONSENT_ACCEPTED_KINDS, CONSENT_KINDS, Kind
from auditor.case.ledger_check import read_records
from auditor.contract.document import read_document
from auditor.contract.files import FINDINGS_FILE
from auditor.contract.findings import Finding, Findings
from auditor.contract.vocabulary import FindingType
from auditor.errors import InputError

# what says which data went to which recipient: one finding per category and host (the clipboard, biometric,
# transfer and cleartext findings repeat these exchanges)
SENT = FindingType.PERSONAL_DATA_TRANSMITTED


class Choice(enum.StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"
    NONE = "none"                  # no consent was recorded: the dialog left open, or never shown


@dataclass(frozen=True)
class Sent:
    """One finding of data sent: to whom, what, and when (the capture's host clock, like the consent mark)."""

    recipient: str                 # registrable domain (the host when it has none)
    entity: str | None
    role: str                      # the recipient's role (RecipientRole)
    third_party: bool | None
    confidence: str
    data_category: str
    finding: str
    ledger_seqs: tuple[int, ...]
    occurrences: int
    first: datetime | None
    last: datetime | None


@dataclass(frozen=True)
class Run:
    label: str                     # the case directory's name
    case_dir: Path
    case_id: str
    package: str | None
    version_code: int | str | None
    persona: str | None
    persona_entered: str | None    # the value typed at the age gate (device.persona_entered), if any
    choice: Choice
    choice_seq: int | None
    choice_time: datetime | None
    sent: tuple[Sent, ...]

    def before_choice(self) -> list[Sent]:
        """What was sent before the choice; in a run without one, everything (nothing was ever agreed)."""
        if self.choice_time is None:
            return list(self.sent)
        return [s for s in self.sent if s.first is not None and s.first < self.choice_time]

    def after_choice(self) -> list[Sent]:
        if self.choice_time is None:
            return []
        return [s for s in self.sent if s.last is not None and s.last > self.choice_time]


def _time(text: str | None) -> datetime | None:
    return None if not text else datetime.fromisoformat(text.replace("Z", "+00:00"))


def _sent(finding: Finding) -> Sent | None:
    if finding.type != SENT or finding.recipient is None or finding.data_category is None:
        return None
    recipient = finding.recipient
    return Sent(recipient.domain or recipient.host, recipient.entity, str(recipient.role), recipient.third_party,
                str(finding.confidence), str(finding.data_category), finding.id,
                tuple(e.ledger_seq for e in finding.evidence.shown), finding.evidence.occurrences,
                _time(finding.time), _time(finding.time_last))


def load_run(case_dir: Path) -> Run:
    """An analysed case as a run; InputError naming the case when it has not been analysed."""
    case = Case.open(case_dir)
    findings_path = case.root / "analysis" / FINDINGS_FILE
    if not findings_path.is_file():
        raise InputError(case_dir, "not analysed yet: run 'auditor analyze' on it first")
    findings = read_document(Findings, findings_path)
    choice, seq, when, entered = Choice.NONE, None, None, None
    for record in read_records(case.ledger_path):
        kind = record["kind"]
        if kind in CONSENT_KINDS and seq is None:
            choice = Choice.ACCEPTED if kind in CONSENT_ACCEPTED_KINDS else Choice.REFUSED
            seq, when = record["seq"], _time(record["t_wall"])
        elif kind == Kind.DEVICE_PERSONA_ENTERED and entered is None:
            entered = str(record["body"].get("value"))
    app = case.info.get("app") if isinstance(case.info.get("app"), dict) else {}
    persona = case.info.get("persona")
    return Run(label=case.root.name, case_dir=case.root, case_id=case.id, package=app.get("package"),
               version_code=app.get("version_code"), persona=persona if isinstance(persona, str) else None,
               persona_entered=entered, choice=choice, choice_seq=seq, choice_time=when,
               sent=tuple(s for s in (_sent(f) for f in findings.findings) if s is not None))
