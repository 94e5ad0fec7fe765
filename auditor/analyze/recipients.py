"""Who receives a flow: host -> registrable domain (Public Suffix List, ICANN section, offline) -> operating
company -> parent -> country of establishment, naming the dataset behind each answer.

Sources, in order: the user's override table, then the X-Ray 2020 owner list. Exodus network signatures
say whether the host is a known tracker endpoint.
"""

from __future__ import annotations

import importlib.metadata
import itertools
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import publicsuffixlist

from auditor.case.canonical import sha256_file
from auditor.contract.findings import Actor, Recipient
from auditor.datasets.registry import verified_path
from auditor.world import World

MAX_SIGNATURE = 300


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
class KnownRecipient:
    host: str
    domain: str
    entity: str | None
    parent: str | None
    entity_country: str | None
    dpf_certified: bool | None
    source: str | None
    tracker: str | None          # Exodus tracker name when the host matches a network signature
    first_party: bool = False    # stated by the override table: the app's own operator

    def third_party(self, actor: Actor | None) -> bool | None:
        """Whether the recipient is someone other than the app's operator; None when nothing says."""
        if self.first_party:
            return False
        if self.source is not None or self.tracker is not None:
            return True         # a company named by the override table or by tracker datasets
        if actor is not None and actor.first_party is False:
            return True         # an SDK's code sent it
        return None

    def as_record(self, actor: Actor | None) -> Recipient:
        return Recipient(host=self.host, domain=self.domain, entity=self.entity, parent=self.parent,
                         entity_country=self.entity_country, source=self.source, tracker=self.tracker,
                         third_party=self.third_party(actor))


class Recipients:
    def __init__(self, overrides: World):
        self.overrides = overrides
        self.used: set[str] = set()
        with open(verified_path("xray-owners"), encoding="utf-8") as handle:
            owners = json.load(handle)
        self.owners: dict[str, dict[str, Any]] = {}
        for owner in owners:
            for domain in owner.get("doms", []):
                self.owners.setdefault(domain.lower(), owner)
        with open(verified_path("exodus-trackers"), encoding="utf-8") as handle:
            trackers = json.load(handle)["trackers"]
        self.signatures: list[tuple[re.Pattern[str], str]] = []
        for key in sorted(trackers, key=lambda k: int(k) if str(k).isdigit() else 0):
            tracker = trackers[key]
            signature = tracker.get("network_signature") or ""
            if signature and len(signature) <= MAX_SIGNATURE:
                self.signatures.append((re.compile(signature), tracker["name"]))
        self._cache: dict[str, KnownRecipient] = {}

    def lookup(self, host: str) -> KnownRecipient:
        host = host.lower().rstrip(".")
        if host not in self._cache:
            self._cache[host] = self._lookup(host)
        found = self._cache[host]
        if found.source:
            self.used.add(found.source)
        if found.tracker:
            self.used.add("exodus-trackers")
        return found

    def _lookup(self, host: str) -> KnownRecipient:
        domain = registrable_domain(host)
        tracker = next((name for pattern, name in self.signatures if pattern.search("." + host)), None)
        override = self.overrides.entities.get(host) or self.overrides.entities.get(domain)
        if override:
            return KnownRecipient(host, domain, override.entity, override.parent or override.entity,
                                  override.country, override.dpf_certified, "world-overrides", tracker,
                                  override.first_party)
        owner = self.owners.get(host) or self.owners.get(domain)
        if owner:
            country = str(owner.get("country") or "").upper()
            country = {"UK": "GB"}.get(country, country)
            return KnownRecipient(host, domain, owner.get("owner_name"),
                             owner.get("root_parent") or owner.get("parent") or owner.get("owner_name"),
                             country if re.match(r"^[A-Z]{2}$", country) else None, None, "xray-owners", tracker)
        return KnownRecipient(host, domain, None, None, None, None, None, tracker)
