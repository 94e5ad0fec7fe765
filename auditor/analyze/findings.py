"""From observations to findings: what happened, with the evidence that shows it.

Findings are aggregated while the flows stream past: one finding per distinct (type, data category,
actor, recipient host, destination IP, consent state, transfer outcome and day), holding the first
MAX_EVIDENCE pieces of evidence and a count of all occurrences, so memory is bounded by the number of
distinct findings and not by the number of flows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.analyze.personal import RECOGNITION_REASONING, Hit
from auditor.case.canonical import canonical_json, sha256_hex
from auditor.catalogue import PRIVACY_APIS

MAX_EVIDENCE = 20
MAX_LOCATIONS = 20
# hook category -> finding type -> its data category, from auditor/catalogue/privacy_apis.json
HOOK_TYPES = PRIVACY_APIS.finding_types()
HOOK_DATA = PRIVACY_APIS.data_categories()
# Stack frames through which Android delivers a user's paste: a clipboard read below one of these is user action.
PASTE_FRAMES = ("android.widget.TextView.onTextContextMenuItem", "android.widget.TextView.paste",
                "android.widget.Editor", "android.view.inputmethod", "android.view.View.performClick")
IDENTIFIER_CATEGORIES = ("advertising_id", "android_id", "imei", "device_identifier", "device_serial")
# Data whose transmission is a finding of its own, beyond "personal data transmitted".
TRANSMITTED_TYPES = {"clipboard": "clipboard_transmitted", "biometric": "biometric_transmitted"}


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def confidence_of(hits: list[Hit]) -> str:
    known = [h for h in hits if not h.source.startswith("recognised:")]
    if any(h.source != "observed" for h in known):
        return "high"       # a value known to belong to the device or the test persona, found verbatim or encoded
    if len({h.what for h in known}) >= 2:
        return "high"       # two measurements the app read from the same face, in one message
    return "medium"         # recognised by field name and format only, or one lone number


@dataclass
class Accumulator:
    """One finding being built."""
    core: dict[str, Any]
    evidence: list[dict[str, Any]] = field(default_factory=list)
    occurrences: int = 0
    first: str | None = None
    last: str | None = None

    def add(self, when: str | None, evidence: dict[str, Any]) -> None:
        self.occurrences += 1
        if when and (self.first is None or when < self.first):
            self.first = when
        if when and (self.last is None or when > self.last):
            self.last = when
        if len(self.evidence) < MAX_EVIDENCE:
            self.evidence.append(evidence)

    def finish(self) -> dict[str, Any]:
        finding = dict(self.core)
        finding["id"] = "F-" + sha256_hex(canonical_json(self.core))[:20]
        finding["time"] = self.first
        finding["time_last"] = self.last
        finding["evidence"] = {"occurrences": self.occurrences,
                               "shown": sorted(self.evidence, key=lambda e: (e.get("ledger_seq") or 0,
                                                                             canonical_json(e)))}
        return finding


class FindingSet:
    def __init__(self) -> None:
        self._items: dict[bytes, Accumulator] = {}

    def add(self, core: dict[str, Any], when: str | None, evidence: dict[str, Any]) -> None:
        key = canonical_json(core)
        if key not in self._items:
            self._items[key] = Accumulator(core)
        self._items[key].add(when, evidence)

    def results(self) -> list[dict[str, Any]]:
        findings = [item.finish() for item in self._items.values()]
        return sorted(findings, key=lambda f: (f["time"] or "", f["type"], f["id"]))


def _core(kind: str, category: str | None, actor: dict[str, Any] | None, recipient: dict[str, Any] | None,
          destination: dict[str, Any] | None, before_consent: bool | None, confidence: str,
          **extra: Any) -> dict[str, Any]:
    return {"type": kind, "data_category": category, "actor": actor, "recipient": recipient,
            "destination": destination, "before_consent": before_consent, "confidence": confidence, **extra}


def flow_findings(out: FindingSet, *, seq: int, artifact: str | None, when: str | None, scheme: str,
                  body_sha256: str | None, actor: dict[str, Any] | None, recipient: dict[str, Any],
                  third_party: bool | None, destination: dict[str, Any], before_consent: bool, hits: list[Hit],
                  transfer: dict[str, Any] | None, notes: list[str]) -> None:
    base_evidence = {"ledger_seq": seq, "flow_artifact": artifact, "request_body_sha256": body_sha256}
    if notes:
        base_evidence["decoding_notes"] = sorted(set(notes))[:10]
    recipient = {**recipient, "third_party": third_party}
    if recipient.get("tracker"):
        out.add(_core("tracker_contacted", None, actor, recipient, destination, before_consent, "high"),
                when, base_evidence)
    by_category: dict[str, list[Hit]] = {}
    for hit in hits:
        by_category.setdefault(hit.category, []).append(hit)
    for category in sorted(by_category):
        group = sorted(by_category[category], key=lambda h: (h.location, h.what, h.form))
        evidence = {**base_evidence, "values": [
            {"location": h.location, "what": h.what, "form": h.form, "value": h.value, "source": h.source,
             **({"reasoning": RECOGNITION_REASONING[h.source.split(":", 1)[1]]}
                if h.source.startswith("recognised:") else {}),
             **({"read_at_seq": h.origin} if h.origin is not None else {})} for h in group[:MAX_LOCATIONS]]}
        confidence = confidence_of(group)
        outcome = transfer["outcome"] if transfer else "unknown"
        out.add(_core("personal_data_transmitted", category, actor, recipient, destination, before_consent,
                      confidence, transfer_outcome=outcome), when, evidence)
        if category in TRANSMITTED_TYPES:
            out.add(_core(TRANSMITTED_TYPES[category], category, actor, recipient, destination, before_consent,
                          confidence), when, evidence)
        if scheme == "http":
            out.add(_core("cleartext_personal_data", category, actor, recipient, destination, before_consent,
                          confidence), when, evidence)
        if transfer is not None and transfer["outcome"] != "eea" and \
                any(view["country"] for view in transfer["views"].values()):
            out.add(_core("third_country_transfer", category, actor, recipient, destination, before_consent,
                          "medium", transfer=transfer), when, evidence)


def hook_findings(out: FindingSet, row: Any, before_consent: bool) -> None:
    kind = HOOK_TYPES.get(row.category)
    if kind is None:
        return
    actor = dict(row.actor) if isinstance(row.actor, dict) else None
    extra: dict[str, Any] = {"api": row.api}
    if kind == "clipboard_read":
        extra["user_action"] = any(frame.startswith(PASTE_FRAMES) for frame in row.stack)
    category = HOOK_DATA[kind]
    evidence: dict[str, Any] = {"ledger_seq": int(row.seq), "stack": row.stack[:12]}
    if row.planted:
        evidence["planted"] = row.planted
    out.add(_core(kind, category, actor, None, None, before_consent, "high", **extra),
            iso(row.time), evidence)


def sdk_findings(out: FindingSet, scan: dict[str, Any], seq: int, artifact: str, active_names: set[str],
                 active_evidence: dict[str, list[int]]) -> None:
    for sdk in scan.get("sdks") or []:
        if not isinstance(sdk, dict) or not isinstance(sdk.get("name"), str):
            continue
        name = sdk["name"][:200]
        active = name.lower() in active_names
        evidence = {"ledger_seq": seq, "scan_artifact": artifact,
                    "static_evidence": [str(e)[:300] for e in (sdk.get("evidence") or [])][:MAX_LOCATIONS],
                    "activity_ledger_seqs": active_evidence.get(name.lower(), [])[:MAX_EVIDENCE]}
        out.add(_core("sdk_embedded", None, {"class": None, "package": None, "sdk": name, "first_party": False},
                      None, None, None, "high" if active else "medium", active=active), None, evidence)
