"""The world file (docs/world.md): host name -> address -> network view, and domain -> legal entity.

One reader for every consumer: the reference servers and the capture's resolver read a test world, analysis
reads the same format as an override table. A world file is untrusted input: size-capped, nesting-capped before
parsing, strictly typed, unknown and duplicate keys refused. Every error is an InputError naming the file and
the field path (`ips["127.0.0.21"].asn`). Which addresses a file may name is the consumer's choice (Addresses),
not a looser parser.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inputs import read_bounded

FORMAT = "auditor-world/1"
MAX_BYTES = 4 << 20
MAX_ENTRIES = 10_000            # per table: hosts, ips, entities
MAX_TEXT = 300                  # operator, entity, parent
MAX_DESCRIPTION = 2000
MAX_DEPTH = 8                   # the format needs 3; the slack lets a misplaced array get a typed error
MAX_INT_DIGITS = 10             # the largest integer in the format is an ASN, at most 4294967295
MAX_ASN = 4294967295
LOOPBACK = ipaddress.ip_network("127.0.0.0/8")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
# A JSON string (skipped whole, so brackets inside it do not count) or one bracket.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]', re.S)


class Addresses(Enum):
    """Which addresses a world may name (hosts' targets and ips' keys); the consumer says which it needs."""

    LOOPBACK = "loopback"   # a test world to serve or dial: IPv4 inside 127.0.0.0/8, never off this machine
    ANY = "any"             # an override table for analysis: the real IPv4/IPv6 addresses a capture saw


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
    dpf_certified: bool | None      # None: the file says certification is not established
    first_party: bool = False       # the app's own operator: its backend is not a third party


@dataclass(frozen=True)
class World:
    """A parsed world file; `World()` is the empty table (analysis without --world)."""

    hosts: dict[str, str] = field(default_factory=dict)         # host name -> address
    ips: dict[str, IpView] = field(default_factory=dict)        # address -> network view
    entities: dict[str, Entity] = field(default_factory=dict)   # host or registrable domain -> entity
    description: str = ""
    path: Path | None = None
    sha256: str | None = None

    def addresses(self) -> list[str]:
        """The addresses hosts map to, sorted numerically."""
        return sorted(set(self.hosts.values()), key=ipaddress.ip_address)

    def hosts_at(self, address: str) -> list[str]:
        return sorted(h for h, a in self.hosts.items() if a == address)


def load_world(path: Path, addresses: Addresses = Addresses.LOOPBACK) -> World:
    path = Path(path)
    return parse_world(read_bounded(path, MAX_BYTES, "world file"), path, addresses)


def parse_world(raw: bytes, path: Path, addresses: Addresses = Addresses.LOOPBACK) -> World:
    if len(raw) > MAX_BYTES:
        raise InputError(path, f"world file larger than {MAX_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 ({exc.reason} at byte {exc.start})") from None
    _check_depth(text, path)
    try:
        doc = json.loads(text, object_pairs_hook=_object, parse_constant=_constant, parse_int=_integer)
    except json.JSONDecodeError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    except _Refused as exc:
        raise InputError(path, exc.args[0]) from None
    reader = _Reader(path, addresses)
    doc = reader.record(doc, "the document", {"format", "hosts", "ips", "entities"}, {"description"})
    if doc["format"] != FORMAT:
        raise reader.fail("format", f"must be {_quote(FORMAT)}, not {_quote(doc['format'])}")
    description = reader.text(doc.get("description", ""), "description", MAX_DESCRIPTION, empty=True)
    hosts = {reader.domain(name, "hosts"): reader.address(target, f"hosts[{_quote(name)}]")
             for name, target in reader.table(doc["hosts"], "hosts").items()}
    ips: dict[str, IpView] = {}
    for key, view in reader.table(doc["ips"], "ips").items():
        address = reader.address(key, "ips")
        if address in ips:
            raise reader.fail("ips", f"{_quote(key)} is the address of an earlier key")
        ips[address] = reader.ip_view(view, f"ips[{_quote(key)}]")
    entities = {reader.domain(name, "entities"): reader.entity(entry, f"entities[{_quote(name)}]")
                for name, entry in reader.table(doc["entities"], "entities").items()}
    for name, target in sorted(hosts.items()):
        if target not in ips:
            raise reader.fail(f"hosts[{_quote(name)}]", f"{target} has no entry in ips")
    return World(hosts, ips, entities, description, path, hashlib.sha256(raw).hexdigest())


def _check_depth(text: str, path: Path) -> None:
    """Refuse deep nesting before json.loads recurses into it (a RecursionError is not an answer)."""
    depth = 0
    for token in _TOKEN.finditer(text):
        bracket = token.group()
        if bracket in ("[", "{"):
            depth += 1
            if depth > MAX_DEPTH:
                raise InputError(path, f"nested deeper than {MAX_DEPTH} levels (at character {token.start()})")
        elif bracket in ("]", "}"):
            depth -= 1


class _Refused(Exception):
    """Raised from inside json.loads: the problem, for an InputError."""


@dataclass(frozen=True)
class _Duplicated:
    """Stands for a JSON object with a repeated key; the reader refuses it naming the object's path."""

    key: str


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any] | _Duplicated:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            return _Duplicated(key)
        result[key] = value
    return result


def _constant(name: str) -> None:
    raise _Refused(f"{name} is not a JSON value")


def _integer(digits: str) -> int:
    if len(digits.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"integer {digits[:20]}... has more than {MAX_INT_DIGITS} digits")
    return int(digits)


def _quote(value: object) -> str:
    """A value as a message shows it: JSON, a string cut at 80 characters, a container named by its kind."""
    if isinstance(value, str):
        return json.dumps(value if len(value) <= 80 else value[:80] + "...")
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return "an array" if isinstance(value, list) else "an object"


class _Reader:
    """Typed field checks; each raises InputError naming the file and the field path."""

    def __init__(self, path: Path, addresses: Addresses):
        self.path = path
        self.addresses = addresses

    def fail(self, where: str, problem: str) -> InputError:
        return InputError(self.path, f"{where}: {problem}")

    def object(self, value: Any, where: str) -> dict[str, Any]:
        if isinstance(value, _Duplicated):
            raise self.fail(where, f"duplicate key {_quote(value.key)}")
        if not isinstance(value, dict):
            raise self.fail(where, "must be an object")
        return value

    def record(self, value: Any, where: str, required: set[str], optional: set[str] | None = None) -> dict[str, Any]:
        value = self.object(value, where)
        missing = sorted(required - value.keys())
        unknown = sorted(value.keys() - required - (optional or set()))
        if missing:
            raise self.fail(where, f"missing {', '.join(missing)}")
        if unknown:
            raise self.fail(where, f"unknown key {_quote(unknown[0])}")
        return value

    def table(self, value: Any, where: str) -> dict[str, Any]:
        value = self.object(value, where)
        if len(value) > MAX_ENTRIES:
            raise self.fail(where, f"more than {MAX_ENTRIES} entries")
        return value

    def text(self, value: Any, where: str, limit: int = MAX_TEXT, empty: bool = False) -> str:
        if not isinstance(value, str) or len(value) > limit or (not value and not empty):
            length = f"at most {limit}" if empty else f"1 to {limit}"
            raise self.fail(where, f"must be a string of {length} characters")
        return value

    def domain(self, value: str, where: str) -> str:
        if not _DOMAIN.match(value):
            raise self.fail(where, f"{_quote(value)} is not a lower-case DNS name")
        return value

    def address(self, value: Any, where: str) -> str:
        """The address in canonical form, if this world's consumer accepts it."""
        loopback = self.addresses is Addresses.LOOPBACK
        try:
            parsed = (ipaddress.IPv4Address if loopback else ipaddress.ip_address)(value) \
                if isinstance(value, str) and "%" not in value else None      # no IPv6 zone: not a host's address
        except ValueError:
            parsed = None
        if parsed is None:
            raise self.fail(where, f"{_quote(value)} is not {'an IPv4' if loopback else 'an IP'} address")
        if loopback and parsed not in LOOPBACK:
            raise self.fail(where, f"{parsed} is outside 127.0.0.0/8: a test world stays on this machine")
        return str(parsed)

    def country(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not _COUNTRY.match(value):
            raise self.fail(where, f"must be an ISO 3166-1 alpha-2 code in capitals, not {_quote(value)}")
        return value

    def flag(self, value: Any, where: str, unknown: bool = False) -> bool | None:
        if isinstance(value, bool) or (unknown and value is None):
            return value
        raise self.fail(where, "must be true, false or null" if unknown else "must be true or false")

    def ip_view(self, value: Any, where: str) -> IpView:
        value = self.record(value, where, {"country_physical", "country_registered", "asn", "operator"})
        asn = value["asn"]
        if isinstance(asn, bool) or not isinstance(asn, int) or not 0 <= asn <= MAX_ASN:
            raise self.fail(f"{where}.asn", f"must be an integer in 0..{MAX_ASN}, not {_quote(asn)}")
        return IpView(self.country(value["country_physical"], f"{where}.country_physical"),
                      self.country(value["country_registered"], f"{where}.country_registered"),
                      asn, self.text(value["operator"], f"{where}.operator"))

    def entity(self, value: Any, where: str) -> Entity:
        value = self.record(value, where, {"entity", "country", "dpf_certified"}, {"parent", "first_party"})
        parent = value.get("parent")
        return Entity(self.text(value["entity"], f"{where}.entity"),
                      None if parent is None else self.text(parent, f"{where}.parent"),
                      self.country(value["country"], f"{where}.country"),
                      self.flag(value["dpf_certified"], f"{where}.dpf_certified", unknown=True),
                      bool(self.flag(value.get("first_party", False), f"{where}.first_party")))
