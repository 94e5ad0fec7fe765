"""Load and validate a test-world file (the WORLD.md contract): host -> loopback address -> country view.

A world file is input like any other: size-capped, strictly typed, unknown keys refused, every address inside
127.0.0.0/8 (a world must never send traffic off the machine). Errors name the file and the exact place.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inputs import read_bounded

FORMAT = "auditor-world/1"
MAX_BYTES = 1024 * 1024
MAX_ENTRIES = 2000
MAX_TEXT = 300
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class IpView:
    country_physical: str
    country_registered: str
    asn: int
    operator: str


@dataclass(frozen=True)
class Entity:
    entity: str
    parent: str | None
    country: str
    dpf_certified: bool


@dataclass(frozen=True)
class World:
    description: str
    hosts: dict[str, str]
    ips: dict[str, IpView]
    entities: dict[str, Entity]

    def addresses(self) -> list[str]:
        """The loopback addresses in use, sorted numerically."""
        return sorted(set(self.hosts.values()), key=lambda a: ipaddress.ip_address(a))

    def hosts_at(self, address: str) -> list[str]:
        return sorted(h for h, a in self.hosts.items() if a == address)


def load_world(path: Path) -> World:
    return parse_world(read_bounded(path, MAX_BYTES, "world file"), source=str(path))


def parse_world(raw: bytes, source: str) -> World:
    if len(raw) > MAX_BYTES:
        raise InputError(source, f"world file larger than {MAX_BYTES} bytes")
    try:
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(source, f"not UTF-8 JSON: {exc}") from None
    except _DuplicateKey as exc:
        raise InputError(source, f"duplicate key {exc.args[0][:80]!r}") from None
    check = _Checker(source)
    check.keys(doc, "the document", required={"format", "hosts", "ips", "entities"}, optional={"description"})
    if doc["format"] != FORMAT:
        raise InputError(source, f"format must be {FORMAT!r}, got {str(doc['format'])[:40]!r}")
    description = check.text(doc.get("description", ""), "description", limit=2000)
    hosts = {check.domain(name, "hosts"): check.loopback(addr, f"hosts[{name!r}]")
             for name, addr in check.mapping(doc["hosts"], "hosts").items()}
    ips = {check.loopback(addr, "ips"): check.ip_view(view, f"ips[{addr!r}]")
           for addr, view in check.mapping(doc["ips"], "ips").items()}
    entities = {check.domain(domain, "entities"): check.entity(entry, f"entities[{domain!r}]")
                for domain, entry in check.mapping(doc["entities"], "entities").items()}
    for name, addr in sorted(hosts.items()):
        if addr not in ips:
            raise InputError(source, f"hosts[{name!r}] points to {addr}, which has no entry in ips")
    return World(description, hosts, ips, entities)


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object in which a repeated key is an error, not a silent last-one-wins."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _Checker:
    """Typed field checks that raise InputError naming the source and the JSON path."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, where: str, problem: str) -> InputError:
        return InputError(self.source, f"{where}: {problem}")

    def keys(self, value: Any, where: str, required: set[str],
             optional: frozenset[str] | set[str] = frozenset()) -> None:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        missing = sorted(required - value.keys())
        unknown = sorted(value.keys() - required - optional)
        if missing:
            raise self.fail(where, f"missing {', '.join(missing)}")
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0][:40]!r}")

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        if len(value) > MAX_ENTRIES:
            raise self.fail(where, f"more than {MAX_ENTRIES} entries")
        return value

    def text(self, value: Any, where: str, limit: int = MAX_TEXT) -> str:
        if not isinstance(value, str) or len(value) > limit:
            raise self.fail(where, f"must be a string of at most {limit} characters")
        return value

    def domain(self, value: str, where: str) -> str:
        if not _DOMAIN.match(value):
            raise self.fail(where, f"{value[:80]!r} is not a lower-case DNS name")
        return value

    def loopback(self, value: Any, where: str) -> str:
        try:
            address = ipaddress.IPv4Address(value)
        except (ipaddress.AddressValueError, ValueError, TypeError):
            raise self.fail(where, f"{str(value)[:60]!r} is not an IPv4 address") from None
        if address not in LOOPBACK:
            raise self.fail(where, f"{address} is outside 127.0.0.0/8: a test world stays on this machine")
        return str(address)

    def country(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _COUNTRY.match(value):
            raise self.fail(where, "must be an ISO 3166-1 alpha-2 code in capitals")
        return value

    def ip_view(self, value: Any, where: str) -> IpView:
        self.keys(value, where, required={"country_physical", "country_registered", "asn", "operator"})
        asn = value["asn"]
        if isinstance(asn, bool) or not isinstance(asn, int) or not 0 <= asn <= 4294967295:
            raise self.fail(f"{where}.asn", "must be an integer in 0..4294967295")
        return IpView(self.country(value["country_physical"], f"{where}.country_physical"),
                      self.country(value["country_registered"], f"{where}.country_registered"),
                      asn, self.text(value["operator"], f"{where}.operator"))

    def entity(self, value: Any, where: str) -> Entity:
        self.keys(value, where, required={"entity", "country", "dpf_certified"}, optional={"parent"})
        parent = value.get("parent")
        if parent is not None:
            parent = self.text(parent, f"{where}.parent")
        if not isinstance(value["dpf_certified"], bool):
            raise self.fail(f"{where}.dpf_certified", "must be true or false")
        return Entity(self.text(value["entity"], f"{where}.entity"), parent,
                      self.country(value["country"], f"{where}.country"), value["dpf_certified"])
