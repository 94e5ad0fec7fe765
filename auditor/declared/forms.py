"""The two declaration forms an operator fills in (or exports) for a case, read from JSON or YAML and checked
field by field: docs/declared.md documents both.

Data safety (`auditor-data-safety/1`): what the Play Store listing says the app collects (sends off the
device) and shares (with third parties), by Google's data types, or that it collects / shares nothing.
Privacy policy (`auditor-privacy-policy/1`): the recipients it names (with their domains and country) and
the countries it says data goes to; a recipient it names as processing on the app's behalf (`processor:
true`) is, by Google's service-provider rule, no sharing. Both carry `source` (where and when the text was
read) and, per entry, an optional `quote` of the declaration's own words, which findings then quote.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from auditor.contract.document import Bilingual
from auditor.errors import InputError
from auditor.inputs import read_bounded

DATA_SAFETY_FORMAT = "auditor-data-safety/1"
POLICY_FORMAT = "auditor-privacy-policy/1"
MAX_FORM_BYTES = 64 << 10           # two forms, JSON-escaped, stay inside one ledger line
# Google Play's Data safety data types (Play Console help, "Data types"), as the form must spell them.
PLAY_DATA_TYPES = (
    "Approximate location", "Precise location", "Name", "Email address", "User IDs", "Address", "Phone number",
    "Race and ethnicity", "Political or religious beliefs", "Sexual orientation", "Other info",
    "User payment info", "Purchase history", "Credit score", "Other financial info", "Health info",
    "Fitness info", "Emails", "SMS or MMS", "Other in-app messages", "Photos", "Videos", "Voice or sound recordings",
    "Music files", "Other audio files", "Files and docs", "Calendar events", "Contacts", "App interactions",
    "In-app search history", "Installed apps", "Other user-generated content", "Other actions", "Web browsing history",
    "Crash logs", "Diagnostics", "Other app performance data", "Device or other IDs")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


@dataclass(frozen=True)
class DataTypeEntry:
    data_type: str
    purposes: tuple[str, ...]
    quote: str | None


@dataclass(frozen=True)
class DataSafety:
    app: str
    source: str
    collects_nothing: bool
    shares_nothing: bool
    collected: tuple[DataTypeEntry, ...]
    shared: tuple[DataTypeEntry, ...]

    def says(self, part: str) -> Bilingual:
        """What the form says is collected / shared, as a finding quotes it (Play's data type names as the
        form gives them)."""
        nothing = self.collects_nothing if part == "collected" else self.shares_nothing
        nl_part = "verzameld" if part == "collected" else "gedeeld"
        if nothing:
            return Bilingual(en=f"Data safety ({self.source}): no data {part}",
                             nl=f"Data safety ({self.source}): geen gegevens {nl_part}")
        entries = self.collected if part == "collected" else self.shared
        listed = "; ".join(e.data_type for e in entries)
        return Bilingual(en=f"Data safety ({self.source}): data {part}: {listed or 'none'}",
                         nl=f"Data safety ({self.source}): gegevens {nl_part}: {listed or 'geen'}")

    def declares(self, part: str, data_type: str) -> bool:
        entries = self.collected if part == "collected" else self.shared
        return any(e.data_type == data_type for e in entries)


@dataclass(frozen=True)
class NamedRecipient:
    name: str
    domains: tuple[str, ...]
    country: str | None
    quote: str | None
    processor: bool                 # the policy says it processes the data on the app's behalf


@dataclass(frozen=True)
class Policy:
    source: str
    recipients: tuple[NamedRecipient, ...]
    countries: tuple[str, ...]
    quote: str | None

    def names(self, domain: str | None, entity: str | None) -> NamedRecipient | None:
        for named in self.recipients:
            if domain and any(domain == d or domain.endswith("." + d) for d in named.domains):
                return named
            if entity and named.name.casefold() == entity.casefold():
                return named
        return None

    def all_countries(self) -> set[str]:
        return set(self.countries) | {r.country for r in self.recipients if r.country}


class _Reader:
    """Checks one form's fields, naming the file and the field in every error."""

    def __init__(self, path: Path | str):
        self.path = path

    def fail(self, where: str, problem: str) -> InputError:
        return InputError(self.path, f"{where}: {problem}")

    def mapping(self, value: Any, where: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(map(str, value)) - allowed)
        if unknown:
            raise self.fail(where, f"unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
        missing = sorted(required - set(value))
        if missing:
            raise self.fail(where, f"missing field(s) {', '.join(missing)}")
        return value

    def text(self, value: Any, where: str, optional: bool = False) -> str | None:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip() or len(value) > 4000:
            raise self.fail(where, "must be a non-empty text of at most 4000 characters")
        return value.strip()

    def flag(self, value: Any, where: str) -> bool:
        if not isinstance(value, bool):
            raise self.fail(where, "must be true or false")
        return value

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > 500:
            raise self.fail(where, "must be a list (at most 500 entries)")
        return value

    def country(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _COUNTRY.match(value):
            raise self.fail(where, f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. NL, US)")
        return value


@dataclass(frozen=True)
class FormFile:
    """A form as given: its bytes (kept in the ledger, so analysis reads what the operator gave) and syntax."""

    name: str
    raw: bytes
    json: bool

    @classmethod
    def read(cls, path: Path) -> FormFile:
        return cls(path.name, read_bounded(path, MAX_FORM_BYTES, "declaration form"), path.suffix.lower() == ".json")

    def data(self) -> Any:
        try:
            return json.loads(self.raw) if self.json else yaml.safe_load(self.raw)
        except (ValueError, yaml.YAMLError) as exc:
            raise InputError(self.name, f"not valid {'JSON' if self.json else 'YAML'}: {exc}") from None


def read_data_safety(form: FormFile) -> DataSafety:
    r = _Reader(form.name)
    data = r.mapping(form.data(), "the form", {"format", "app", "source", "collects_nothing", "shares_nothing",
                                                "collected", "shared"},
                     {"format", "app", "source", "collects_nothing", "shares_nothing"})
    if data["format"] != DATA_SAFETY_FORMAT:
        raise r.fail("format", f"must be {DATA_SAFETY_FORMAT!r}, not {data['format']!r}")

    def entries(part: str) -> tuple[DataTypeEntry, ...]:
        found = []
        for index, item in enumerate(r.items(data.get(part), part)):
            where = f"{part}[{index}]"
            entry = r.mapping(item, where, {"data_type", "purposes", "quote"}, {"data_type"})
            if entry["data_type"] not in PLAY_DATA_TYPES:
                raise r.fail(f"{where}.data_type", f"{entry['data_type']!r} is not one of Play's data types "
                                                   f"({', '.join(PLAY_DATA_TYPES)})")
            purposes = tuple(str(r.text(p, f"{where}.purposes")) for p in r.items(entry.get("purposes"),
                                                                                f"{where}.purposes"))
            found.append(DataTypeEntry(entry["data_type"], purposes, r.text(entry.get("quote"), f"{where}.quote",
                                                                            optional=True)))
        return tuple(found)

    form = DataSafety(app=str(r.text(data["app"], "app")), source=str(r.text(data["source"], "source")),
                      collects_nothing=r.flag(data["collects_nothing"], "collects_nothing"),
                      shares_nothing=r.flag(data["shares_nothing"], "shares_nothing"),
                      collected=entries("collected"), shared=entries("shared"))
    if form.collects_nothing and form.collected:
        raise r.fail("collected", "lists data types although collects_nothing is true")
    if form.shares_nothing and form.shared:
        raise r.fail("shared", "lists data types although shares_nothing is true")
    return form


def read_policy(form: FormFile) -> Policy:
    r = _Reader(form.name)
    data = r.mapping(form.data(), "the form", {"format", "source", "recipients", "countries", "quote"},
                     {"format", "source"})
    if data["format"] != POLICY_FORMAT:
        raise r.fail("format", f"must be {POLICY_FORMAT!r}, not {data['format']!r}")
    recipients = []
    for index, item in enumerate(r.items(data.get("recipients"), "recipients")):
        where = f"recipients[{index}]"
        entry = r.mapping(item, where, {"name", "domains", "country", "quote", "processor"}, {"name"})
        domains = []
        for number, domain in enumerate(r.items(entry.get("domains"), f"{where}.domains")):
            if not isinstance(domain, str) or not _DOMAIN.match(domain):
                raise r.fail(f"{where}.domains[{number}]", f"{domain!r} is not a lower-case domain name")
            domains.append(domain)
        country = None if entry.get("country") is None else r.country(entry["country"], f"{where}.country")
        recipients.append(NamedRecipient(str(r.text(entry["name"], f"{where}.name")), tuple(domains), country,
                                         r.text(entry.get("quote"), f"{where}.quote", optional=True),
                                         r.flag(entry.get("processor", False), f"{where}.processor")))
    countries = tuple(r.country(c, f"countries[{i}]") for i, c in enumerate(r.items(data.get("countries"),
                                                                                  "countries")))
    return Policy(str(r.text(data["source"], "source")), tuple(recipients), countries,
                  r.text(data.get("quote"), "quote", optional=True))
