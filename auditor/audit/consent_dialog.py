"""Consent dialogs found in the UI hierarchy, their controls classified, their dark patterns named.

After Koch, Altpeter and Johns (USENIX Security 2023): a screen is a consent dialog when its text carries
enough consent vocabulary (keyword score) and it offers a control to agree (layout); each clickable
control is classified by its label as accept, refuse or settings (more options, a second layer), in
English, Dutch and German. Negations are listed with refusal ("do not agree"), and refusal is matched
first, so "niet akkoord" is never taken for "akkoord". Two dark patterns are decided from one screen: no
refuse control on the first layer, and accept emphasised over refuse (a larger control, or a fill that
stands out more from the dialog; the latter needs the screenshot). The third, refusal not respected, needs
the traffic after the choice: `auditor compare` decides it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from auditor.audit.hierarchy import WEBVIEW_CLASS, Bounds, Hierarchy, Node
from auditor.contract.vocabulary import DarkPattern

# words of the dialog's text; each distinct hit adds one to the keyword score
CONSENT_WORDS = {
    "en": ("consent", "cookies", "privacy", "personal data", "partners", "personalised", "personalized",
           "advertising", "ads", "third parties", "legitimate interest", "your data", "we and our"),
    "nl": ("toestemming", "cookies", "privacy", "persoonsgegevens", "partners", "gepersonaliseerde",
           "advertenties", "derden", "gerechtvaardigd belang", "uw gegevens", "jouw gegevens", "wij en onze"),
    "de": ("einwilligung", "cookies", "datenschutz", "personenbezogene", "partner", "personalisierte",
           "werbung", "dritte", "berechtigtes interesse", "ihre daten", "wir und unsere"),
}
REFUSE_WORDS = {
    "en": ("reject", "refuse", "decline", "deny", "disagree", "do not agree", "don't agree", "do not accept",
           "do not consent", "don't consent", "no thanks", "no, thanks", "continue without", "necessary only",
           "only necessary", "essential only", "only essential"),
    "nl": ("weigeren", "afwijzen", "niet akkoord", "niet accepteren", "geen toestemming", "nee, bedankt",
           "nee bedankt", "alleen noodzakelijk", "alleen functioneel", "doorgaan zonder"),
    "de": ("ablehnen", "verweigern", "nicht zustimmen", "nicht einverstanden", "nicht akzeptieren",
           "nein, danke", "nein danke", "nur notwendige", "nur erforderliche", "weiter ohne"),
}
SETTINGS_WORDS = {
    "en": ("settings", "options", "manage", "customise", "customize", "preferences", "more info", "learn more",
           "details", "choose"),
    "nl": ("instellingen", "opties", "beheren", "aanpassen", "voorkeuren", "meer info", "meer informatie",
           "details", "kiezen"),
    "de": ("einstellungen", "optionen", "verwalten", "anpassen", "präferenzen", "mehr info",
           "mehr erfahren", "details", "auswählen"),
}
ACCEPT_WORDS = {
    "en": ("accept", "agree", "allow", "consent", "ok", "okay", "got it", "continue", "i understand", "yes"),
    "nl": ("accepteren", "accepteer", "akkoord", "toestaan", "toestemmen", "ga door", "doorgaan", "begrepen",
           "ja", "oké"),
    "de": ("akzeptieren", "zustimmen", "einverstanden", "erlauben", "zulassen", "annehmen", "verstanden",
           "weiter", "ja", "okay"),
}
BUTTON_CLASS = "android.widget.Button"
# a dialog needs this many distinct consent words and a control to agree (the anchor's thresholds differ:
# it scores web-view text as well; a native dialog says less)
MIN_KEYWORD_SCORE = 2
# accept is emphasised when its control is this much larger, or its fill this much more contrasting
EMPHASIS_RATIO = 1.5


class Choice(enum.StrEnum):
    """What the audit does with the consent dialog: auditor taps accept or refuse, the operator chooses, or
    nobody does (the dialog stays open)."""

    ACCEPT = "accept"
    REFUSE = "refuse"
    OPERATOR = "operator"
    NONE = "none"


class Role(enum.StrEnum):
    ACCEPT = "accept"
    REFUSE = "refuse"
    SETTINGS = "settings"


@dataclass(frozen=True)
class Control:
    role: Role
    label: str
    keyword: str                    # the word that classified it
    language: str
    bounds: Bounds
    node: int                       # the clickable node's index in the dump

    def record(self) -> dict[str, object]:
        b = self.bounds
        return {"role": str(self.role), "label": self.label, "keyword": self.keyword, "language": self.language,
                "bounds": [b.left, b.top, b.right, b.bottom], "centre": list(b.centre), "node": self.node}


@dataclass(frozen=True)
class Emphasis:
    """How accept compares with refuse: control area ratio, and (with a screenshot) fill contrast ratio."""

    area_ratio: float
    contrast_ratio: float | None

    @property
    def emphasised(self) -> bool:
        return self.area_ratio >= EMPHASIS_RATIO or (self.contrast_ratio or 0.0) >= EMPHASIS_RATIO


@dataclass(frozen=True)
class ConsentDialog:
    keywords: tuple[str, ...]       # the consent words of its text, sorted (a word several languages share once)
    controls: tuple[Control, ...]
    box: Bounds                     # the smallest node holding the text and every control
    screen_share: float             # the box's share of the screen's area
    in_webview: bool = False        # its controls are web content inside an android.webkit.WebView (a web CMP)

    @property
    def score(self) -> int:
        return len(self.keywords)

    def first(self, role: Role) -> Control | None:
        return next((c for c in self.controls if c.role == role), None)

    def dark_patterns(self, emphasis: Emphasis | None) -> list[DarkPattern]:
        found = []
        if self.first(Role.ACCEPT) is not None and self.first(Role.REFUSE) is None:
            found.append(DarkPattern.NO_REFUSE_FIRST_LAYER)
        if emphasis is not None and emphasis.emphasised:
            found.append(DarkPattern.ACCEPT_EMPHASISED)
        return found

    def record(self, emphasis: Emphasis | None) -> dict[str, object]:
        return {"score": self.score, "keywords": list(self.keywords), "in_webview": self.in_webview,
                "controls": [c.record() for c in self.controls],
                "box": [self.box.left, self.box.top, self.box.right, self.box.bottom],
                "screen_share": round(self.screen_share, 3),
                "emphasis": None if emphasis is None else {
                    "area_ratio": round(emphasis.area_ratio, 3),
                    "contrast_ratio": None if emphasis.contrast_ratio is None else round(emphasis.contrast_ratio, 3)},
                "dark_patterns": [str(p) for p in self.dark_patterns(emphasis)]}


def _normal(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


def _hit(text: str, word: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(word) + r"(?!\w)", text) is not None


def _first_hit(text: str, lists: dict[str, tuple[str, ...]]) -> tuple[str, str] | None:
    """The longest listed word the text contains, with its language (longest first: 'accept all' over 'ok')."""
    hits = [(len(w), lang, w) for lang, words in lists.items() for w in words if _hit(text, w)]
    if not hits:
        return None
    _, lang, word = max(hits)
    return lang, word


def classify(label: str) -> tuple[Role, str, str] | None:
    """A control's role from its label: (role, language, keyword), refusal matched before anything else."""
    text = _normal(label)
    for role, lists in ((Role.REFUSE, REFUSE_WORDS), (Role.SETTINGS, SETTINGS_WORDS), (Role.ACCEPT, ACCEPT_WORDS)):
        hit = _first_hit(text, lists)
        if hit is not None:
            return role, hit[0], hit[1]
    return None


def control_label(hierarchy: Hierarchy, node: Node) -> str:
    """A clickable node's label: its own, else the labels of the nodes inside its bounds below it."""
    if node.label:
        return node.label
    inside = (n.label for n in hierarchy.nodes[node.index + 1:]
              if n.depth > node.depth and node.bounds.contains(n.bounds) and n.label)
    return " ".join(inside)


def _control_node(hierarchy: Hierarchy, node: Node) -> bool:
    """A node a user can press. In a WebView the page's elements appear as android.view.View and
    android.widget.Button nodes (Chromium's accessibility tree); a button whose click handler sits on an
    ancestor (event delegation, as CMP scripts do) can be reported not clickable, so there a Button counts
    by its class."""
    if node.editable or node.cls == WEBVIEW_CLASS:      # the WebView itself holds the whole page, not a control
        return False
    return node.clickable or (node.cls == BUTTON_CLASS and hierarchy.in_webview(node))


def controls(hierarchy: Hierarchy) -> list[Control]:
    found = []
    for node in hierarchy.nodes:
        if not _control_node(hierarchy, node):
            continue
        label = control_label(hierarchy, node)
        role = classify(label) if label else None
        if role is not None:
            found.append(Control(role[0], label, role[2], role[1], node.bounds, node.index))
    return found


def _keywords(texts: Iterable[str]) -> tuple[str, ...]:
    text = _normal(" ".join(texts))
    return tuple(sorted({w for words in CONSENT_WORDS.values() for w in words if _hit(text, w)}))


def _enclosing(hierarchy: Hierarchy, boxes: list[Bounds]) -> Bounds:
    holders = [n.bounds for n in hierarchy.nodes if all(n.bounds.contains(b) for b in boxes)]
    return min(holders, key=lambda b: b.area, default=hierarchy.screen)


def find_dialog(hierarchy: Hierarchy) -> ConsentDialog | None:
    """The consent dialog on this screen, or None when its text scores too low or nothing lets one agree."""
    found = controls(hierarchy)
    if not any(c.role == Role.ACCEPT for c in found):
        return None
    box = _enclosing(hierarchy, [c.bounds for c in found])
    # the dialog's text: what the box holds that is not a control's label
    labels = {c.label for c in found}
    keywords = _keywords(n.label for n in hierarchy.within(box) if n.label and n.label not in labels)
    web = any(hierarchy.in_webview(hierarchy.nodes[c.node]) for c in found if c.role == Role.ACCEPT)
    dialog = ConsentDialog(keywords, tuple(found), box, box.area / max(1, hierarchy.screen.area), web)
    return dialog if dialog.score >= MIN_KEYWORD_SCORE else None


def emphasis(dialog: ConsentDialog, contrast: dict[int, float] | None) -> Emphasis | None:
    """Accept against refuse, when both are on the screen; `contrast` maps a control's node to its fill's
    contrast ratio with the dialog (from the screenshot), None without one."""
    accept, refuse = dialog.first(Role.ACCEPT), dialog.first(Role.REFUSE)
    if accept is None or refuse is None:
        return None
    ratio = None
    if contrast is not None:
        ratio = contrast[accept.node] / max(contrast[refuse.node], 1.0)
    return Emphasis(accept.bounds.area / max(1, refuse.bounds.area), ratio)
