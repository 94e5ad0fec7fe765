"""The proxy's recorded requests set against the wire's: found on both, only in the proxy, only on the wire.

A request is the same on both when the device's source port (its connection), method, host, path and body
hash agree; equal requests on one connection are paired in order.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from auditor.witness.wire import WireRequest


class Seen(StrEnum):
    BOTH = "both"
    PROXY_ONLY = "proxy_only"
    WIRE_ONLY = "wire_only"


@dataclass(frozen=True)
class ProxyRequest:
    seq: int                # the proxy.flow event
    client_port: int | None
    method: str
    host: str
    path: str
    body_sha256: str | None

    @property
    def key(self) -> tuple[int | None, str, str, str, str | None]:
        return (self.client_port, self.method, self.host.lower(), self.path, self.body_sha256)

    @classmethod
    def from_flow(cls, seq: int, body: dict[str, Any]) -> ProxyRequest:
        request = body["request"]
        return cls(seq=seq, client_port=(body.get("client") or {}).get("port"), method=request["method"],
                   host=request["host"], path=request["path"], body_sha256=request.get("body_sha256"))


@dataclass(frozen=True)
class Match:
    seen: Seen
    method: str
    host: str
    path: str
    body_sha256: str | None
    client_port: int | None
    proxy_seq: int | None   # the proxy.flow event, when the proxy recorded it
    wire_frame: int | None  # the pcapng frame, when the wire shows it


def match(proxy: list[ProxyRequest], wire: list[WireRequest]) -> list[Match]:
    """Every request of either side once, in proxy order, then the wire's leftovers in frame order."""
    waiting: dict[tuple, list[WireRequest]] = defaultdict(list)
    for request in sorted(wire, key=lambda r: r.frame):
        waiting[request.key].append(request)
    matches = []
    for recorded in proxy:
        candidates = waiting.get(recorded.key)
        seen_on_wire = candidates.pop(0) if candidates else None
        matches.append(Match(Seen.BOTH if seen_on_wire else Seen.PROXY_ONLY, recorded.method, recorded.host,
                             recorded.path, recorded.body_sha256, recorded.client_port, recorded.seq,
                             seen_on_wire.frame if seen_on_wire else None))
    leftovers = sorted((r for remaining in waiting.values() for r in remaining), key=lambda r: r.frame)
    matches += [Match(Seen.WIRE_ONLY, r.method, r.host, r.path, r.body_sha256, r.client_port, None, r.frame)
                for r in leftovers]
    return matches
