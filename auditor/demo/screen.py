"""The simulated phone's screen: the reference app's age gate, consent dialog and main screen as the phone
would show them, served as `uiautomator dump` XML and `screencap -p` PNGs into the case, and taps and text
turned into the app's answers (its stdin: "birthdate VALUE", "consent", "decline").

Which screen shows follows the app: its `AUDITOR-AWAIT birthdate|consent` lines (auditor/demo/phone.py's
Screen) put the age gate or the consent dialog up until it is answered. The labels are the app's own
(MainActivity: "Accept all", "Decline"). The app is a JVM program and keeps no SharedPreferences: its
stored consent state is recorded as unknown, with that reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.demo.screens import BLUE, BUTTON, EDIT, GREY, TEXT, WHITE, Element, hierarchy_xml, hit, screenshot_png
from auditor.device.ui import Capture, ConsentStore, check_typeable, record_input, store_capture

PACKAGE = "com.example.reference"
DEVICE_PATH = "simulated phone (auditor demo)"
NO_PREFERENCES = {"en": "unknown: the simulated phone's app is a JVM program and keeps no SharedPreferences",
                  "nl": "onbekend: de app van het gesimuleerde toestel is een JVM-programma en houdt geen "
                        "SharedPreferences bij"}

# per prompt of the app, what it shows; a control's `goto` is the answer its tap gives the app
SCREENS = {
    "birthdate": [
        Element("question", TEXT, "When were you born? Enter your date of birth", (60, 400, 1020, 500)),
        Element("birthdate", EDIT, "DD-MM-YYYY", (60, 560, 1020, 680), WHITE, True),
        Element("next", BUTTON, "Continue", (60, 800, 1020, 920), BLUE, True, "birthdate")],
    "consent": [
        Element("dialog", "android.widget.LinearLayout", "", (60, 700, 1020, 1700)),
        Element("title", TEXT, "We value your privacy", (100, 740, 980, 820)),
        Element("body", TEXT, "We and our partners (AppsFlyer, BrightPixel Ads) use your personal data and device "
                              "identifiers for personalised advertising and measurement.", (100, 840, 980, 1100)),
        Element("accept", BUTTON, "Accept all", (100, 1300, 980, 1460), BLUE, True, "consent"),
        Element("decline", BUTTON, "Decline", (560, 1600, 980, 1660), GREY, True, "decline")],
    "home": [
        Element("paste", BUTTON, "Paste", (60, 300, 1020, 420), GREY, True),
        Element("login", BUTTON, "Log in", (60, 460, 1020, 580), GREY, True)],
}


@dataclass
class SimulatedScreen:
    """The PhoneScreen of the simulated phone; `showing()` names the app's waiting prompt (None: the main
    screen), `answer` types into the app's stdin."""

    showing: Callable[[], str | None]
    answer: Callable[[str], None]
    typed: dict[str, str] = field(default_factory=dict)
    focused: str | None = None
    dialog_shown: threading.Event = field(default_factory=threading.Event)   # a screenshot of the dialog exists

    def _elements(self) -> list[Element]:
        return SCREENS[self.showing() or "home"]

    def _store(self, kind: Kind, step: str, data: bytes, case: Case, ledger: Ledger) -> Capture:
        digest = case.artifacts.put_bytes(data)
        return store_capture(kind, step, DEVICE_PATH, digest, len(data), data, ledger)

    def dump(self, step: str, case: Case, ledger: Ledger) -> Capture:
        return self._store(Kind.DEVICE_UI_DUMP, step, hierarchy_xml(self._elements(), PACKAGE, self.typed,
                                                                    self.focused), case, ledger)

    def screenshot(self, step: str, case: Case, ledger: Ledger) -> Capture:
        if self.showing() == "consent":
            self.dialog_shown.set()
        return self._store(Kind.DEVICE_SCREENSHOT, step, screenshot_png(self._elements(), self.typed), case, ledger)

    def tap(self, step: str, x: int, y: int, ledger: Ledger) -> None:
        target = hit(self._elements(), x, y)
        record_input(step, {"action": "tap", "x": x, "y": y}, f"input tap {x} {y}", 0, ledger)
        if target is None:
            return
        if target.editable:
            self.focused = target.id
        elif target.goto == "birthdate":
            self.answer(f"birthdate {self.typed.get('birthdate', '')}")
            self.typed.clear()
        elif target.goto is not None:
            self.answer(target.goto)

    def type_text(self, step: str, text: str, ledger: Ledger) -> None:
        check_typeable(text)
        record_input(step, {"action": "text", "text": text}, f"input text {text}", 0, ledger)
        if self.focused is not None:
            self.typed[self.focused] = self.typed.get(self.focused, "") + text

    def consent_store(self, package: str) -> ConsentStore:
        return ConsentStore(None, NO_PREFERENCES, f"/data/data/{package}/shared_prefs/{package}_preferences.xml")
