"""From observations to findings: what happened, with the evidence that shows it.

Findings are aggregated while the flows stream past: one finding per distinct (type, data category,
actor, recipient host, destination IP, consent state, transfer outcome and day), holding the first
MAX_EVIDENCE pieces of evidence and a count of all occurrences, so memory is bounded by the number of
distinct findings and not by the number of flows. One exchange is one piece of evidence listing every value
found in it, whichever finding cites it; `Tally` counts exchanges, recipients and data categories for the
summary, which is what a reader should count. Every finding is a contract record
(auditor/contract/findings.py); this module is the one place that decides what a finding says.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.analyze.observations import HookRow
from auditor.analyze.personal import RECOGNITION_REASONING, Hit
from auditor.analyze.webviews import Injection
from auditor.case.canonical import canonical_json, sha256_hex
from auditor.catalogue import PRIVACY_APIS
from auditor.contract.findings import (
    Actor,
    ConsentClock,
    Destination,
    Evidence,
    EvidenceSet,
    Finding,
    FoundValue,
    PlantedValue,
    Recipient,
    RecoveredPlaintext,
    Summary,
    Transfer,
)
from auditor.contract.vocabulary import (
    ActorBasis,
    Confidence,
    ConsentTiming,
    DataCategory,
    FindingType,
    RecipientRole,
    TransferOutcome,
    ValueSource,
)

MAX_EVIDENCE = 20
MAX_LOCATIONS = 20
MAX_TEXT = 500
# hook category -> finding type -> its data category, from auditor/catalogue/privacy_apis.json
HOOK_TYPES = {category: FindingType(kind) for category, kind in PRIVACY_APIS.finding_types().items()}
HOOK_DATA = {FindingType(kind): DataCategory(data) for kind, data in PRIVACY_APIS.data_categories().items()}
# Stack frames through which Android delivers a user's paste: a clipboard read below one of these is user action.
PASTE_FRAMES = ("android.widget.TextView.onTextContextMenuItem", "android.widget.TextView.paste",
                "android.widget.Editor", "android.view.inputmethod", "android.view.View.performClick")
# Data whose transmission is a finding of its own, beyond "personal data transmitted".
TRANSMITTED_TYPES = {DataCategory.CLIPBOARD: FindingType.CLIPBOARD_TRANSMITTED,
                     DataCategory.BIOMETRIC: FindingType.BIOMETRIC_TRANSMITTED}


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def confidence_of(hits: list[Hit]) -> Confidence:
    known = [h for h in hits if not h.source.startswith("recognised:")]
    if any(h.source != "observed" for h in known):
        return Confidence.HIGH     # a value known to be the device's or the test persona's, verbatim or encoded
    if len({h.what for h in known}) >= 2:
        return Confidence.HIGH     # two measurements the app read from the same face, in one message
    return Confidence.MEDIUM       # recognised by field name and format only, or one lone number


def found_value(hit: Hit) -> FoundValue:
    kind, _, rule = hit.source.partition(":")
    return FoundValue(location=hit.location, what=hit.what, form=hit.form, value=hit.value,
                      source=ValueSource(kind), rule=rule or None,
                      reasoning=hit.reasoning or (RECOGNITION_REASONING[rule] if rule else None),
                      read_at_seq=hit.origin)


@dataclass
class Accumulator:
    """One finding being built: its content (which makes its id) and the evidence seen for it so far."""
    core: dict[str, Any]
    evidence: list[Evidence] = field(default_factory=list)
    occurrences: int = 0
    first: str | None = None
    last: str | None = None

    def add(self, when: str | None, evidence: Evidence | Callable[[], Evidence]) -> None:
        self.occurrences += 1
        if when and (self.first is None or when < self.first):
            self.first = when
        if when and (self.last is None or when > self.last):
            self.last = when
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(evidence if isinstance(evidence, Evidence) else evidence())

    def finish(self) -> Finding:
        core = {name: value for name, value in self.core.items() if value is not None}
        shown = sorted(self.evidence, key=lambda e: (e.ledger_seq, canonical_json(e.model_dump(mode="json"))))
        return Finding(id="F-" + sha256_hex(canonical_json(_plain(core)))[:20], time=self.first, time_last=self.last,
                       evidence=EvidenceSet(occurrences=self.occurrences, shown=tuple(shown)), **core)


def _plain(core: dict[str, Any]) -> dict[str, Any]:
    """A finding's content as JSON data (records dumped by their file names), for its id."""
    return {name: value.model_dump(mode="json", by_alias=True, exclude_none=True) if hasattr(value, "model_dump")
            else str(value) if isinstance(value, str) else value for name, value in core.items()}


class FindingSet:
    def __init__(self) -> None:
        self._items: dict[bytes, Accumulator] = {}
        # a core's fields (frozen records, enums, plain values: hashable, equal only when their JSON is) ->
        # its finding, so each distinct finding is serialised once, not once per exchange
        self._by_fields: dict[Hashable, Accumulator] = {}
        # an exchange's circumstances (flow_findings: Same) -> the findings it adds to, in order
        self.plans: dict[Hashable, list[Accumulator]] = {}

    def add(self, core: dict[str, Any] | Callable[[], dict[str, Any]], when: str | None,
            evidence: Evidence | Callable[[], Evidence], fields: Hashable | None = None) -> Accumulator:
        """core: the finding's content, or what builds it (called only for fields not seen before). evidence:
        the record, or what builds it (called only while the finding shows fewer than MAX_EVIDENCE pieces: a
        capture's thousandth request to one host adds a count, not a record). fields: a stand-in for the core,
        equal only when the cores are (flow_findings'), else its items. Returns the finding added to."""
        if fields is None:
            core = core() if callable(core) else core
            fields = tuple(core.items())
        found = self._by_fields.get(fields)
        if found is None:
            core = core() if callable(core) else core
            found = self._by_fields[fields] = self._items.setdefault(canonical_json(_plain(core)), Accumulator(core))
        found.add(when, evidence)
        return found

    def results(self) -> list[Finding]:
        findings = [item.finish() for item in self._items.values()]
        return sorted(findings, key=lambda f: (f.time or "", f.type, f.id))


def _core(kind: FindingType, category: DataCategory | None, actor: Actor | None, recipient: Recipient | None,
          destination: Destination | None, timing: ConsentTiming | None, confidence: Confidence,
          **extra: Any) -> dict[str, Any]:
    before = None if timing is None else timing in (ConsentTiming.BEFORE, ConsentTiming.NO_MARK)
    return {"type": kind, "data_category": category, "actor": actor, "recipient": recipient,
            "destination": destination, "before_consent": before, "consent_timing": timing,
            "confidence": confidence, **extra}


@dataclass
class Tally:
    """The summary's counts: exchanges, recipients and data categories (auditor/contract Summary)."""
    exchanges: int = 0
    with_data: int = 0
    before_consent: int = 0
    at_consent: int = 0
    recipients: set[str] = field(default_factory=set)
    third_parties: set[str] = field(default_factory=set)
    categories: set[DataCategory] = field(default_factory=set)

    def count(self, recipient: Recipient, timing: ConsentTiming | None, hits: list[Hit]) -> None:
        self.exchanges += 1
        if recipient.role != RecipientRole.FIRST_PARTY:
            self.recipients.add(recipient.domain or recipient.host)
            if recipient.third_party:
                self.third_parties.add(recipient.domain or recipient.host)
        if hits:
            self.with_data += 1
            if new := {h.category for h in hits} - self.categories:    # a StrEnum member equals its value
                self.categories.update(DataCategory(name) for name in new)
            self.before_consent += timing in (ConsentTiming.BEFORE, ConsentTiming.NO_MARK)
            self.at_consent += timing == ConsentTiming.AT

    def summary(self, clock: ConsentClock) -> Summary:
        return Summary(exchanges=self.exchanges, exchanges_with_personal_data=self.with_data,
                       exchanges_before_consent=self.before_consent, exchanges_at_consent=self.at_consent,
                       recipients=len(self.recipients), third_parties=len(self.third_parties),
                       data_categories=tuple(sorted(self.categories)), consent_clock=clock)


class Same:
    """Records compared by identity, hashed once: an exchange's actor, recipient, destination, timing and
    transfer are the analysis's cached records (one object per distinct value), and a frozen record hashes its
    whole content again on every call. Equal records that are distinct objects only miss the plan memo: the
    findings they add to are still found by value (FindingSet.add). Holding the records keeps their ids
    unique while the key lives."""
    __slots__ = ("items", "_hash")

    def __init__(self, items: tuple[Any, ...]):
        self.items, self._hash = items, hash(tuple(map(id, items)))

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and len(self.items) == len(other.items) and \
            all(a is b for a, b in zip(self.items, other.items, strict=True))


def flow_findings(out: FindingSet, *, seq: int, artifact: str | None, when: str | None, scheme: str,
                  body_sha256: str | None, actor: Actor | None, recipient: Recipient, destination: Destination,
                  timing: ConsentTiming | None, refusal: ConsentTiming | None, hits: list[Hit],
                  transfer: Transfer | None,
                  outside_eea: bool, user_paste: bool, notes: list[str],
                  recovered: tuple[RecoveredPlaintext, ...] = ()) -> None:
    """The findings of one exchange. `outside_eea`: the endpoint's established location is outside the EEA
    (a fact); `user_paste`: a user's paste into the app's own code preceded this exchange to the first party."""
    built: list[Evidence] = []

    def evidence() -> Evidence:         # built once, by the first finding that still shows evidence
        if not built:
            ordered = sorted(hits, key=lambda h: (h.category, h.location, h.what, h.form))
            built.append(Evidence(ledger_seq=seq, flow_artifact=artifact, request_body_sha256=body_sha256,
                                  decoding_notes=tuple(note[:MAX_TEXT] for note in sorted(set(notes))[:10]),
                                  values=tuple(found_value(h) for h in ordered[:MAX_LOCATIONS]),
                                  recovered_plaintext=recovered))
        return built[0]
    by_category: dict[str, list[Hit]] = {}
    for hit in hits:
        by_category.setdefault(hit.category, []).append(hit)
    categories = tuple((name, confidence_of(by_category[name])) for name in sorted(by_category))
    first_party = recipient.role == RecipientRole.FIRST_PARTY
    # everything below depends on these alone: an exchange like an earlier one adds to the same findings
    circumstances = (Same((actor, recipient, destination, timing, refusal, transfer)), categories, scheme == "http",
                     first_party and user_paste, outside_eea)
    plan = out.plans.get(circumstances)
    if plan is not None:
        for finding in plan:
            finding.add(when, evidence)
        return
    plan = out.plans[circumstances] = []
    shared = Same((actor, recipient, destination, timing, refusal))

    def add(kind: FindingType, category: DataCategory | None, confidence: Confidence, **extra: Any) -> None:
        plan.append(out.add(lambda: _core(kind, category, actor, recipient, destination, timing, confidence,
                                          refusal_timing=refusal, **extra),
                            when, evidence, (shared, kind, category, confidence, tuple(sorted(extra.items())))))
    if not first_party:
        add(FindingType.RECIPIENT_CONTACTED, None, Confidence.HIGH)
    if recipient.tracker:
        add(FindingType.TRACKER_CONTACTED, None, recipient.tracker_confidence or Confidence.HIGH)
    outcome = transfer.outcome if transfer else TransferOutcome.UNKNOWN
    for name, confidence in categories:
        category = DataCategory(name)
        add(FindingType.PERSONAL_DATA_TRANSMITTED, category, confidence, transfer_outcome=outcome)
        if category in TRANSMITTED_TYPES:
            extra = {"user_action": first_party and user_paste} if category == DataCategory.CLIPBOARD else {}
            add(TRANSMITTED_TYPES[category], category, confidence, **extra)
        if scheme == "http":
            add(FindingType.CLEARTEXT_PERSONAL_DATA, category, confidence)
    if hits and outside_eea:
        add(FindingType.DESTINATION_OUTSIDE_EEA, None, Confidence.MEDIUM)
    if hits and transfer is not None and transfer.chapter_v:
        add(FindingType.THIRD_COUNTRY_TRANSFER, None, Confidence.MEDIUM, transfer=transfer)


def planted_value(planted: dict[str, Any]) -> PlantedValue | None:
    """What a hook event says it planted (hook.event `planted`: {what, value, original})."""
    what = planted.get("what")
    if not isinstance(what, str):
        return None

    def scalar(value: Any) -> Any:
        if isinstance(value, str):
            return value[:MAX_TEXT]
        return value if isinstance(value, bool | float) or value is None else \
            float(value) if isinstance(value, int) else str(value)[:MAX_TEXT]
    original = planted.get("original")
    if isinstance(original, dict):
        original = {str(k)[:100]: scalar(v) for k, v in sorted(original.items())[:20]}
    else:
        original = scalar(original)
    return PlantedValue(what=what[:100], value=scalar(planted.get("value")), original=original)


def user_paste(row: HookRow) -> bool:
    """A clipboard read below one of the frames through which Android delivers a user's paste."""
    return any(frame.startswith(PASTE_FRAMES) for frame in row.stack)


def hook_findings(out: FindingSet, row: HookRow, timing: ConsentTiming | None) -> None:
    kind = HOOK_TYPES.get(row.category)
    if kind is None:
        return
    extra: dict[str, Any] = {"api": row.api}
    if kind == FindingType.CLIPBOARD_READ:
        extra["user_action"] = user_paste(row)
    planted = planted_value(row.planted) if row.planted else None
    evidence = Evidence(ledger_seq=row.seq, stack=tuple(row.stack[:12]), planted=planted)
    out.add(_core(kind, HOOK_DATA[kind], row.actor, None, None, timing, Confidence.HIGH, **extra),
            iso(row.time), evidence)


def injection_findings(out: FindingSet, injection: Injection, timing: ConsentTiming | None,
                       page_first_party: bool | None) -> None:
    """script_injected: one per distinct script and page, with the code that injected it."""
    script = injection.script.model_copy(update={"page_first_party": page_first_party})
    evidence = Evidence(ledger_seq=injection.seq, stack=injection.stack,
                        activity_ledger_seqs=() if injection.page_seq is None else (injection.page_seq,))
    out.add(_core(FindingType.SCRIPT_INJECTED, None, injection.actor, None, None, timing, Confidence.HIGH,
                  api=injection.api, injected_script=script), iso(injection.time), evidence)


def sdk_findings(out: FindingSet, scan: dict[str, Any], seq: int, artifact: str, active_names: set[str],
                 active_evidence: dict[str, list[int]]) -> None:
    for sdk in scan.get("sdks") or []:
        if not isinstance(sdk, dict) or not isinstance(sdk.get("name"), str):
            continue
        name = sdk["name"][:200]
        active = name.lower() in active_names
        evidence = Evidence(ledger_seq=seq, scan_artifact=artifact,
                            static_evidence=tuple(str(e)[:300] for e in (sdk.get("evidence") or [])[:MAX_LOCATIONS]),
                            activity_ledger_seqs=tuple(active_evidence.get(name.lower(), [])[:MAX_EVIDENCE]))
        actor = Actor(basis=ActorBasis.STATIC_SCAN, sdk=name, first_party=False)
        out.add(_core(FindingType.SDK_EMBEDDED, None, actor, None, None, None,
                      Confidence.HIGH if active else Confidence.MEDIUM, active=active), None, evidence)
