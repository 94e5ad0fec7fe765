"""The chain of custody: who created the case and when, where the APK came from, the device, the sealing and
who holds the key, and every ledger event after the seal's head (reviews, reports) — from the ledger itself."""

from __future__ import annotations

from typing import Any

from auditor.case.events import Kind
from auditor.report.display import Display
from auditor.report.sources import LedgerView

CUSTODY_KINDS = frozenset({Kind.CASE_CREATED, Kind.DEVICE_ATTESTATION, Kind.DEVICE_APK, Kind.STATIC_APK,
                           Kind.IMPORT_HAR, Kind.IMPORT_PASSIVE, Kind.CASE_SEALING})
MAX_EVENTS = 200
DETAIL_KEYS = ("sha256", "source", "path", "signer_fingerprint", "file_sha256", "case_id", "serial", "verdict_id",
               "status", "reviewer", "pcap_sha256", "flows_added", "tshark")      # those an event has, in this order


def custody_section(d: Display, ledger: LedgerView, info: dict[str, Any], seal: dict[str, Any]) -> dict[str, Any]:
    head = seal.get("ledger_head_seq")
    events = []
    for record in ledger.custody[:MAX_EVENTS]:
        body = record["body"] if isinstance(record["body"], dict) else {}
        detail = {k: d.plain(body.get(k)) for k in DETAIL_KEYS if isinstance(body.get(k), str | int)}
        events.append({"seq": record["seq"], "time": d.plain(record["t_wall"]), "source": d.plain(record["source"]),
                       "kind": d.plain(record["kind"]),
                       "after_seal": head is not None and record["seq"] > head,
                       "detail": "; ".join(f"{k} {v}" for k, v in detail.items())})
    operator = info.get("operator") if isinstance(info.get("operator"), dict) else {}
    return {"operator": d.plain(operator.get("name")), "events": events,
            "events_omitted": max(0, len(ledger.custody) - MAX_EVENTS),
            "after_seal": sum(1 for e in events if e["after_seal"])}
