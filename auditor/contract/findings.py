"""analysis/findings.json: what the evidence means, one finding per distinct fact, each with its evidence.

DESIGN §4. A finding's `id` is derived from its content (every field but id, time and evidence), so the same
case analysed with the same inputs gives the same ids.
"""

from __future__ import annotations

from pydantic import Field

from auditor.contract.document import Record
from auditor.contract.vocabulary import ActorBasis, Confidence, DataCategory, FindingType, TransferOutcome, ValueSource

FINDINGS_FORMAT = "auditor-findings/1"


class Actor(Record):
    """The code behind a call or a request: the first stack frame outside the platform, its package, and the
    SDK that Exodus code signatures name for it."""
    basis: ActorBasis
    frame: str | None = None
    class_name: str | None = Field(default=None, alias="class")
    package: str | None = None
    sdk: str | None = None
    exodus_id: int | None = None
    first_party: bool | None = None
    hook_seq: int | None = Field(default=None, ge=1)     # the hook event whose stack this is (basis connection)

    @property
    def name(self) -> str:
        return self.package or self.class_name or self.sdk or ""


class Recipient(Record):
    host: str
    domain: str | None = None
    entity: str | None = None
    parent: str | None = None
    entity_country: str | None = None
    source: str | None = None
    tracker: str | None = None
    third_party: bool | None = None


class Destination(Record):
    ip: str | None = None
    country_physical: str | None = None
    country_registered: str | None = None
    asn: int | None = None
    operator: str | None = None


class CountryView(Record):
    country: str | None = None
    outcome: TransferOutcome
    instrument: str | None = None
    note: str | None = None


class TransferViews(Record):
    entity_country: CountryView
    country_physical: CountryView
    country_registered: CountryView


class Transfer(Record):
    """The Chapter V assessment of one flow under the law in force on its date."""
    outcome: TransferOutcome
    instrument: str | None = None
    date: str
    law: str
    views: TransferViews
    cannot_prove: str


class FoundValue(Record):
    """One known or recognised value found in a message: where, which value, in which encoding."""
    location: str
    what: str
    form: str
    value: str
    source: ValueSource
    rule: str | None = None              # the recognition rule, for source recognised
    reasoning: str | None = None         # why the rule takes this for personal data
    read_at_seq: int | None = Field(default=None, ge=1)   # the hook event where the app read this value


class PlantedValue(Record):
    """A planted value the hooks handed to the app in place of the device's own."""
    what: str
    value: str | float | bool | None = None
    original: str | float | bool | None | dict[str, str | float | bool | None] = None


class Evidence(Record):
    """One piece of evidence: the ledger event and the artifacts it points to, and what was found in it."""
    ledger_seq: int = Field(ge=1)
    flow_artifact: str | None = None
    request_body_sha256: str | None = None
    scan_artifact: str | None = None
    values: tuple[FoundValue, ...] = ()
    decoding_notes: tuple[str, ...] = ()
    stack: tuple[str, ...] = ()
    planted: PlantedValue | None = None
    static_evidence: tuple[str, ...] = ()
    activity_ledger_seqs: tuple[int, ...] = ()


class EvidenceSet(Record):
    occurrences: int = Field(ge=1)
    shown: tuple[Evidence, ...]          # the first MAX_EVIDENCE pieces, in ledger order


class Finding(Record):
    id: str = Field(pattern=r"^F-[0-9a-f]{20}$")
    type: FindingType
    data_category: DataCategory | None = None
    api: str | None = None
    actor: Actor | None = None
    recipient: Recipient | None = None
    destination: Destination | None = None
    before_consent: bool | None = None
    confidence: Confidence
    user_action: bool | None = None      # clipboard_read: the read happened inside a user's paste
    active: bool | None = None           # sdk_embedded: the SDK was seen at run time too
    transfer_outcome: TransferOutcome | None = None
    transfer: Transfer | None = None
    time: str | None = None
    time_last: str | None = None
    evidence: EvidenceSet


class Findings(Record):
    format: str = Field(default=FINDINGS_FORMAT, pattern=r"^auditor-findings/1$")
    findings: tuple[Finding, ...]
