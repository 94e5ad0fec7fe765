"""`auditor import passive`: the requests a passive capture's packets hold (HTTP/1.x, HTTP/2, HTTP/3 over QUIC),
decrypted with the app's own key logs, brought into the case as flows that analysis reads like any other.

Capture recorded packets and key logs without reading them; this command reads them with tshark (as `auditor
witness` does) and records what it read: per passive capture an `import.passive` (the pcap, the key logs and
the tshark that opened it, what it could not open), and an `import.flow` per request in the proxy.flow shape,
its artifact the pcapng, the frame that completed it named under `passive`. Responses are not read (the wire
reader reads requests only). All of it or nothing: every capture is read before anything is written. A
capture read again with the same key logs is not read twice; with more key logs, only the requests not
imported before are added.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger_check import read_records
from auditor.collector import paused
from auditor.errors import InputError
from auditor.importers.har import iso, remove, stage_artifacts
from auditor.witness.h3 import header
from auditor.witness.run import captures, joined_keylog
from auditor.witness.wire import Wire, WireRequest, read_wire, tshark_version

SOURCE = "import"
MAX_HEADERS = 500               # as for a HAR entry: a ledger line is bounded (the pcapng keeps every byte)
MAX_TEXT = 65536


@dataclass(frozen=True)
class PassiveRead:
    """One passive capture as this run read it, and what it adds."""
    pcap_seq: int
    pcap_sha256: str
    keylog_sha256s: tuple[str, ...]
    wire: Wire
    new: tuple[WireRequest, ...]            # the requests not imported from this capture before

    def summary(self, tshark: str) -> dict[str, Any]:
        protocols = Counter(request.protocol for request in self.wire.requests)
        return {"pcap_seq": self.pcap_seq, "pcap_sha256": self.pcap_sha256, "keylog_sha256s": list(self.keylog_sha256s),
                "tshark": tshark, "requests": len(self.wire.requests), "flows_added": len(self.new),
                "requests_by_protocol": dict(sorted(protocols.items())), "tls_streams": self.wire.tls_streams,
                "undecrypted_tls_streams": self.wire.undecrypted_tls_streams,
                "quic_connections": self.wire.quic_connections,
                "undecrypted_quic_connections": self.wire.undecrypted_quic_connections,
                "unread_h3_streams": self.wire.unread_h3_streams}


@dataclass(frozen=True)
class PassiveImport:
    tshark: str
    reads: tuple[PassiveRead, ...]
    unchanged: int                          # captures already imported with these key logs: not read again

    @property
    def flows_added(self) -> int:
        return sum(len(read.new) for read in self.reads)

    def summary(self) -> dict[str, Any]:
        return {"tshark": self.tshark, "flows_added": self.flows_added, "captures_unchanged": self.unchanged,
                "captures": [read.summary(self.tshark) for read in self.reads]}


def identity(request: WireRequest) -> str:
    """What makes a request read off a capture the same one when the capture is read again, as a SHA-256."""
    facts = (request.frame, request.protocol, request.tcp_stream, request.quic_connection, request.method,
             request.host, request.path, request.body_sha256)
    return hashlib.sha256(repr(facts).encode()).hexdigest()


def _address(text: str) -> dict[str, Any] | None:
    ip, colon, port = text.rpartition(":")
    return {"ip": ip, "port": int(port)} if colon and ip and port.isdigit() else None


def _cut(request: WireRequest) -> bool:
    return len(request.headers) > MAX_HEADERS or len(request.path) > MAX_TEXT \
        or any(len(name) > MAX_TEXT or len(value) > MAX_TEXT for name, value in request.headers)


def flow_event(pcap_seq: int, read: PassiveRead, request: WireRequest, tshark: str) -> dict[str, Any]:
    """A request read off the wire as an import.flow body (docs/events.md)."""
    server = _address(request.server)
    headers = [[name[:MAX_TEXT], value[:MAX_TEXT]] for name, value in request.headers[:MAX_HEADERS]]
    scheme = header(request.headers, ":scheme") or ("https" if request.encrypted else "http")
    body = read.wire.bodies.get(request.body_sha256 or "", b"")
    started = datetime.fromtimestamp(request.time, UTC)
    return {
        "flow_id": f"passive-{pcap_seq}-{identity(request)[:16]}",
        "type": "http",
        "client": {"ip": None, "port": request.client_port},
        "server": server,
        "tls": None,
        "request": {"method": request.method, "scheme": scheme, "host": request.host,
                    "port": server["port"] if server else None, "path": request.path[:MAX_TEXT],
                    "http_version": request.protocol, "headers": headers, "body_sha256": request.body_sha256,
                    "body_size": len(body), "body_complete": True},
        "response": None,
        "timestamps": {"start": iso(started), "request_end": iso(started), "response_start": None, "end": None},
        "error": None,
        "passive": {"pcap_seq": pcap_seq, "pcap_sha256": read.pcap_sha256, "frame": request.frame,
                    "protocol": request.protocol, "tcp_stream": request.tcp_stream,
                    "quic_connection": request.quic_connection, "tshark": tshark,
                    "keylog_sha256s": list(read.keylog_sha256s), "identity": identity(request),
                    **({"headers_cut": True} if _cut(request) else {})},
    }


def _history(case: Case) -> tuple[set[tuple[int, tuple[str, ...]]], dict[int, Counter[str]]]:
    """What earlier imports read: (capture, key logs) pairs, and per capture the requests imported from it."""
    done: set[tuple[int, tuple[str, ...]]] = set()
    imported: dict[int, Counter[str]] = {}
    for record in read_records(case.ledger_path):
        body = record.get("body") or {}
        if record.get("kind") == Kind.IMPORT_PASSIVE:
            done.add((body["pcap_seq"], tuple(body["keylog_sha256s"])))
        elif record.get("kind") == Kind.IMPORT_FLOW and isinstance(body.get("passive"), dict):
            source = body["passive"]
            imported.setdefault(source["pcap_seq"], Counter())[source["identity"]] += 1
    return done, imported


def import_passive(case_dir: Path) -> PassiveImport:
    """Import the requests of every passive capture in the case at case_dir: all of them, or nothing."""
    with paused():
        return _import(Case.open(case_dir))


def _import(case: Case) -> PassiveImport:
    if case.sealed:
        raise InputError(case.root, "the case is sealed; evidence can no longer be added")
    _, passive, keylogs = captures(case)
    stored = [record for record in passive if record.get("artifact")]
    if not stored:
        raise InputError(case.root, "the case holds no passive capture; record one with 'auditor capture --passive'")
    done, imported = _history(case)
    tshark = tshark_version()
    reads, unchanged = [], 0
    for record in stored:
        if (record["seq"], tuple(keylogs)) in done:
            unchanged += 1
            continue
        with joined_keylog(case, keylogs) as keylog:
            wire = read_wire(case.artifacts.path_for(record["artifact"]), keylog)
        earlier = Counter(imported.get(record["seq"], Counter()))
        new = []
        for request in wire.requests:
            if earlier[identity(request)]:
                earlier[identity(request)] -= 1
            else:
                new.append(request)
        reads.append(PassiveRead(record["seq"], record["artifact"], tuple(keylogs), wire, tuple(new)))
    result = PassiveImport(tshark, tuple(reads), unchanged)
    if reads:
        _write(case, result)
    return result


def _write(case: Case, result: PassiveImport) -> None:
    blobs = {digest: data for read in result.reads for request in read.new
             if (digest := request.body_sha256) and (data := read.wire.bodies.get(digest)) is not None}
    added = stage_artifacts(case, blobs)
    events: list[tuple[Kind, dict[str, Any], str | None]] = []
    for read in result.reads:
        events.append((Kind.IMPORT_PASSIVE, read.summary(result.tshark), read.pcap_sha256))
        for request in read.new:
            events.append((Kind.IMPORT_FLOW, flow_event(read.pcap_seq, read, request, result.tshark),
                           read.pcap_sha256))
    before = case.ledger_path.stat().st_size
    try:
        with case.ledger() as ledger:
            ledger.append_many(SOURCE, events)
    except BaseException:
        if case.ledger_path.stat().st_size == before:       # once the ledger names them, they are evidence
            remove(added)
        raise
