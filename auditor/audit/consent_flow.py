"""The audit's UI step: the persona entered at the app's age gate, then the consent dialog found, its
controls classified and the plan's choice made — each screen dumped and photographed into the case.

The choice is auditor's (a tap at the centre of the accept or refuse control; refusal looks on the second
layer when the first has none) or the operator's (auditor waits until the dialog is gone; the operator's
mark is the record), or none (the dialog is left open: what the app sends before any choice). The consent
state the app stored is read before and after the choice where the device allows it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from auditor.audit.components import PhoneScreen
from auditor.audit.consent_dialog import Choice, ConsentDialog, Control, Role, controls, emphasis, find_dialog
from auditor.audit.hierarchy import Bounds, Hierarchy, parse_hierarchy
from auditor.audit.persona import AGES, AgeGate, Entry, Persona, birthdate, find_age_gate
from auditor.audit.pixels import contrast_ratios
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.device.ui import Capture
from auditor.errors import CheckFailed, InputError

POLL_SECONDS = 1.0
T = TypeVar("T")


@dataclass(frozen=True)
class Look:
    hierarchy: Hierarchy
    dump: Capture


@dataclass
class ConsentFlow:
    screen: PhoneScreen
    case: Case
    ledger: Ledger
    package: str
    say: Callable[[str], None]
    wait: float                               # seconds to wait for each expected screen
    today: date

    def _look(self, step: str) -> Look:
        dump = self.screen.dump(step, self.case, self.ledger)
        return Look(parse_hierarchy(dump.data, f"UI dump {dump.sha256[:12]} ({step})"), dump)

    def _until(self, step: str, find: Callable[[Hierarchy], T | None], gone: bool = False) -> tuple[T | None, Look]:
        """Dump the screen until `find` sees it (or, with gone, no longer sees it) or the wait is over."""
        deadline = time.monotonic() + self.wait
        while True:
            look = self._look(step)
            found = find(look.hierarchy)
            if (found is None) == gone or time.monotonic() >= deadline:
                return found, look
            time.sleep(POLL_SECONDS)

    # -- the persona -------------------------------------------------------------------------------
    def enter_persona(self, who: Persona, entry: Entry) -> None:
        gate, look = self._until("wait for the age gate", find_age_gate)
        if gate is None:
            raise CheckFailed(f"no age gate (a field asking for an age or birthdate) within {self.wait:g} s")
        value = gate.value(who, self.today)
        before = self.screen.screenshot("age gate shown", self.case, self.ledger)
        if entry == Entry.SCRIPTED:
            self.screen.tap("age gate", *gate.field.bounds.centre, self.ledger)
            self.screen.type_text("age gate", value, self.ledger)
        else:
            self.say(f"operator: type {value} into the app's age gate ({gate.asks}), do not confirm yet")
            _, look = self._until("wait for the operator's entry", lambda h: _shows(h, gate, value))
        filled, filled_look = self._until("age gate filled in", lambda h: _shows(h, gate, value))
        evidence = self.screen.screenshot("age gate filled in", self.case, self.ledger)
        if entry == Entry.SCRIPTED and gate.confirm is not None:
            self.screen.tap("age gate", *gate.confirm.bounds.centre, self.ledger)
        elif entry == Entry.OPERATOR:
            self.say("operator: now confirm the age gate")
        still, after_look = self._until("age gate confirmed", find_age_gate, gone=True)
        after = self.screen.screenshot("age gate confirmed", self.case, self.ledger)
        self.ledger.append("device", Kind.DEVICE_PERSONA_ENTERED, {
            "persona": str(who), "age": AGES[who], "birthdate": birthdate(who, self.today).isoformat(),
            "asks": gate.asks, "value": value, "entry": str(entry),
            "field": {"resource_id": gate.field.resource_id, "label": gate.field.label,
                      "bounds": _box(gate.field.bounds)},
            "shown_in_field": filled is not None, "gate_closed": still is None,
            "dumps": [look.dump.seq, filled_look.dump.seq, after_look.dump.seq],
            "screenshots": [before.seq, evidence.seq, after.seq]}, artifact=evidence.sha256)
        if filled is None:
            raise CheckFailed(f"the age gate does not show the persona's {gate.asks} {value} after it was typed")
        self.say(f"persona {who} ({AGES[who]}) entered at the age gate as {value}"
                 + ("" if still is None else "; the age gate is still on the screen"))

    # -- consent -----------------------------------------------------------------------------------
    def consent(self, choice: Choice) -> None:
        self._store("before the choice")
        dialog, look = self._until("wait for the consent dialog", find_dialog)
        if dialog is None:
            self.ledger.append("device", Kind.DEVICE_CONSENT_DIALOG, {"layer": 1, "found": False,
                                                                     "waited_seconds": self.wait,
                                                                     "dump": look.dump.seq})
            self.say(f"no consent dialog found within {self.wait:g} s")
            return
        self._record_dialog(dialog, look, 1)
        if choice == Choice.ACCEPT:
            self._tap(dialog.first(Role.ACCEPT), Kind.DEVICE_CONSENT_ACCEPTED, 1)
        elif choice == Choice.REFUSE:
            self._refuse(dialog)
        elif choice == Choice.OPERATOR:
            self.say(f"operator: make the consent choice on the phone and record it with 'auditor mark "
                     f"{self.case.root} TEXT --kind consent-accepted|consent-refused'")
            self._until("wait for the operator's choice", find_dialog, gone=True)
        else:
            self.say("consent dialog left open: no choice is made")
            return
        self._until("after the consent choice", find_dialog, gone=True)
        self.screen.screenshot("after the consent choice", self.case, self.ledger)
        self._store("after the choice")

    def _refuse(self, dialog: ConsentDialog) -> None:
        refuse = dialog.first(Role.REFUSE)
        if refuse is not None:
            self._tap(refuse, Kind.DEVICE_CONSENT_REFUSED, 1)
            return
        more = dialog.first(Role.SETTINGS)
        if more is None:
            raise CheckFailed("the consent dialog offers no refuse control and no second layer to refuse on")
        self.screen.tap("consent dialog, layer 1: more options", *more.bounds.centre, self.ledger)
        second, look = self._until("consent dialog, layer 2",
                                   lambda h: next((c for c in controls(h) if c.role == Role.REFUSE), None))
        if second is None:
            raise CheckFailed(f"no refuse control on the consent dialog's second layer within {self.wait:g} s")
        found = controls(look.hierarchy)
        layer2 = ConsentDialog((), tuple(found), second.bounds, 0.0)
        self._record_dialog(layer2, look, 2)
        self._tap(second, Kind.DEVICE_CONSENT_REFUSED, 2)

    def _record_dialog(self, dialog: ConsentDialog, look: Look, layer: int) -> None:
        shot = self.screen.screenshot(f"consent dialog, layer {layer}", self.case, self.ledger)
        contrast, problem = None, None
        regions = {c.node: c.bounds for c in dialog.controls}
        try:
            contrast = contrast_ratios(shot.data, f"screenshot {shot.sha256[:12]}", dialog.box, regions)
        except InputError as exc:
            problem = str(exc)
        record = dialog.record(emphasis(dialog, contrast)) if layer == 1 else {
            "controls": [c.record() for c in dialog.controls]}
        self.ledger.append("device", Kind.DEVICE_CONSENT_DIALOG, {
            "layer": layer, "found": True, **record, "contrast_problem": problem, "dump": look.dump.seq,
            "screenshot": shot.seq}, artifact=shot.sha256)
        if layer == 1:
            self.say(f"consent dialog found: {', '.join(f'{c.role} {c.label!r}' for c in dialog.controls)}"
                     + "".join(f"; dark pattern: {p}" for p in record["dark_patterns"]))  # type: ignore[union-attr]

    def _tap(self, control: Control | None, kind: Kind, layer: int) -> None:
        assert control is not None, "find_dialog only returns dialogs with an accept control"
        # the choice is recorded before the tap: what the app sends in answer comes after it on every clock
        self.ledger.append("device", kind, {"text": f"auditor tapped {control.label!r} ({control.role}) on layer "
                                                    f"{layer} of the consent dialog", "via": "auditor audit",
                                            "layer": layer, "control": control.record()})
        self.screen.tap(f"consent dialog, layer {layer}: {control.role}", *control.bounds.centre, self.ledger)
        self.say(f"consent: tapped {control.label!r}")

    def _store(self, when: str) -> None:
        store = self.screen.consent_store(self.package)
        self.ledger.append("device", Kind.DEVICE_CONSENT_STATE, {"when": when, "path": store.path, "how": store.how,
                                                                "keys": store.keys, "ump": store.ump})


def _shows(hierarchy: Hierarchy, gate: AgeGate, value: str) -> bool | None:
    """True when the age gate's field (same resource id, or same place) shows the value; None otherwise."""
    field = gate.field
    for node in hierarchy.nodes:
        same = node.resource_id == field.resource_id if field.resource_id else node.bounds == field.bounds
        if node.editable and same and node.text.strip() == value:
            return True
    return None


def _box(b: Bounds) -> list[int]:
    return [b.left, b.top, b.right, b.bottom]
