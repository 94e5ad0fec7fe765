"""The user's override table (the test world file of WORLD.md, or any file of that format).

Analysis uses its `ips` (IP -> countries, ASN, operator) and `entities` (registrable domain -> company)
on top of the bundled datasets; inputs.json records the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.errors import InputError
from auditor.inputs import read_bounded

WORLD_FORMAT = "auditor-world/1"
MAX_WORLD_BYTES = 4 << 20
MAX_ENTRIES = 100_000
COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Overrides:
    path: str | None = None
    sha256: str | None = None
    ips: dict[str, dict[str, Any]] = field(default_factory=dict)
    entities: dict[str, dict[str, Any]] = field(default_factory=dict)


def _country(path: Path, where: str, value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not COUNTRY.match(value.upper()):
        raise InputError(path, f"{where}: country must be an ISO 3166-1 alpha-2 code, not {str(value)[:20]!r}")
    return value.upper()


def load_overrides(path: Path | None) -> Overrides:
    if path is None:
        return Overrides()
    path = Path(path)
    raw = read_bounded(path, MAX_WORLD_BYTES, "override file")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != WORLD_FORMAT:
        raise InputError(path, f"not a file of format {WORLD_FORMAT}")
    ips_in, entities_in = data.get("ips", {}), data.get("entities", {})
    if not isinstance(ips_in, dict) or not isinstance(entities_in, dict) or \
            len(ips_in) + len(entities_in) > MAX_ENTRIES:
        raise InputError(path, f"'ips' and 'entities' must be objects with at most {MAX_ENTRIES} entries")
    ips: dict[str, dict[str, Any]] = {}
    for ip, info in ips_in.items():
        try:
            key = str(ipaddress.ip_address(ip))
        except ValueError:
            raise InputError(path, f"ips: {str(ip)[:60]!r} is not an IP address") from None
        if not isinstance(info, dict):
            raise InputError(path, f"ips.{key}: must be an object")
        asn = info.get("asn")
        if asn is not None and (not isinstance(asn, int) or not 0 <= asn < 1 << 32):
            raise InputError(path, f"ips.{key}.asn: must be an AS number")
        ips[key] = {"country_physical": _country(path, f"ips.{key}", info.get("country_physical")),
                    "country_registered": _country(path, f"ips.{key}", info.get("country_registered")),
                    "asn": asn, "operator": str(info["operator"])[:200] if info.get("operator") else None}
    entities: dict[str, dict[str, Any]] = {}
    for domain, info in entities_in.items():
        if not isinstance(domain, str) or not 0 < len(domain) <= 253 or not isinstance(info, dict):
            raise InputError(path, f"entities: {str(domain)[:60]!r} must be a domain with an object")
        certified = info.get("dpf_certified")
        entities[domain.lower().rstrip(".")] = {
            "entity": str(info["entity"])[:200] if info.get("entity") else None,
            "parent": str(info["parent"])[:200] if info.get("parent") else None,
            "country": _country(path, f"entities.{domain}", info.get("country")),
            "dpf_certified": certified if isinstance(certified, bool) else None,
            # optional extension of WORLD.md: the app's own operator, so its backend is not a third party
            "first_party": info.get("first_party") is True}
    return Overrides(str(path), hashlib.sha256(raw).hexdigest(), ips, entities)
