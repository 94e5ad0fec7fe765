"""The method: what the analysis was made from (inputs.json) and what the method did and planted
(observed.json: planted values, operator marks, capture sessions, hooked processes)."""

from __future__ import annotations

from typing import Any

from auditor.case.events import Kind
from auditor.case.layout import CASE_FILE
from auditor.contract.files import Analysis
from auditor.contract.findings import Actor
from auditor.readable import readable
from auditor.report.display import Display
from auditor.report.sources import LedgerView


def actor_name(actor: Actor | None) -> str:
    return actor.name if actor is not None else ""


# Recorded after an analysis without changing what it was made from: reviewers' statuses and the sealing.
NOT_EVIDENCE = frozenset({Kind.REVIEW_STATUS, Kind.CASE_SEALING, Kind.CASE_SEALING_FAILED})


def analysis_drift(analysis: Analysis, case_json_sha256: str, ledger: LedgerView) -> list[str]:
    """How the case differs from the inputs its analysis records (empty: the analysis is of this case as it is)."""
    recorded = analysis.inputs.case
    drift = []
    if recorded.case_json_sha256 != case_json_sha256:
        drift.append(CASE_FILE)
    if recorded.ledger_head.seq and ledger.analysed_hash != recorded.ledger_head.hash:
        drift.append(f"ledger line {recorded.ledger_head.seq}")
    drift += sorted(f"{kind} ×{count}" for kind, count in ledger.after_analysis.items() if kind not in NOT_EVIDENCE)
    return drift


def analysis_section(d: Display, analysis: Analysis, seal_sha256: str | None, drift: list[str]) -> dict[str, Any]:
    inputs = analysis.inputs
    made_from = inputs.case.seal_sha256
    return {
        "files": analysis.hashes,
        "made_from_seal": d.plain(made_from),
        "matches_seal": seal_sha256 is not None and made_from == seal_sha256,
        "matches_case": not drift, "drift": [d.plain(item) for item in drift],
        "datasets": [{"name": d.plain(x.name), "version": d.plain(x.version), "sha256": d.plain(x.sha256),
                      "licence": d.plain(x.licence), "attribution": d.plain(x.attribution),
                      "error_rate": d.plain(x.error_rate)}
                     for x in inputs.datasets],
        "rulesets": [{"name": d.plain(r.name), "version": d.plain(r.version), "sha256": r.sha256}
                     for r in inputs.rulesets],
    }


def quic_section(analysis: Analysis) -> dict[str, Any]:
    """The choice made for QUIC: blocked through the proxy (the app falls back to TCP), recorded and read with
    the app's keys on a passive capture; the counts behind both, each passive capture's latest import."""
    observed = analysis.observed
    latest = {row.pcap_seq: row for row in observed.passive_imports}
    return {"blocked": observed.capture.gap_counts.get("quic_blocked", 0),      # one proxy.quic_blocked each
            "passive_captures": sum(c.passive for c in observed.packet_captures), "imported": bool(latest),
            "h3_requests": sum(row.requests_by_protocol.get("h3", 0) for row in latest.values()),
            "connections": sum(row.quic_connections for row in latest.values()),
            "undecrypted": sum(row.undecrypted_quic_connections for row in latest.values())}


def tls_section(d: Display, analysis: Analysis) -> dict[str, Any]:
    """What the instrumentation changed in the app's TLS (--unpin) and which key sources it used (--keylog),
    each row as recorded, and the second witness's result: the method must say that the app was altered, how,
    and whether the wire agreed with the proxy."""
    observed = analysis.observed
    witness = observed.witness
    return {
        "changes": [{"seq": b.seq, "time": d.plain(b.time), "kind": b.kind, "phase": b.phase,
                     "library": d.plain(b.library or ""), "function": d.plain(b.function or ""), "located": b.located,
                     "host": d.plain(b.host or ""), "detail": d.text(b.detail or "", 300)}
                    for b in observed.tls_bypasses],
        "keys_logged": observed.tls_keys_logged,
        "quic": quic_section(analysis),
        "packet_captures": [{"seq": c.seq, "passive": c.passive, "interface": d.plain(c.interface),
                             "pcap_sha256": d.plain(c.pcap_sha256 or "")} for c in observed.packet_captures],
        "witness": None if witness is None else {
            "outcome": witness.outcome, "sha256": d.plain(witness.witness_sha256), "tshark": d.plain(witness.tshark),
            "unwitnessed_flows": witness.unwitnessed_flows,
            "sessions": [{"proxy_pid": d.plain(s.proxy_pid), "both": s.both, "proxy_only": s.proxy_only,
                          "wire_only": s.wire_only, "tls_streams": s.tls_streams,
                          "undecrypted": s.undecrypted_tls_streams} for s in witness.sessions],
            "mismatches": [{"seen": m.seen, "method": d.plain(m.method), "host": d.plain(m.host),
                            "path": d.text(m.path, 200)} for m in witness.mismatches]},
    }


def method_section(d: Display, analysis: Analysis) -> dict[str, Any]:
    observed = analysis.observed
    return {
        "tls": tls_section(d, analysis),
        "planted": [{"what": d.plain(p.what), "value": d.text(p.value, 300)} for p in observed.planted
                    if p.seq is None],
        "planted_returned": [{"seq": r.seq, "time": d.plain(r.time), "what": d.plain(r.planted.what),
                              "api": d.plain(r.api), "value": d.text(readable(r.planted.value), 300),
                              "original": d.text(readable(r.planted.original), 300),
                              "actor": d.plain(r.actor.package or r.actor.class_name) if r.actor else "",
                              "sdk": d.plain(r.actor.sdk) if r.actor else ""}
                             for r in observed.planted_returned],
        "marks": [{"seq": m.seq, "time": d.plain(m.time), "kind": d.plain(m.kind), "text": d.text(m.text, 500)}
                  for m in observed.marks],
        "capture_sessions": [{"started": d.plain(s.started), "stopped": d.plain(s.stopped), "mode": d.plain(s.mode),
                              "flows": d.plain(s.flows), "ca_cert_sha256": d.plain(s.ca_cert_sha256)}
                             for s in observed.capture_sessions],
        "hooked_processes": [{"seq": p.seq, "time": d.plain(p.time), "pid": d.plain(p.pid), "event": d.plain(p.event),
                              "frida": d.plain(p.frida), "agent_sha256": d.plain(p.agent_sha256)}
                             for p in observed.hooked_processes],
    }
