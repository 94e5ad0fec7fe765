"""A scripted app screen for the scripted phone: what `uiautomator dump` and `screencap -p` show, what
`input tap` / `input text` do to it, and the IAB consent keys it stores in its SharedPreferences.

Screens are elements with bounds and a fill colour; a tap on a clickable element moves to its `goto`
screen and stores its `sets` keys; text goes into the focused field. The dump (uiautomator's XML)
and the screenshot are drawn by auditor/demo/screens.py, which draws the demo's simulated phone too.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from auditor.demo.screens import BLUE, BUTTON, EDIT, GREY, TEXT, WHITE, Element, hierarchy_xml, hit, screenshot_png
from auditor.device.ui import UMP_PREFS


@dataclass
class ScriptedApp:
    package: str
    screens: dict[str, list[Element]]
    current: str
    debuggable: bool = True
    typed: dict[str, str] = field(default_factory=dict)
    focused: str | None = None
    prefs: dict[str, str] = field(default_factory=dict)
    ump: dict[str, str] = field(default_factory=dict)      # Google UMP's own file, once the app wrote it
    taps: list[tuple[int, int, str | None]] = field(default_factory=list)   # x, y, element id hit

    @property
    def prefs_path(self) -> str:
        return f"/data/data/{self.package}/shared_prefs/{self.package}_preferences.xml"

    @property
    def ump_path(self) -> str:
        return f"/data/data/{self.package}/shared_prefs/{UMP_PREFS}.xml"

    def dump(self) -> bytes:
        return hierarchy_xml(self.screens[self.current], self.package, self.typed, self.focused)

    def png(self) -> bytes:
        return screenshot_png(self.screens[self.current], self.typed)

    def tap(self, x: int, y: int) -> None:
        target = hit(self.screens[self.current], x, y)
        self.taps.append((x, y, target.id if target else None))
        if target is None:
            return
        if target.editable:
            self.focused = target.id
            return
        self.prefs.update(target.sets)
        if target.sets:             # a choice made: UMP records its ConsentStatus OBTAINED (3), whichever it was
            self.ump.update(UMP_OBTAINED)
        if target.goto is not None:
            self.current, self.focused = target.goto, None

    def type(self, text: str) -> None:
        if self.focused is not None:
            self.typed[self.focused] = self.typed.get(self.focused, "") + text.replace("%s", " ")

    def prefs_xml(self, prefs: dict[str, str] | None = None) -> bytes:
        root = ET.Element("map")
        for name, value in sorted((self.prefs if prefs is None else prefs).items()):
            if value.isdigit():
                ET.SubElement(root, "int", name=name, value=value)
            else:
                ET.SubElement(root, "string", name=name).text = value
        return b"<?xml version='1.0' encoding='utf-8' standalone='yes' ?>\n" + ET.tostring(root)


UMP_OBTAINED = {"consent_status": "3"}


TCF_ACCEPTED = {"IABTCF_CmpSdkID": "300", "IABTCF_gdprApplies": "1", "IABTCF_TCString": "CQaccept.AAAA",
                "IABTCF_PurposeConsents": "1111111111"}
TCF_REFUSED = {"IABTCF_CmpSdkID": "300", "IABTCF_gdprApplies": "1", "IABTCF_TCString": "CQrefuse.AAAA",
               "IABTCF_PurposeConsents": "0000000000"}


def age_gate_and_consent(package: str, refuse_on_first_layer: bool = True,
                         refusal_stores: dict[str, str] = TCF_REFUSED) -> ScriptedApp:
    """An app that opens on an age gate (birthdate, DD-MM-YYYY) and then a consent dialog: a large blue
    'Accept all', a small grey 'Reject all' (or, without refuse_on_first_layer, only 'Manage options' that
    leads to a second layer with 'Reject all'). Refusing stores `refusal_stores` (an app that stores consent
    although the user refused: TCF_ACCEPTED)."""
    first_layer = [
        Element("dialog", "android.widget.LinearLayout", "", (60, 700, 1020, 1700)),
        Element("title", TEXT, "We value your privacy", (100, 740, 980, 820)),
        Element("body", TEXT, "We and our partners use cookies and your personal data for personalised advertising "
                              "and measurement.", (100, 840, 980, 1100)),
        Element("accept", BUTTON, "Accept all", (100, 1300, 980, 1460), BLUE, True, "home", TCF_ACCEPTED),
        Element("options", BUTTON, "Manage options", (100, 1600, 520, 1660), GREY, True, "options"),
    ]
    if refuse_on_first_layer:
        first_layer.append(Element("reject", BUTTON, "Reject all", (560, 1600, 980, 1660), GREY, True, "home",
                                   refusal_stores))
    return ScriptedApp(package, current="age", screens={
        "age": [Element("question", TEXT, "When is your birthday? Enter your date of birth", (60, 400, 1020, 500)),
                Element("birthdate", EDIT, "DD-MM-YYYY", (60, 560, 1020, 680), WHITE, True),
                Element("next", BUTTON, "Continue", (60, 800, 1020, 920), BLUE, True, "consent")],
        "consent": first_layer,
        "options": [Element("purposes", TEXT, "Your choices for each purpose", (60, 200, 1020, 300)),
                    Element("reject2", BUTTON, "Reject all", (60, 2000, 520, 2120), GREY, True, "home",
                                    refusal_stores),
                    Element("save", BUTTON, "Save and exit", (560, 2000, 1020, 2120), BLUE, True, "home")],
        "home": [Element("welcome", TEXT, "Welcome", (60, 200, 1020, 300))],
    })
