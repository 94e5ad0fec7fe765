"""Layer (b) of a Chapter V assessment, who receives a flow: host -> registrable domain (Public Suffix List,
ICANN section, offline) -> service -> the legal entity that receives EEA users' data on the capture date ->
parent, each step naming its source; and the recipient's role towards the app's controller.

Sources, in order: the user's override table, the bundled recipients table, then the X-Ray 2020 owner list
(which names a group, never the receiving entity). The first party — the app's controller given for the
case, its declared domains, or an override entry marked first_party — is never a third party; "third party"
(GDPR Art. 4(10)) needs a sourced role, anyone else is "other recipient". Exodus network signatures say
whether the host is a known tracker endpoint (analyze/signatures.py).
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import publicsuffixlist

from auditor.analyze.signatures import Signatures
from auditor.case.canonical import sha256_file
from auditor.contract.document import Bilingual
from auditor.contract.findings import Recipient, Step
from auditor.contract.vocabulary import Confidence, RecipientRole
from auditor.datasets.registry import verified_path
from auditor.errors import InputError
from auditor.world import World

MAX_CONTROLLER_TEXT = 300
MAX_CONTROLLER_DOMAINS = 50
# The roles the recipients table may state, and whether each makes the recipient a third party (Art. 4(10)).
ROLES = {"processor": RecipientRole.PROCESSOR, "joint_controller": RecipientRole.JOINT_CONTROLLER,
         "independent_controller": RecipientRole.THIRD_PARTY}
# A role step's value in the report's words (GDPR Art. 4(8), 26, 4(10); AVG art. 4 punt 8, 26, 4 punt 10)
ROLE_WORDS = {RecipientRole.PROCESSOR: Bilingual(en="processor", nl="verwerker"),
              RecipientRole.JOINT_CONTROLLER: Bilingual(en="joint controller",
                                                        nl="gezamenlijke verwerkingsverantwoordelijke"),
              RecipientRole.THIRD_PARTY: Bilingual(en="third party (independent controller)",
                                                   nl="derde (zelfstandige verwerkingsverantwoordelijke)")}
# The datasets a step's source may name before its colon, recorded in inputs.json when used.
DATASET_NAMES = frozenset({"recipients", "xray-owners", "world-overrides"})
THIRD_PARTY = {RecipientRole.FIRST_PARTY: False, RecipientRole.PROCESSOR: False,
               RecipientRole.JOINT_CONTROLLER: False, RecipientRole.THIRD_PARTY: True}


@lru_cache(maxsize=1)
def _psl() -> publicsuffixlist.PublicSuffixList:
    return publicsuffixlist.PublicSuffixList(only_icann=True)


def psl_provenance() -> dict[str, str]:
    """The Public Suffix List copy shipped inside the publicsuffixlist package, with its version line."""
    path = Path(publicsuffixlist.__file__).parent / "public_suffix_list.dat"
    digest, _ = sha256_file(path)
    list_version = "unknown"
    with open(path, encoding="utf-8") as handle:
        for line in itertools.islice(handle, 200):
            if line.startswith("// VERSION:"):
                list_version = line.split(":", 1)[1].strip()
                break
    return {"name": "public-suffix-list", "version": f"{list_version} (publicsuffixlist "
            f"{importlib.metadata.version('publicsuffixlist')})", "sha256": digest, "licence": "MPL-2.0",
            "attribution": "Public Suffix List (publicsuffix.org), Mozilla Foundation"}


def registrable_domain(host: str) -> str:
    host = host.lower().rstrip(".")
    return _psl().privatesuffix(host) or host


@dataclass(frozen=True)
class Controller:
    """The app's controller (the exporter), as given for the case (`auditor case new --controller`)."""
    name: str
    source: str
    domains: tuple[str, ...] = ()

    @classmethod
    def from_case(cls, info: dict[str, Any]) -> Controller | None:
        value = info.get("controller")
        if value is None:
            return None
        if not isinstance(value, dict) or not isinstance(value.get("name"), str) or not value["name"].strip():
            raise InputError("case.json controller", "must be an object with a non-empty name")
        domains = value.get("domains") or []
        if not isinstance(domains, list) or not all(isinstance(d, str) for d in domains):
            raise InputError("case.json controller.domains", "must be a list of domain names")
        source = value.get("source") if isinstance(value.get("source"), str) else "not stated"
        return cls(value["name"][:MAX_CONTROLLER_TEXT], source[:MAX_CONTROLLER_TEXT],
                   tuple(d.lower().rstrip(".") for d in domains[:MAX_CONTROLLER_DOMAINS]))

    def owns(self, host: str, domain: str, entity: str | None) -> bool:
        return host in self.domains or domain in self.domains or (
            entity is not None and entity.casefold() == self.name.casefold())


@dataclass(frozen=True)
class Signer:
    """One certificate the APK is signed with, from a static scan in the case. Its organisation corroborates
    the declared controller or not; it never decides who the first party is (an app signed through Play App
    Signing carries a certificate Google generated, naming Google)."""
    sha256: str
    organisation: str | None
    scan_seq: int

    @classmethod
    def from_scans(cls, scans: list[dict[str, Any]]) -> tuple[Signer, ...]:
        found: dict[str, Signer] = {}
        for scan in scans:
            for cert in scan["scan"].get("certificates") or []:
                # a scan made before the organisation was recorded says nothing about it: left out
                if isinstance(cert, dict) and isinstance(cert.get("sha256"), str) and "organisation" in cert:
                    organisation = cert.get("organisation")
                    found.setdefault(cert["sha256"], cls(cert["sha256"], organisation if isinstance(
                        organisation, str) else None, int(scan["seq"])))
        return tuple(found[key] for key in sorted(found))

    def step(self, controller: Controller) -> Step:
        """signing_identity_names_controller or signing_identity_other: the certificate's O= (empty when it has
        none), its source the static scan and the certificate's digest (identifiers only: the report words it)."""
        names = self.organisation is not None and self.organisation.casefold() == controller.name.casefold()
        return Step(step="signing_identity_names_controller" if names else "signing_identity_other",
                    value=self.organisation or "", source=f"static.scan #{self.scan_seq}, SHA-256 {self.sha256}")


@dataclass(frozen=True)
class KnownRecipient:
    host: str
    domain: str
    entity: str | None
    parent: str | None
    entity_country: str | None
    dpf_certified: bool | None
    source: str | None
    tracker: str | None = None
    tracker_confidence: Confidence | None = None
    service: str | None = None
    role: RecipientRole = RecipientRole.OTHER_RECIPIENT
    steps: tuple[Step, ...] = ()

    @property
    def first_party(self) -> bool:
        return self.role == RecipientRole.FIRST_PARTY

    def as_record(self) -> Recipient:
        return Recipient(host=self.host, domain=self.domain, service=self.service, entity=self.entity,
                         parent=self.parent, entity_country=self.entity_country, source=self.source,
                         tracker=self.tracker, tracker_confidence=self.tracker_confidence, role=self.role,
                         third_party=THIRD_PARTY.get(self.role), steps=self.steps)


@dataclass(frozen=True)
class Service:
    """One entry of the bundled recipients table."""
    name: str
    domains_source: Bilingual
    entities: tuple[dict[str, Any], ...]
    parent: dict[str, Any] | None
    role: RecipientRole | None
    role_source: Bilingual | None
    entities_note: Bilingual | None

    def entity_on(self, day: date) -> dict[str, Any] | None:
        """The entity receiving EEA users' data on the day: the EEA entity where there is one."""
        valid = [e for e in self.entities if (e["from"] is None or date.fromisoformat(e["from"]) <= day)
                 and (e["until"] is None or day <= date.fromisoformat(e["until"]))]
        return next((e for e in valid if e["region"] == "EEA"), valid[0] if valid else None)


def _said(entry: dict[str, Any], key: str) -> Bilingual:
    """A source as the table words it, in English (`key`) and Dutch (`key`_nl)."""
    return Bilingual(en=entry[key], nl=entry[f"{key}_nl"])


def _words(entry: dict[str, Any], key: str) -> Bilingual | None:
    return _said(entry, key) if entry.get(key) else None


def _cites(dataset: str, words: Bilingual) -> Bilingual:
    """A step's source: the dataset's name, then what it cites."""
    return Bilingual(en=f"{dataset}: {words.en}", nl=f"{dataset}: {words.nl}")


NOT_ESTABLISHED = Bilingual(en="not established", nl="niet vastgesteld")
XRAY_GROUP = Bilingual(en="xray-owners: X-Ray 2020 owner list (group; the receiving entity is not named)",
                       nl="xray-owners: eigenarenlijst van X-Ray 2020 (concern; de ontvangende entiteit wordt niet "
                          "genoemd)")


@lru_cache(maxsize=1)
def recipients_table() -> dict[str, Service]:
    """Host or registrable domain -> service, from the bundled recipients dataset."""
    with open(verified_path("recipients"), encoding="utf-8") as handle:
        data = json.load(handle)
    table: dict[str, Service] = {}
    for entry in data["services"]:
        role = entry.get("role")
        service = Service(entry["service"], _said(entry, "domains_source"), tuple(entry["entities"]),
                          entry.get("parent"), ROLES[role] if role else None, _words(entry, "role_source"),
                          _words(entry, "entities_note"))
        for domain in entry["domains"]:
            table[domain] = service
    return table


@dataclass
class Recipients:
    overrides: World
    controller: Controller | None = None
    used: set[str] = field(default_factory=set)
    signers: tuple[Signer, ...] = ()        # set from the case's static scans before the first lookup

    def __post_init__(self) -> None:
        with open(verified_path("xray-owners"), encoding="utf-8") as handle:
            owners = json.load(handle)
        self.owners: dict[str, dict[str, Any]] = {}
        for owner in owners:
            for domain in owner.get("doms", []):
                self.owners.setdefault(domain.lower(), owner)
        self.signatures = Signatures(registrable_domain)
        self._cache: dict[tuple[str, date | None], KnownRecipient] = {}

    def lookup(self, host: str, day: date | None = None) -> KnownRecipient:
        host = host.lower().rstrip(".")
        found = self._cache.get((host, day))
        if found is None:           # the datasets a recipient was named from are the same each time it recurs
            found = self._cache[(host, day)] = self._lookup(host, day)
            self.used.update(s.dataset for s in found.steps if s.dataset in DATASET_NAMES)
            if found.tracker:
                self.used.add("exodus-trackers")
        return found

    def _lookup(self, host: str, day: date | None) -> KnownRecipient:
        domain = registrable_domain(host)
        match = self.signatures.match(host)
        tracker = (match.tracker, match.confidence) if match else (None, None)
        found = self._override(host, domain) or self._table(host, domain, day) or self._owner(host, domain) or \
            KnownRecipient(host, domain, None, None, None, None, None)
        found = KnownRecipient(found.host, found.domain, found.entity, found.parent, found.entity_country,
                               found.dpf_certified, found.source, tracker[0], tracker[1], found.service, found.role,
                               found.steps)
        if self.controller is not None and self.controller.owns(host, domain, found.entity):
            step = Step(step="first_party", value=self.controller.name,
                        source=f"case.json controller: {self.controller.source}")
            signed = tuple(signer.step(self.controller) for signer in self.signers)
            return KnownRecipient(found.host, found.domain, found.entity or self.controller.name, found.parent,
                                  found.entity_country, found.dpf_certified, found.source or "case.json controller",
                                  found.tracker, found.tracker_confidence, found.service, RecipientRole.FIRST_PARTY,
                                  found.steps + (step,) + signed)
        return found

    def _override(self, host: str, domain: str) -> KnownRecipient | None:
        override = self.overrides.entities.get(host) or self.overrides.entities.get(domain)
        if not override:
            return None
        steps = [Step(step="entity", value=override.entity, source="world-overrides")]
        if override.parent:
            steps.append(Step(step="parent", value=override.parent, source="world-overrides"))
        role = RecipientRole.OTHER_RECIPIENT
        if override.first_party:
            role = RecipientRole.FIRST_PARTY
            steps.append(Step(step="first_party", value=override.entity, source="world-overrides"))
        return KnownRecipient(host, domain, override.entity, override.parent or override.entity, override.country,
                              override.dpf_certified, "world-overrides", role=role, steps=tuple(steps))

    def _table(self, host: str, domain: str, day: date | None) -> KnownRecipient | None:
        table = recipients_table()
        service = table.get(host) or table.get(domain)
        if service is None:
            return None
        steps = [Step(step="service", value=service.name, source=_cites("recipients", service.domains_source))]
        entity = service.entity_on(day) if day is not None else None
        if entity is not None:
            steps.append(Step(step="entity", value=f"{entity['entity']} ({entity['country']})",
                              source=_cites("recipients", _said(entity, "source"))))
        elif service.entities_note:
            steps.append(Step(step="entity", value=NOT_ESTABLISHED, source=_cites("recipients", service.entities_note)))
        parent = service.parent
        if parent is not None:
            steps.append(Step(step="parent", value=f"{parent['entity']} ({parent['country']})",
                              source=_cites("recipients", _said(parent, "source"))))
        if service.role is not None and service.role_source:
            steps.append(Step(step="role", value=ROLE_WORDS[service.role],
                              source=_cites("recipients", service.role_source)))
        return KnownRecipient(host, domain, entity["entity"] if entity else None,
                              parent["entity"] if parent else None, entity["country"] if entity else None, None,
                              "recipients", service=service.name,
                              role=service.role or RecipientRole.OTHER_RECIPIENT, steps=tuple(steps))

    def _owner(self, host: str, domain: str) -> KnownRecipient | None:
        """The X-Ray owner is a group, not the entity that receives EEA users' data: it names the parent only."""
        owner = self.owners.get(host) or self.owners.get(domain)
        if not owner:
            return None
        group = owner.get("root_parent") or owner.get("parent") or owner.get("owner_name")
        if not isinstance(group, str):
            return None
        country = str(owner.get("country") or "").upper()
        country = {"UK": "GB"}.get(country, country)
        located = f" ({country})" if re.match(r"^[A-Z]{2}$", country) else ""
        return KnownRecipient(host, domain, None, group, None, None, "xray-owners",
                              steps=(Step(step="parent", value=group + located, source=XRAY_GROUP),))
