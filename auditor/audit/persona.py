"""The persona an audit establishes in the app: who the user claims to be at its age gate or sign-up.

A persona is an age (child 13, teen 16, adult 30: the ages the child-protection claims turn on, as in
DiffAudit), and from the audit's date a birthdate that makes the user exactly that old (its birthday a
month past, so the age holds for the whole audit and its day). The age gate is found on the screen as an
editable field whose label or hint asks for an age, a birth year or a birthdate (en, nl, de); what is typed
follows what it asks for, in the date order its hint shows (DD-MM-YYYY, TT.MM.JJJJ, …; ISO otherwise).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from auditor.audit.consent_dialog import control_label
from auditor.audit.hierarchy import Hierarchy, Node
from auditor.errors import InputError


class Persona(enum.StrEnum):
    CHILD = "child"
    TEEN = "teen"
    ADULT = "adult"


AGES = {Persona.CHILD: 13, Persona.TEEN: 16, Persona.ADULT: 30}


class Entry(enum.StrEnum):
    """How the persona reaches the app: auditor types it (scripted UI step) or the operator does."""

    SCRIPTED = "scripted"
    OPERATOR = "operator"


AGE_WORDS = ("age", "how old", "leeftijd", "hoe oud", "alter", "wie alt")
YEAR_WORDS = ("year of birth", "birth year", "geboortejaar", "geburtsjahr")
DATE_WORDS = ("birthday", "date of birth", "birthdate", "born", "geboortedatum", "geboren", "geburtsdatum",
              "geburtstag", "geboren am")
CONFIRM_WORDS = ("continue", "confirm", "next", "ok", "submit", "done", "doorgaan", "bevestigen", "volgende",
                 "verder", "klaar", "weiter", "bestätigen", "fertig")
_DATE_HINT = re.compile(r"(dd|tt|mm|yyyy|jjjj)([./-])(dd|tt|mm)\2(dd|tt|mm|yyyy|jjjj)")


def persona(name: str) -> Persona:
    try:
        return Persona(name)
    except ValueError:
        raise InputError("--persona", f"{name!r}: one of {', '.join(p.value for p in Persona)}") from None


def birthdate(who: Persona, on: date) -> date:
    """A birthdate that makes `who` exactly AGES[who] years old on `on`, its birthday a month past."""
    month_ago = on - timedelta(days=31)
    year = month_ago.year - AGES[who]
    # 29 February in a year without one: the day before
    day = min(month_ago.day, 28) if month_ago.month == 2 else month_ago.day
    return date(year, month_ago.month, day)


@dataclass(frozen=True)
class AgeGate:
    field: Node
    asks: str                       # "age", "year" or "date"
    date_format: str                # strftime form the field's hint shows (asks == "date")
    confirm: Node | None            # the control that submits it

    def value(self, who: Persona, on: date) -> str:
        born = birthdate(who, on)
        if self.asks == "age":
            return str(AGES[who])
        if self.asks == "year":
            return str(born.year)
        return born.strftime(self.date_format)


def _words(text: str, words: tuple[str, ...]) -> bool:
    return any(re.search(r"(?<!\w)" + re.escape(w) + r"(?!\w)", text) for w in words)


def _date_format(hint: str) -> str:
    match = _DATE_HINT.search(hint)
    if match is None:
        return "%Y-%m-%d"
    codes = {"dd": "%d", "tt": "%d", "mm": "%m", "yyyy": "%Y", "jjjj": "%Y"}
    sep = match.group(2)
    return sep.join(codes[match.group(i)] for i in (1, 3, 4))


def _asks(text: str) -> str | None:
    if _words(text, YEAR_WORDS):
        return "year"
    if _words(text, DATE_WORDS) or _DATE_HINT.search(text):
        return "date"
    return "age" if _words(text, AGE_WORDS) else None


def find_age_gate(hierarchy: Hierarchy) -> AgeGate | None:
    """The age gate on this screen: an editable field asking for an age, a birth year or a birthdate (by its
    own hint first, else by the screen's text), and the control that submits it."""
    screen = " ".join(hierarchy.text().lower().split())
    for node in (n for n in hierarchy.nodes if n.editable):
        own = node.label.lower()
        asks = _asks(own) or _asks(screen)
        if asks is not None:
            confirm = next((n for n in hierarchy.nodes if n.clickable and not n.editable
                            and _words(control_label(hierarchy, n).lower(), CONFIRM_WORDS)), None)
            return AgeGate(node, asks, _date_format(own), confirm)
    return None
