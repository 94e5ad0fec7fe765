"""Layer (a) of a Chapter V assessment, the endpoint observed: the IP address seen at capture time (never
re-resolved), its physical location with the dataset named, its AS number and operator, and its registration
country (corroboration only). Addresses of anycast and CDN networks (bundled dataset cdn-networks) have no
location a dataset can establish, whatever country it names.

The user's override table wins; a user may also point to a MaxMind-format mmdb for the physical view.
"""

from __future__ import annotations

import csv
import gzip
import ipaddress
import json
import socket
import zlib
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import maxminddb

from auditor.contract.findings import Destination
from auditor.datasets.registry import verified_path
from auditor.errors import InputError
from auditor.world import World


def normalise_ip(text: str | None) -> str | None:
    """The address in one canonical form before any look-up: brackets, a port after brackets and an IPv6 zone
    dropped, an IPv4-mapped IPv6 address as the IPv4 address it carries. None when it is no address."""
    if not text:
        return None
    value = text.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    value = value.partition("%")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return str(address)


@dataclass(frozen=True)
class Network:
    """An anycast or CDN network from the cdn-networks dataset."""
    asn: int
    operator: str
    kind: str
    source: str


@lru_cache(maxsize=1)
def cdn_networks() -> dict[int, Network]:
    with open(verified_path("cdn-networks"), encoding="utf-8") as handle:
        return {int(n["asn"]): Network(int(n["asn"]), n["operator"], n["kind"], n["source"])
                for n in json.load(handle)["networks"]}


@dataclass(frozen=True)
class Located:
    """Where a server address is and who operates it, by the datasets (the sources they came from)."""
    ip: str | None
    country_physical: str | None
    country_registered: str | None
    asn: int | None
    operator: str | None
    sources: tuple[str, ...]
    location_source: str | None = None

    @property
    def network(self) -> Network | None:
        return cdn_networks().get(self.asn) if self.asn is not None else None

    def as_record(self) -> Destination:
        network = self.network
        note = None
        if network is not None:
            note = (f"AS{network.asn} ({network.operator}) is a {network.kind} network: the same address is "
                    f"served from many countries, so no location can be established from it "
                    f"(cdn-networks: {network.source})")
        return Destination(ip=self.ip, country_physical=self.country_physical,
                           location_source=self.location_source if self.country_physical else None,
                           location_established=None if self.country_physical is None and network is None
                           else network is None,
                           location_note=note, country_registered=self.country_registered, asn=self.asn,
                           operator=self.operator)


def _mmdb_country(reader: maxminddb.Reader, ip: str) -> str | None:
    record = reader.get(ip)
    if not isinstance(record, dict):
        return None
    for key in ("country_code", "country"):
        value = record.get(key)
        if isinstance(value, dict):
            value = value.get("iso_code")
        if isinstance(value, str) and len(value) == 2:
            return value.upper()
    return None


ASN_CHUNK = 1 << 19        # compressed bytes inflated at a time (about 2 MiB of lines)


class AsnTable:
    """The bundled ASN CSV (ranges sorted by start), its lines searched by bisection: a look-up parses the
    ~20 lines it touches, so the first one costs a decompression (0.1 s), not 400k parsed rows (1-2 s). The file
    is decompressed only as far as the highest address looked up needs: a line further on starts above it."""

    def __init__(self, name: str):
        self.family = socket.AF_INET6 if name.endswith("v6") else socket.AF_INET
        self.compressed = verified_path(name).read_bytes()
        self.inflater = zlib.decompressobj(31)          # one gzip member
        self.read = 0                                   # compressed bytes fed to the inflater
        self.lines: list[bytes] = []
        self.partial = b""                              # the last line, until its newline is out
        self.complete = False

    def _inflate_more(self) -> None:
        chunk = self.compressed[self.read:self.read + ASN_CHUNK]
        self.read += len(chunk)
        pieces = (self.partial + self.inflater.decompress(chunk)).split(b"\n")
        self.partial = pieces.pop()
        self.lines += pieces
        if self.inflater.eof or not chunk:
            if self.inflater.unused_data or self.read < len(self.compressed) or not self.inflater.eof:
                # another gzip member, or a stream cut short: the whole file as gzip reads it (or its error)
                text = gzip.decompress(self.compressed)
                self.lines, self.partial = text.split(b"\n"), b""
                if self.lines and not self.lines[-1]:
                    self.lines.pop()                    # the file's final newline
            elif self.partial:
                self.lines.append(self.partial)         # a last line without a newline
            self.complete = True

    def _address(self, text: str) -> int:
        return int.from_bytes(socket.inet_pton(self.family, text), "big")

    def _start(self, line: bytes) -> int:
        return self._address(line[:line.index(b",")].decode("ascii"))

    def get(self, address: int) -> tuple[int, str] | None:
        while not self.complete and (not self.lines or self._start(self.lines[-1]) <= address):
            self._inflate_more()
        position = bisect_right(self.lines, address, key=self._start) - 1
        if position < 0:
            return None
        _, end, asn, org = next(csv.reader([self.lines[position].decode("utf-8")]))
        return (int(asn), org) if address <= self._address(end) else None


NOWHERE = Located(None, None, None, None, None, ())       # no server address recorded (a HAR without serverIPAddress)


class Destinations:
    def __init__(self, overrides: World, physical_mmdb: Path | None = None):
        self.overrides = overrides
        self.used: set[str] = set()
        self.physical_source = "user-mmdb" if physical_mmdb else "dbip-country"
        try:
            self.physical = maxminddb.open_database(str(physical_mmdb or verified_path("dbip-country")))
        except (maxminddb.InvalidDatabaseError, ValueError) as exc:      # --mmdb given random bytes
            raise InputError(physical_mmdb or "dbip-country", f"not a MaxMind-format database ({exc})") from None
        self.registered = maxminddb.open_database(str(verified_path("geo-whois-asn-country")))
        self._asn: dict[int, AsnTable] = {}
        self._cache: dict[str, Located] = {}

    def lookup(self, ip: str | None) -> Located:
        if not ip:
            return NOWHERE
        found = self._cache.get(ip)
        if found is None:           # the datasets an address was looked up in are the same each time it recurs
            found = self._cache[ip] = self._lookup(ip)
            self.used.update(found.sources)
            if found.network is not None:
                self.used.add("cdn-networks")
        return found

    def _asn_table(self, version: int) -> AsnTable:
        if version not in self._asn:
            self._asn[version] = AsnTable("asn-ipv4" if version == 4 else "asn-ipv6")
        return self._asn[version]

    def _lookup(self, ip: str) -> Located:
        key = normalise_ip(ip)
        if key is None:
            return Located(ip[:100], None, None, None, None, ())
        address = ipaddress.ip_address(key)
        override = self.overrides.ips.get(key)
        if override:
            return Located(key, override.country_physical, override.country_registered,
                           override.asn, override.operator, ("world-overrides",), "world-overrides")
        if not address.is_global:
            return Located(key, None, None, None, None, ())
        asn = self._asn_table(address.version).get(int(address))
        return Located(key, _mmdb_country(self.physical, key), _mmdb_country(self.registered, key),
                       asn[0] if asn else None, asn[1] if asn else None,
                       (self.physical_source, "geo-whois-asn-country", f"asn-ipv{address.version}"),
                       self.physical_source)
