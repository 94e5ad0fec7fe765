"""`auditor witness`: check every request the proxy recorded against the packets captured beside it.

Like analysis, it reads the case and writes a derived file (witness/witness.json, docs/witness.md); it never
touches the network and adds nothing to the ledger. Each `proxy.pcap` of a capture session (--pcap) is read
with that session's key logs and the app's own (`hook.keylog`, instrument --keylog); the session's flows
are the `proxy.flow` events after its `proxy.started`. A passive capture (`passive.pcap`, capture --passive)
has no proxy and so no flows to check: it is read with the app's own key logs for what crossed the wire,
requests and the certificate chains the servers sent (the genuine ones: no proxy forged them).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.layout import WITNESS_DIR, WITNESS_FILE
from auditor.case.ledger_check import read_records
from auditor.errors import InputError
from auditor.witness.match import Match, ProxyRequest, Seen, match
from auditor.witness.wire import ServerChain, Wire, WireRequest, read_wire, server_chains, tshark_version

WITNESS_FORMAT = "auditor-witness/1"


class Outcome(StrEnum):
    CONSISTENT = "consistent"       # every request on both sides
    MISMATCH = "mismatch"           # a request only in the proxy or only on the wire


@dataclass(frozen=True)
class SessionWitness:
    proxy_pid: int
    pcap_seq: int
    pcap_sha256: str | None         # None: dumpcap left no file (its log is in the proxy.pcap event)
    keylog_sha256s: tuple[str, ...]
    interface: str
    capture_filter: str
    counts: dict[str, int]          # Seen -> requests
    tunnels: int
    tls_streams: int
    undecrypted_tls_streams: int    # a key log that opened nothing there: a known unknown
    matches: tuple[Match, ...]


@dataclass(frozen=True)
class PassiveWitness:
    """What a passive capture's packets show, opened with the app's own key logs."""
    pcap_seq: int
    pcap_sha256: str | None         # None: dumpcap left no file (its log is in the passive.pcap event)
    keylog_sha256s: tuple[str, ...]
    interface: str
    capture_filter: str
    tls_streams: int
    undecrypted_tls_streams: int    # no request inside: a known unknown (no key, or no request was made)
    chainless_tls_streams: int      # no server chain readable: a known unknown (TLS 1.3 without the
                                    # handshake secrets, or a resumed session, which sends none)
    requests: tuple[WireRequest, ...]
    server_chains: tuple[ServerChain, ...]
    quic_connections: int = 0
    undecrypted_quic_connections: int = 0   # no HTTP/3 request read: a known unknown, as for TLS
    unread_h3_streams: int = 0               # request streams not read whole: a known unknown


@dataclass(frozen=True)
class WitnessResult:
    format: str
    tshark: str
    outcome: Outcome                # of the proxy sessions: a passive capture has nothing to disagree with
    sessions: tuple[SessionWitness, ...]
    unwitnessed_flows: int          # proxy.flow events of sessions captured without --pcap
    passive: tuple[PassiveWitness, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Session:
    pid: int
    flows: list[ProxyRequest]
    keylogs: list[str]
    pcap: dict[str, Any] | None = None


def captures(case: Case) -> tuple[list[_Session], list[dict[str, Any]], list[str]]:
    """Capture sessions in ledger order, each with its flows, key logs and packet capture; the passive
    captures; the app's own key logs."""
    sessions: list[_Session] = []
    passive: list[dict[str, Any]] = []
    app_keylogs: list[str] = []
    for record in read_records(case.ledger_path):
        kind, body = record.get("kind"), record.get("body") or {}
        if kind == Kind.PASSIVE_PCAP:
            passive.append(record)
        elif kind == Kind.HOOK_KEYLOG and record.get("artifact"):
            app_keylogs.append(record["artifact"])
        elif kind == Kind.PROXY_STARTED:
            sessions.append(_Session(body.get("pid"), [], []))
        elif kind == Kind.PROXY_FLOW and sessions and body.get("request"):
            sessions[-1].flows.append(ProxyRequest.from_flow(record["seq"], body))
        elif kind in (Kind.PROXY_PCAP, Kind.PROXY_KEYLOG):
            owner = next((s for s in reversed(sessions) if s.pid == body.get("proxy_pid")), None)
            if owner is None:
                raise InputError(case.ledger_path, f"{kind} at seq {record['seq']} names no capture session")
            if kind == Kind.PROXY_PCAP:
                owner.pcap = record
            elif record.get("artifact"):
                owner.keylogs.append(record["artifact"])
    for session in sessions:
        session.keylogs += app_keylogs      # the app's secrets open its leg to the proxy too
    return sessions, passive, app_keylogs


def _witness_session(case: Case, session: _Session) -> SessionWitness:
    assert session.pcap is not None
    body, digest = session.pcap["body"], session.pcap.get("artifact")
    if digest is None:
        requests, tunnels, tls, undecrypted = [], 0, 0, 0
    else:
        with joined_keylog(case, session.keylogs) as keylog:
            wire = read_wire(case.artifacts.path_for(digest), keylog)
        requests, tunnels, tls, undecrypted = (list(wire.requests), wire.tunnels, wire.tls_streams,
                                               wire.undecrypted_tls_streams)
    matches = match(session.flows, requests)
    counts = Counter(m.seen for m in matches)
    return SessionWitness(proxy_pid=session.pid, pcap_seq=session.pcap["seq"], pcap_sha256=digest,
                          keylog_sha256s=tuple(session.keylogs), interface=body.get("interface", ""),
                          capture_filter=body.get("filter", ""), counts={s.value: counts[s] for s in Seen},
                          tunnels=tunnels, tls_streams=tls, undecrypted_tls_streams=undecrypted,
                          matches=tuple(matches))


def _witness_passive(case: Case, record: dict[str, Any], keylogs: list[str]) -> PassiveWitness:
    body, digest = record["body"], record.get("artifact")
    chains: tuple[ServerChain, ...] = ()
    wire = Wire((), 0, 0, 0)
    if digest is not None:
        with joined_keylog(case, keylogs) as keylog:
            wire = read_wire(case.artifacts.path_for(digest), keylog)
            chains = server_chains(case.artifacts.path_for(digest), keylog)
    return PassiveWitness(pcap_seq=record["seq"], pcap_sha256=digest, keylog_sha256s=tuple(keylogs),
                          interface=body.get("interface", ""), capture_filter=body.get("filter", ""),
                          tls_streams=wire.tls_streams, undecrypted_tls_streams=wire.undecrypted_tls_streams,
                          chainless_tls_streams=wire.tls_streams - len({c.tcp_stream for c in chains} - {None}),
                          requests=wire.requests, server_chains=chains, quic_connections=wire.quic_connections,
                          undecrypted_quic_connections=wire.undecrypted_quic_connections,
                          unread_h3_streams=wire.unread_h3_streams)


@contextmanager
def joined_keylog(case: Case, digests: list[str]) -> Iterator[Path | None]:
    """tshark takes one key log file: the artifact itself, or the logs concatenated into a temporary file."""
    if len(digests) < 2:
        yield case.artifacts.path_for(digests[0]) if digests else None
        return
    # in the case's directory: the secrets do not leave it
    with tempfile.NamedTemporaryFile(prefix=".keylog-", suffix=".tmp", dir=case.root) as joined:
        joined.write(b"\n".join(case.artifacts.path_for(d).read_bytes() for d in digests))
        joined.flush()
        yield Path(joined.name)


def witness(case_dir: Path) -> tuple[WitnessResult, Path]:
    case = Case.open(case_dir)
    sessions, passive, app_keylogs = captures(case)
    captured = [s for s in sessions if s.pcap is not None]
    if not captured and not passive:
        raise InputError(case_dir, "the case holds no packet capture; record one with 'auditor capture --pcap' "
                                   "or '--passive'")
    (case.root / WITNESS_DIR).mkdir(exist_ok=True)
    checked = tuple(_witness_session(case, s) for s in captured)
    passively = tuple(_witness_passive(case, record, app_keylogs) for record in passive)
    mismatched = any(s.counts[Seen.PROXY_ONLY] or s.counts[Seen.WIRE_ONLY] for s in checked)
    result = WitnessResult(format=WITNESS_FORMAT, tshark=tshark_version(),
                           outcome=Outcome.MISMATCH if mismatched else Outcome.CONSISTENT, sessions=checked,
                           unwitnessed_flows=sum(len(s.flows) for s in sessions if s.pcap is None),
                           passive=passively)
    out = case.root / WITNESS_DIR / WITNESS_FILE
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(json.dumps(result.as_json(), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, out)
    return result, out
