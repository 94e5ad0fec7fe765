"""The second witness and the TLS changes in observed.json: the packet captures the ledger records (capture
--pcap or --passive); when `auditor witness` has run, its result as witness/witness.json states it, named by
that file's SHA-256 so the report cites exactly the result it shows (analysis does not run tshark); and what
--unpin and --keylog installed, could not find, and overturned in the app's TLS."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.layout import WITNESS_DIR, WITNESS_FILE
from auditor.contract.observed import (
    MAX_ROWS,
    PacketCapture,
    PassiveImport,
    PassiveWitness,
    ServerCertificate,
    ServerChain,
    TlsBypass,
    WireWitness,
    WitnessMismatch,
    WitnessSession,
)
from auditor.errors import InputError

MAX_WITNESS_BYTES = 256 << 20


def packet_captures(records: dict[Kind, list[dict[str, Any]]]) -> tuple[PacketCapture, ...]:
    keylogs = {r["body"].get("proxy_pid"): r for r in records.get(Kind.PROXY_KEYLOG, [])}
    captures = []
    pcaps = sorted(records.get(Kind.PROXY_PCAP, []) + records.get(Kind.PASSIVE_PCAP, []), key=lambda r: r["seq"])
    for record in pcaps[:MAX_ROWS]:
        body = record["body"]
        passive = record["kind"] == Kind.PASSIVE_PCAP
        keylog = {} if passive else keylogs.get(body.get("proxy_pid"), {})
        captures.append(PacketCapture(seq=record["seq"], time=str(body.get("started") or record["t_wall"]),
                                      passive=passive,
                                      proxy_pid=body.get("proxy_pid"), interface=str(body.get("interface", "")),
                                      capture_filter=str(body.get("filter", "")), pcap_sha256=record.get("artifact"),
                                      keylog_sha256=keylog.get("artifact"),
                                      keylog_lines=(keylog.get("body") or {}).get("lines", 0)))
    return tuple(captures)


def wire_witness(case: Case) -> WireWitness | None:
    path = case.root / WITNESS_DIR / WITNESS_FILE
    if not path.is_file():
        return None
    data = path.read_bytes()
    if len(data) > MAX_WITNESS_BYTES:
        raise InputError(path, f"larger than {MAX_WITNESS_BYTES} bytes; run 'auditor witness' again")
    try:
        result = json.loads(data)
        sessions = result["sessions"]
        witnessed = tuple(WitnessSession(proxy_pid=s["proxy_pid"], both=s["counts"]["both"],
                                         proxy_only=s["counts"]["proxy_only"], wire_only=s["counts"]["wire_only"],
                                         tls_streams=s["tls_streams"],
                                         undecrypted_tls_streams=s["undecrypted_tls_streams"]) for s in sessions)
        mismatches = tuple(WitnessMismatch(seen=m["seen"], method=m["method"], host=m["host"], path=m["path"],
                                           proxy_seq=m["proxy_seq"], wire_frame=m["wire_frame"])
                           for s in sessions for m in s["matches"] if m["seen"] != "both")
        passive = result.get("passive", [])
        passively = tuple(PassiveWitness(pcap_seq=p["pcap_seq"], requests=len(p["requests"]),
                                         tls_streams=p["tls_streams"],
                                         undecrypted_tls_streams=p["undecrypted_tls_streams"],
                                         chainless_tls_streams=p["chainless_tls_streams"],
                                         quic_connections=p.get("quic_connections", 0),
                                         undecrypted_quic_connections=p.get("undecrypted_quic_connections", 0))
                          for p in passive)
        chains = tuple(ServerChain(pcap_seq=p["pcap_seq"], server=c["server"], sni=c["sni"],
                                   transport="quic" if c.get("quic_connection") is not None else "tcp",
                                   certificates=tuple(ServerCertificate(**cert) for cert in c["certificates"]))
                       for p in passive for c in p["server_chains"])
        return WireWitness(outcome=result["outcome"], witness_sha256=hashlib.sha256(data).hexdigest(),
                           tshark=result["tshark"], unwitnessed_flows=result["unwitnessed_flows"],
                           sessions=witnessed, mismatches=mismatches[:MAX_ROWS], passive=passively[:MAX_ROWS],
                           server_chains=chains[:MAX_ROWS])
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(path, f"not a witness result ({exc}); run 'auditor witness' again") from exc


def passive_imports(records: dict[Kind, list[dict[str, Any]]]) -> tuple[PassiveImport, ...]:
    """What `auditor import passive` read from each passive capture, in ledger order."""
    rows = records.get(Kind.IMPORT_PASSIVE, [])
    return tuple(PassiveImport(seq=r["seq"], time=str(r["t_wall"]), pcap_seq=r["body"]["pcap_seq"],
                               tshark=str(r["body"]["tshark"]), requests=r["body"]["requests"],
                               flows_added=r["body"]["flows_added"],
                               requests_by_protocol=r["body"]["requests_by_protocol"],
                               tls_streams=r["body"]["tls_streams"],
                               undecrypted_tls_streams=r["body"]["undecrypted_tls_streams"],
                               quic_connections=r["body"]["quic_connections"],
                               undecrypted_quic_connections=r["body"]["undecrypted_quic_connections"])
                 for r in rows[:MAX_ROWS])


def tls_bypasses(records: dict[Kind, list[dict[str, Any]]]) -> tuple[TlsBypass, ...]:
    """Every bypass row except the key lines themselves (counted by tls_keys_logged), in ledger order."""
    rows = [(record, "bypass" if kind == Kind.HOOK_TLS_BYPASS else "keylog")
            for kind in (Kind.HOOK_TLS_BYPASS, Kind.HOOK_TLS_KEY) for record in records.get(kind, [])
            if record["body"].get("phase") != "logged"]
    rows.sort(key=lambda row: row[0]["seq"])
    return tuple(TlsBypass(seq=r["seq"], time=str(r["body"].get("time") or r["t_wall"]), pid=r["body"].get("pid"),
                           kind=kind, phase=str(r["body"].get("phase")), library=r["body"].get("library"),
                           function=r["body"].get("function"), located=r["body"].get("located"),
                           host=r["body"].get("host"),
                           detail=r["body"].get("error")) for r, kind in rows[:MAX_ROWS])


def tls_keys_logged(records: dict[Kind, list[dict[str, Any]]]) -> int:
    return sum(r["body"].get("phase") == "logged" for r in records.get(Kind.HOOK_TLS_KEY, []))
