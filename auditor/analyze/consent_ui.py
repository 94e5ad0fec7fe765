"""The audit's UI step as observed.json states it: the persona entered at the age gate, the consent dialogs
found (their controls and dark patterns), auditor's choice and the consent state the app stored — read from
the device.* events auditor/audit/consent_flow.py wrote (docs/consent.md), for the report to lay out."""

from __future__ import annotations

from typing import Any

from auditor.case.events import UI_STEP_KINDS, Kind
from auditor.contract.document import Bilingual
from auditor.contract.observed import (
    MAX_ROWS,
    ConsentChoice,
    ConsentControl,
    ConsentDialogSeen,
    ConsentStateRead,
    ConsentUi,
    PersonaEntered,
)


def _text(value: Any, limit: int = 500) -> str:
    return ("" if value is None else str(value))[:limit]


def _how(value: Any) -> str | Bilingual:
    if isinstance(value, dict) and set(value) == {"en", "nl"}:
        return Bilingual(en=_text(value["en"]), nl=_text(value["nl"]))
    return _text(value)


def consent_ui(records: dict[Kind, list[dict[str, Any]]]) -> ConsentUi | None:
    if not any(records.get(kind) for kind in UI_STEP_KINDS):
        return None
    persona = None
    for r in records.get(Kind.DEVICE_PERSONA_ENTERED, [])[-1:]:
        b = r["body"]
        persona = PersonaEntered(seq=r["seq"], time=r["t_wall"], persona=_text(b.get("persona"), 20),
                                 age=int(b.get("age") or 0), birthdate=_text(b.get("birthdate"), 20),
                                 value=_text(b.get("value"), 100), entry=_text(b.get("entry"), 20),
                                 shown_in_field=b.get("shown_in_field") is True,
                                 gate_closed=b.get("gate_closed") is True,
                                 screenshot_sha256=r.get("artifact"))
    dialogs = tuple(ConsentDialogSeen(
        seq=r["seq"], time=r["t_wall"], layer=int(r["body"].get("layer") or 1), found=r["body"].get("found") is True,
        controls=tuple(ConsentControl(role=_text(c.get("role"), 20), label=_text(c.get("label"), 200),
                                      language=_text(c.get("language"), 5)) for c in r["body"].get("controls") or []),
        keywords=tuple(_text(k, 60) for k in r["body"].get("keywords") or []),
        dark_patterns=tuple(_text(p, 60) for p in r["body"].get("dark_patterns") or []),
        in_webview=r["body"].get("in_webview") is True,
        screenshot_sha256=r.get("artifact")) for r in records.get(Kind.DEVICE_CONSENT_DIALOG, [])[:MAX_ROWS])
    choices = sorted((ConsentChoice(seq=r["seq"], time=r["t_wall"], choice=choice,
                                    label=_text((r["body"].get("control") or {}).get("label"), 200),
                                    layer=int(r["body"].get("layer") or 1))
                      for kind, choice in ((Kind.DEVICE_CONSENT_ACCEPTED, "accepted"),
                                           (Kind.DEVICE_CONSENT_REFUSED, "refused"))
                      for r in records.get(kind, [])[:MAX_ROWS]), key=lambda c: c.seq)
    states = tuple(ConsentStateRead(seq=r["seq"], time=r["t_wall"], when=_text(r["body"].get("when"), 40),
                                    how=_how(r["body"].get("how")), keys=r["body"].get("keys"),
                                    ump=r["body"].get("ump"))
                   for r in records.get(Kind.DEVICE_CONSENT_STATE, [])[:MAX_ROWS])
    return ConsentUi(persona=persona, dialogs=dialogs, choices=tuple(choices), states=states)
