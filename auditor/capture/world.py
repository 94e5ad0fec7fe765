"""The test world file (WORLD.md): read and bounded here; only its host -> loopback map matters to capture."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from dataclasses import dataclass
from pathlib import Path

from auditor.errors import InputError
from auditor.inputs import read_bounded

WORLD_FORMAT = "auditor-world/1"
MAX_WORLD_BYTES = 4 << 20
MAX_HOSTS = 10_000


@dataclass(frozen=True)
class World:
    path: Path
    sha256: str
    description: str
    hosts: dict[str, str]       # lower-case host name -> loopback IPv4


def load_world(path: Path) -> World:
    path = Path(path)
    raw = read_bounded(path, MAX_WORLD_BYTES, "world file")
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != WORLD_FORMAT:
        raise InputError(path, f"not a world file of format {WORLD_FORMAT}")
    hosts = data.get("hosts")
    if not isinstance(hosts, dict) or len(hosts) > MAX_HOSTS:
        raise InputError(path, f"'hosts' must be an object of at most {MAX_HOSTS} host names")
    mapped: dict[str, str] = {}
    for host, ip in hosts.items():
        try:
            loopback = isinstance(ip, str) and ipaddress.IPv4Address(ip).is_loopback
        except ValueError:
            loopback = False
        if not loopback or not isinstance(host, str) or not 0 < len(host) <= 253:
            raise InputError(path, f"host {str(host)[:80]!r} must map to a 127.0.0.0/8 address, not {str(ip)[:40]!r}")
        mapped[host.lower().rstrip(".")] = ip
    description = data.get("description")
    return World(path, hashlib.sha256(raw).hexdigest(), description if isinstance(description, str) else "",
                 mapped)
