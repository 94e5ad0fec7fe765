"""Declared against observed: the app's Data safety form and privacy policy (`auditor case declare`, the
latest `case.declared` event) compared with the personal data the traffic findings show leaving the device.

- undeclared_collection: a data category was sent (to anyone) whose Play data type the form does not list
  as collected (Google: collection is transmitting data off the device);
- undeclared_sharing: it was sent to someone other than the first party and not established as its
  processor (Google's service-provider exception is the developer's to show: a recipient the policy names
  as its processor is exempt, on the policy's word), and the form does not list
  its data type as shared; where the recipient's role is not established at all, the finding says so and
  its confidence is at most medium;
- undeclared_recipient: a recipient other than the first party (a third party, a processor, or one whose
  role is not established: a policy must name recipients, GDPR Art. 13(1)(e)) received personal data and
  the policy names neither its domain nor its entity;
- undeclared_country: such a recipient's entity is established in a country the policy does not name.
Each finding quotes both sides (Declaration) and cites the evidence of the findings it rests on. Categories
without a Play data type (device attributes, planted values of no category) are not compared.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from auditor.analyze.findings import Accumulator
from auditor.contract.document import Bilingual
from auditor.contract.findings import Declaration, Evidence, Finding, Recipient
from auditor.contract.vocabulary import Confidence, DataCategory, FindingType, RecipientRole
from auditor.declared.forms import Policy
from auditor.declared.record import Declared, from_record

# one finding per category and host says what was sent (the clipboard and biometric ones repeat it)
SENT = FindingType.PERSONAL_DATA_TRANSMITTED
PLAY_TYPES = {
    DataCategory.CLIPBOARD: "Other user-generated content",
    DataCategory.LOCATION: "Precise location", DataCategory.OTHER_LOCATION: "Precise location",
    DataCategory.APPROXIMATE_LOCATION: "Approximate location",
    DataCategory.BIOMETRIC: "Other info",
    DataCategory.DEVICE_IDENTIFIER: "Device or other IDs", DataCategory.ADVERTISING_ID: "Device or other IDs",
    DataCategory.ANDROID_ID: "Device or other IDs", DataCategory.IMEI: "Device or other IDs",
    DataCategory.DEVICE_SERIAL: "Device or other IDs", DataCategory.DEVICE_NAME: "Device or other IDs",
    DataCategory.SESSION_ID: "Device or other IDs", DataCategory.IP_ADDRESS: "Device or other IDs",
    DataCategory.PHONE: "Phone number", DataCategory.EMAIL: "Email address", DataCategory.CONTACT: "Contacts",
    DataCategory.USER_ID: "User IDs",
}
SHARING_ROLES = frozenset({RecipientRole.THIRD_PARTY, RecipientRole.JOINT_CONTROLLER, RecipientRole.OTHER_RECIPIENT})
MAX_EVIDENCE = 20
_RANK = {Confidence.HIGH: 0, Confidence.MEDIUM: 1, Confidence.LOW: 2}


def latest(records: list[dict[str, Any]]) -> Declared | None:
    return from_record(records[-1]) if records else None


@dataclass
class _Group:
    kind: FindingType
    category: DataCategory | None
    recipient: Recipient
    sources: list[Finding] = field(default_factory=list)
    extra: dict[str, str | None] = field(default_factory=dict)


def _observed(group: _Group) -> Bilingual:
    categories = sorted({str(f.data_category) for f in group.sources})
    exchanges = sum(f.evidence.occurrences for f in group.sources)
    r = group.recipient
    who = r.domain or r.host
    if r.entity:
        who += f" ({r.entity}{', ' + r.entity_country if r.entity_country else ''})"
    play = group.extra.get("play_data_type")
    listed = ", ".join(categories)
    return Bilingual(en=f"{listed}{f' (Play data type {play!r})' if play else ''} sent to {who}, recipient role "
                        f"{r.role}, in {exchanges} exchange(s)",
                     nl=f"{listed}{f' (Play-gegevenstype {play!r})' if play else ''} verzonden naar {who}, rol van "
                        f"de ontvanger {r.role}, in {exchanges} uitwisseling(en)")


def _policy_says(policy: Policy, kind: FindingType) -> Bilingual:
    """What the privacy policy names: its recipients (with their domains) or its countries."""
    def named(none: str, no_domain: str) -> str:
        return ", ".join(f"{n.name} ({', '.join(n.domains) or no_domain})" for n in policy.recipients) or none
    if kind == FindingType.UNDECLARED_RECIPIENT:
        return Bilingual(en=f"Privacy policy ({policy.source}): recipients named: {named('none', 'no domain')}",
                         nl=f"Privacybeleid ({policy.source}): genoemde ontvangers: {named('geen', 'geen domein')}")
    countries = ", ".join(sorted(policy.all_countries()))
    return Bilingual(en=f"Privacy policy ({policy.source}): countries named: {countries or 'none'}",
                     nl=f"Privacybeleid ({policy.source}): genoemde landen: {countries or 'geen'}")


def _finding(declared: Declared, group: _Group) -> Finding:
    on_policy = group.kind in (FindingType.UNDECLARED_RECIPIENT, FindingType.UNDECLARED_COUNTRY)
    if on_policy:
        policy = declared.policy
        assert policy is not None and declared.policy_sha256 is not None
        says = _policy_says(policy, group.kind)
        form, source, sha, quote = "policy", policy.source, declared.policy_sha256, policy.quote
    else:
        safety = declared.data_safety
        assert safety is not None and declared.data_safety_sha256 is not None
        part = "collected" if group.kind == FindingType.UNDECLARED_COLLECTION else "shared"
        says = safety.says(part)
        entries = safety.collected if part == "collected" else safety.shared
        quote = "; ".join(e.quote for e in entries if e.quote) or None
        form, source, sha = "data_safety", safety.source, declared.data_safety_sha256
    declaration = Declaration(form=form, source=source, form_sha256=sha, declared_at_seq=declared.seq, says=says,
                              quote=quote, observed=_observed(group),
                              play_data_type=group.extra.get("play_data_type"), country=group.extra.get("country"),
                              findings=tuple(sorted(f.id for f in group.sources)))
    confidence = min((f.confidence for f in group.sources), key=lambda c: _RANK[c])
    if group.kind == FindingType.UNDECLARED_SHARING and group.recipient.role == RecipientRole.OTHER_RECIPIENT:
        confidence = max(confidence, Confidence.MEDIUM, key=lambda c: _RANK[c])
    built = Accumulator({"type": group.kind, "data_category": group.category, "recipient": group.recipient,
                         "confidence": confidence, "declaration": declaration})
    pieces: dict[int, Evidence] = {}
    for source in group.sources:
        for piece in source.evidence.shown:
            pieces.setdefault(piece.ledger_seq, piece)
    built.evidence = [pieces[seq] for seq in sorted(pieces)[:MAX_EVIDENCE]]
    built.occurrences = sum(f.evidence.occurrences for f in group.sources)
    times = [t for f in group.sources for t in (f.time, f.time_last) if t]
    built.first, built.last = (min(times), max(times)) if times else (None, None)
    return built.finish()


def declared_findings(declared: Declared | None, findings: Iterable[Finding]) -> list[Finding]:
    if declared is None:
        return []
    groups: dict[tuple[Any, ...], _Group] = {}

    def add(key: tuple[Any, ...], kind: FindingType, category: DataCategory | None, finding: Finding,
            **extra: str | None) -> None:
        assert finding.recipient is not None
        group = groups.setdefault(key, _Group(kind, category, finding.recipient, extra=extra))
        group.sources.append(finding)

    for f in findings:
        if f.type != SENT or f.recipient is None or f.data_category is None:
            continue
        r, category = f.recipient, f.data_category
        domain = r.domain or r.host
        play = PLAY_TYPES.get(category)
        safety, policy = declared.data_safety, declared.policy
        named = policy.names(r.domain, r.entity) if policy is not None else None
        if safety is not None and play is not None:
            if not safety.declares("collected", play):
                add((FindingType.UNDECLARED_COLLECTION, category, domain), FindingType.UNDECLARED_COLLECTION,
                    category, f, play_data_type=play)
            declared_processor = named is not None and named.processor
            if r.role in SHARING_ROLES and not declared_processor and not safety.declares("shared", play):
                add((FindingType.UNDECLARED_SHARING, category, domain), FindingType.UNDECLARED_SHARING, category, f,
                    play_data_type=play)
        if policy is not None and r.role != RecipientRole.FIRST_PARTY:
            if named is None:
                add((FindingType.UNDECLARED_RECIPIENT, domain), FindingType.UNDECLARED_RECIPIENT, None, f)
            country = r.entity_country
            if country and country not in policy.all_countries():
                add((FindingType.UNDECLARED_COUNTRY, domain, country), FindingType.UNDECLARED_COUNTRY, None, f,
                    country=country)
    return [_finding(declared, group) for _, group in sorted(groups.items(), key=lambda kv: str(kv[0]))]
