"""Findings of the audit's UI step (docs/consent.md), for rules to read:

- consent_dark_pattern: each dark pattern auditor/audit/consent_dialog.py named on a dialog's first layer
  (no refuse control there; accept emphasised), with the controls' labels, the measured ratios, whether the
  dialog was web content in a WebView, and its screenshot;
- consent_state_contrary: the consent state the app stored after the choice says the opposite of it — the
  IAB TCF v2 key IABTCF_PurposeConsents consents to purpose 1 ("store and/or access information on a
  device") although the user refused, or does not although the user accepted.
The first consent choice recorded (accepted, refused or none) is also the case fact `case.consent_choice`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from auditor.analyze.findings import Accumulator
from auditor.case.events import Kind
from auditor.contract.findings import ConsentDialogFacts, Evidence, Finding, StoredConsent
from auditor.contract.vocabulary import Confidence, ConsentChoiceMade, DarkPattern, FindingType

PURPOSES_KEY = "IABTCF_PurposeConsents"   # "0"/"1" at position n: consent to TCF purpose n+1
UMP_STATUS_KEY = "consent_status"          # Google UMP's own file (auditor/device/ui.py UMP_PREFS)
# no refuse control is read from the labels themselves; emphasis is a measured ratio against a threshold
CONFIDENCE = {DarkPattern.NO_REFUSE_FIRST_LAYER: Confidence.HIGH, DarkPattern.ACCEPT_EMPHASISED: Confidence.MEDIUM}


def first_choice(accepted: list[tuple[datetime, int]],
                 refused: list[tuple[datetime, int]]) -> tuple[ConsentChoiceMade, int | None]:
    """The first consent choice in the ledger and its seq (none: no choice was recorded)."""
    marks = [(seq, ConsentChoiceMade.ACCEPTED) for _, seq in accepted] + \
        [(seq, ConsentChoiceMade.REFUSED) for _, seq in refused]
    if not marks:
        return ConsentChoiceMade.NONE, None
    seq, choice = min(marks)
    return choice, seq


def _label(controls: list[Any], role: str) -> str | None:
    return next((str(c.get("label"))[:200] for c in controls if isinstance(c, dict) and c.get("role") == role), None)


def _ratio(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _finding(kind: FindingType, confidence: Confidence, record: dict[str, Any], **facts: Any) -> Finding:
    built = Accumulator({"type": kind, "confidence": confidence, **facts})
    built.add(record.get("t_wall"), Evidence(ledger_seq=record["seq"]))
    return built.finish()


def dark_pattern_findings(records: dict[Kind, list[dict[str, Any]]]) -> list[Finding]:
    found = []
    for record in records.get(Kind.DEVICE_CONSENT_DIALOG, []):
        body = record["body"]
        if body.get("found") is not True or int(body.get("layer") or 1) != 1:
            continue
        controls = body.get("controls") if isinstance(body.get("controls"), list) else []
        emphasis = body.get("emphasis") if isinstance(body.get("emphasis"), dict) else {}
        for name in body.get("dark_patterns") or []:
            if name not in CONFIDENCE:
                continue
            pattern = DarkPattern(name)
            facts = ConsentDialogFacts(
                pattern=pattern, layer=1, dialog_seq=record["seq"], in_webview=body.get("in_webview") is True,
                accept_label=_label(controls, "accept"), refuse_label=_label(controls, "refuse"),
                settings_label=_label(controls, "settings"), area_ratio=_ratio(emphasis.get("area_ratio")),
                contrast_ratio=_ratio(emphasis.get("contrast_ratio")), screenshot_sha256=record.get("artifact"))
            found.append(_finding(FindingType.CONSENT_DARK_PATTERN, CONFIDENCE[pattern], record, consent_dialog=facts))
    return found


def contrary_state_findings(records: dict[Kind, list[dict[str, Any]]], choice: ConsentChoiceMade,
                            choice_seq: int | None) -> list[Finding]:
    """The first state read after the choice, when it holds the TCF purposes and says the opposite."""
    if choice_seq is None:
        return []
    after = [r for r in records.get(Kind.DEVICE_CONSENT_STATE, []) if r["seq"] > choice_seq
             and isinstance(r["body"].get("keys"), dict)]
    if not after:
        return []
    record = after[0]
    value = record["body"]["keys"].get(PURPOSES_KEY)
    if not isinstance(value, str) or not value or value[0] not in "01":
        return []
    stored = value[0] == "1"
    if stored == (choice == ConsentChoiceMade.ACCEPTED):
        return []
    ump = record["body"].get("ump")
    status = ump.get(UMP_STATUS_KEY) if isinstance(ump, dict) else None
    facts = StoredConsent(choice=choice, choice_seq=choice_seq, state_seq=record["seq"],
                          path=str(record["body"].get("path") or "")[:300], key=PURPOSES_KEY, value=value[:200],
                          stored_consent=stored, ump_consent_status=None if status is None else str(status)[:20])
    return [_finding(FindingType.CONSENT_STATE_CONTRARY, Confidence.HIGH, record, stored_consent=facts)]
