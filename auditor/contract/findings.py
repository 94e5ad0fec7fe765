"""analysis/findings.json: what the evidence means, one finding per distinct fact, each with its evidence.

DESIGN §4. A finding's `id` is derived from its content (every field but id, time and evidence), so the same
case analysed with the same inputs gives the same ids.
"""

from __future__ import annotations

from pydantic import Field

from auditor.contract.document import Bilingual, Record
from auditor.contract.vocabulary import (
    ActorBasis,
    Certification,
    ComparedSection,
    Confidence,
    ConsentChoiceMade,
    ConsentTiming,
    DarkPattern,
    DataCategory,
    FindingType,
    RecipientRole,
    TransferOutcome,
    ValueSource,
)

FINDINGS_FORMAT = "auditor-findings/1"
# A text a report shows: analysis writes every sentence as a Bilingual (the renderer picks the report's
# language); a plain string is a name the same in both, or a findings.json from before 2026-12 (English only).
Words = str | Bilingual


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
    hook_seq: int | None = Field(default=None, ge=1)     # the hook event whose stack this is (request or opener)
    # what the app's own OkHttp interceptors changed in this request before it was sent (url, method, headers)
    request_rewritten: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.package or self.class_name or self.sdk or ""


class Step(Record):
    """One step of the chain host -> service -> legal entity -> parent, with the source that gives it."""
    step: str                            # service, entity, parent, role, first_party
    value: Words                         # a name, or words in both languages ("not established")
    source: Words                        # a dataset and what it cites; Bilingual where that is a sentence

    @property
    def dataset(self) -> str:
        """The dataset the source names before its colon (recipients, world-overrides …)."""
        return (self.source.en if isinstance(self.source, Bilingual) else self.source).partition(":")[0]


class Recipient(Record):
    """Layer (b) of a Chapter V assessment: who receives, by legal entity valid on the capture date."""
    host: str
    domain: str | None = None
    service: str | None = None
    entity: str | None = None            # the entity receiving EEA users' data (the EEA one where there is one)
    parent: str | None = None
    entity_country: str | None = None    # the entity's country of establishment
    source: str | None = None            # the dataset that named the entity
    tracker: str | None = None           # Exodus network signature's tracker name
    tracker_confidence: Confidence | None = None   # low for a catch-all signature (a whole registrable domain)
    role: RecipientRole = RecipientRole.OTHER_RECIPIENT
    third_party: bool | None = None      # True only for role third_party; False for the first party
    steps: tuple[Step, ...] = ()


class Destination(Record):
    """Layer (a): the endpoint observed. The registration country is corroboration only."""
    ip: str | None = None
    country_physical: str | None = None  # what the location dataset says for the address
    location_source: str | None = None   # the dataset (or override table) the location comes from
    location_established: bool | None = None   # False for anycast/CDN ranges: no location can be established
    location_note: str | None = None
    country_registered: str | None = None
    asn: int | None = None
    operator: str | None = None


class DpfStatus(Record):
    """A recipient's certification under a decision that covers only certified organisations, from a dated
    participant record (user-supplied, or stated by the override table)."""
    instrument: Words
    status: Certification
    record_source: str | None = None
    record_date: str | None = None       # the day the participant record was read


class Transfer(Record):
    """The Chapter V assessment of one flow under the law in force on its date. The outcome rests on the
    recipient layer (the entity's establishment) alone; the endpoint (the finding's destination) only
    corroborates."""
    outcome: TransferOutcome
    instrument: Words | None = None      # the decision's name in each language
    date: str
    law: Words
    exporter: str | None = None          # the app's controller, given for the case
    exporter_source: str | None = None
    recipient_entity: str | None = None
    recipient_country: str | None = None
    certification: DpfStatus | None = None
    chapter_v: bool | None = None        # a disclosure to an importer established in a third country
    note: Words | None = None
    cannot_prove: Words


class FoundValue(Record):
    """One known or recognised value found in a message: where, which value, in which encoding."""
    location: str
    what: str
    form: str
    value: str
    source: ValueSource
    rule: str | None = None              # the recognition rule, for source recognised
    reasoning: Words | None = None       # why the rule takes this for personal data, en and nl
    read_at_seq: int | None = Field(default=None, ge=1)   # the hook event where the app read this value


class PlantedValue(Record):
    """A planted value the hooks handed to the app in place of the device's own."""
    what: str
    value: str | float | bool | None = None
    original: str | float | bool | None | dict[str, str | float | bool | None] = None


class RecoveredPlaintext(Record):
    """The app's own encryption whose output a message carried: the hook.crypto event that recorded it, whose
    input (the plaintext, an artifact) was decoded as a further layer of the message. The key is known by its
    SHA-256 only."""
    ledger_seq: int = Field(ge=1)
    api: str
    algorithm: str | None = None
    key_sha256: str | None = None
    plaintext_sha256: str
    ciphertext_sha256: str


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
    activity_ledger_seqs: tuple[int, ...] = ()   # related events: an SDK's activity, an injected script's page event
    recovered_plaintext: tuple[RecoveredPlaintext, ...] = ()   # a value sat in plaintext the app encrypted


class EvidenceSet(Record):
    occurrences: int = Field(ge=1)
    shown: tuple[Evidence, ...]          # the first MAX_EVIDENCE pieces, in ledger order


class Declaration(Record):
    """Both sides of an undeclared_* finding: what the declaration says (quoted, with where it was read) and
    what the traffic showed, and the findings that show it."""
    form: str                            # "data_safety" | "policy"
    source: str                          # where and when the operator read the declaration
    form_sha256: str
    declared_at_seq: int = Field(ge=1)   # the case.declared event
    says: Words
    quote: str | None = None             # the declaration's own words, where the form gives them
    observed: Words
    play_data_type: str | None = None    # Data safety: the Play data type the observed category falls under
    country: str | None = None           # policy: the country not named
    findings: tuple[str, ...]            # the ids of the findings whose evidence this is


class InjectedScript(Record):
    """script_injected: what the app ran inside a page of its web view, read from the script's text (kept as an
    artifact): the user-input events it subscribes to (addEventListener) and the calls it makes on objects the
    app exposed to the page (addJavascriptInterface), which hand the page's data to the app's code."""
    page_url: str | None = None
    # how the page is known: "onPageFinished" / "onPageStarted" (the view's last page event before the script,
    # its ledger seq in the evidence's activity_ledger_seqs) or "getUrl" (the view's URL at injection)
    page_from: str | None = None
    script_sha256: str
    script_size: int = Field(ge=0)
    listens_to: tuple[str, ...] = ()         # DOM events of user input: keydown, input, selectionchange, touch…
    sends_through: tuple[str, ...] = ()      # "Interface.method" calls on an exposed object
    interface_classes: tuple[str, ...] = ()  # the classes of the exposed objects it calls
    reads_typing: bool = False               # listens to an event that carries what the user types (key, input…)
    hands_to_app: bool = False               # calls at least one method the app exposed to the page
    # the page's host is the app publisher's (recipients' first-party decision); None: no page URL known
    page_first_party: bool | None = None


class ConsentDialogFacts(Record):
    """consent_dark_pattern: the dialog as the screen showed it (device.consent_dialog) and the design named."""
    pattern: DarkPattern
    layer: int = Field(ge=1)
    dialog_seq: int = Field(ge=1)            # the device.consent_dialog event
    in_webview: bool = False                 # the dialog was web content inside an android.webkit.WebView
    accept_label: str | None = None
    refuse_label: str | None = None          # None: no refuse control on this layer
    settings_label: str | None = None        # a control to a second layer, where there is one
    area_ratio: float | None = None          # accept's control area over refuse's
    contrast_ratio: float | None = None      # accept's fill contrast over refuse's (from the screenshot)
    screenshot_sha256: str | None = None


class StoredConsent(Record):
    """consent_state_contrary: the consent state the app stored after the choice (device.consent_state),
    against the choice recorded in the case."""
    choice: ConsentChoiceMade
    choice_seq: int = Field(ge=1)
    state_seq: int = Field(ge=1)             # the device.consent_state event read after the choice
    path: str
    key: str                                 # the key read: IABTCF_PurposeConsents
    value: str
    stored_consent: bool                     # purpose 1 (store and/or access information on a device) consented
    ump_consent_status: str | None = None    # Google UMP's consent_status, where its file was read


class ComparedExhibit(Record):
    """One run's finding behind a comparison row: the case, the finding and its ledger seqs."""
    run: str
    case_id: str
    persona: str | None = None
    choice: ConsentChoiceMade
    finding: str = Field(pattern=r"^F-[0-9a-f]{20}$")
    ledger_seqs: tuple[int, ...] = ()
    occurrences: int = Field(ge=1)


class Compared(Record):
    """runs_compared: one row of `auditor compare` (what it says, to whom, which data) with its exhibits."""
    section: ComparedSection
    recipient: str                           # registrable domain
    entity: str | None = None
    role: RecipientRole | None = None        # the recipient's role, as its case's findings give it
    third_party: bool | None = None
    young_persona: str | None = None         # young_as_adult: the child or teen persona compared with an adult
    choice: ConsentChoiceMade | None = None  # young_as_adult: the choice both runs made
    exhibits: tuple[ComparedExhibit, ...]


class Finding(Record):
    id: str = Field(pattern=r"^F-[0-9a-f]{20}$")
    type: FindingType
    data_category: DataCategory | None = None
    api: str | None = None
    actor: Actor | None = None
    recipient: Recipient | None = None
    destination: Destination | None = None
    before_consent: bool | None = None
    consent_timing: ConsentTiming | None = None
    refusal_timing: ConsentTiming | None = None   # relative to the refusal mark; None when no refusal was recorded
    confidence: Confidence
    user_action: bool | None = None      # clipboard_read: the read happened inside a user's paste
    active: bool | None = None           # sdk_embedded: the SDK was seen at run time too
    transfer_outcome: TransferOutcome | None = None
    transfer: Transfer | None = None
    injected_script: InjectedScript | None = None
    time: str | None = None
    time_last: str | None = None
    declaration: Declaration | None = None   # undeclared_*: the declared side and the observed one
    consent_dialog: ConsentDialogFacts | None = None   # consent_dark_pattern
    stored_consent: StoredConsent | None = None        # consent_state_contrary
    compared: Compared | None = None                   # runs_compared
    evidence: EvidenceSet


class ConsentClock(Record):
    """How times were compared with the consent mark: the device clock offset applied to device-timed events
    and the margin within which an event counts as at consent."""
    offset_seconds: float | None = None
    uncertainty_seconds: float
    source: str


class Summary(Record):
    """What the findings count: exchanges, recipients and data categories, not findings."""
    exchanges: int = Field(ge=0)
    exchanges_with_personal_data: int = Field(ge=0)
    exchanges_before_consent: int = Field(ge=0)
    exchanges_at_consent: int = Field(ge=0)
    recipients: int = Field(ge=0)                # distinct registrable domains other than the first party's
    third_parties: int = Field(ge=0)
    data_categories: tuple[DataCategory, ...] = ()
    consent_clock: ConsentClock | None = None


class Findings(Record):
    format: str = Field(default=FINDINGS_FORMAT, pattern=r"^auditor-findings/1$")
    summary: Summary | None = None
    findings: tuple[Finding, ...]
