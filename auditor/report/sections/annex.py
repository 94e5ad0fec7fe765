"""The annex and the summary's charts: every flow (from the ledger: raw exhibits), every hook call (with the
code analysis attributed it to), every sealed file, and the timeline and country data the charts draw."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from auditor.case.events import CONSENT_KINDS
from auditor.contract.findings import Finding
from auditor.contract.observed import MAX_ROWS, Observed
from auditor.contract.vocabulary import PERSONAL_DATA_TYPES
from auditor.report.display import Display
from auditor.report.rows import Rows
from auditor.report.sections.findings import FindingsSection
from auditor.report.sources import LedgerView, flow_time
from auditor.shapes import as_dict, as_text


def flows_with_personal_data(findings: Iterable[Finding]) -> set[int]:
    return {item.ledger_seq for f in findings if f.type in PERSONAL_DATA_TYPES for item in f.evidence.shown}


def chart_data(d: Display, ledger: LedgerView, findings: Iterable[Finding], observed: Observed,
               personal: set[int]) -> dict[str, Any]:
    points = []
    for seq in sorted(ledger.flows)[:MAX_ROWS]:
        record = ledger.flows[seq]
        request = as_dict(record["body"].get("request"))
        points.append({"seq": seq, "time": d.plain(flow_time(record)),
                       "host": d.plain(as_text(request.get("host"))[:253]), "personal": seq in personal})
    consent = [{"time": d.plain(m.time), "kind": m.kind} for m in observed.marks if m.kind in CONSENT_KINDS]
    countries: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"physical": set(), "entity": set()})
    for f in findings:
        if f.recipient is None:
            continue
        host = d.plain(f.recipient.host)
        physical = (f.destination.country_physical if f.destination else None) or "??"
        entity = f.recipient.entity_country or "??"
        countries[physical]["physical"].add(host)
        countries[entity]["entity"].add(host)
    return {"timeline": points, "consent": consent,
            "countries": [{"country": c, "physical": len(v["physical"]), "entity": len(v["entity"])}
                          for c, v in sorted(countries.items())]}


def annex_section(d: Display, ledger: LedgerView, seal: dict[str, Any] | None, observed: Observed,
                  findings: FindingsSection, personal: set[int]) -> dict[str, Any]:
    seqs = sorted(ledger.flows)[:MAX_ROWS]

    def flow(index: int) -> dict[str, Any]:
        seq = seqs[index]
        record = ledger.flows[seq]
        body = record["body"]
        request, response = as_dict(body.get("request")), as_dict(body.get("response"))
        stream = as_dict(body.get("stream"))
        offset = stream.get("offset")
        url = f"{as_text(request.get('scheme'))}://{as_text(request.get('host'))}{as_text(request.get('path'))}"
        return {"seq": seq, "time": d.plain(flow_time(record)),
                "method": d.plain(as_text(request.get("method"))[:20]), "url": d.text(url, 200),
                "server_ip": d.plain(as_text(as_dict(body.get("server")).get("ip"))[:64]),
                "status": response.get("status_code") if isinstance(response.get("status_code"), int) else None,
                "personal": seq in personal,
                # a proxy.flow has no artifact: the flow is the record in flows.mitm named by stream
                "artifact": d.plain(as_text(record.get("artifact") or stream.get("sha256"))[:64]),
                "stream_offset": offset if isinstance(offset, int) and offset >= 0 else None}

    calls = observed.hook_calls
    files = sorted(as_dict(as_dict(seal.get("payload") if seal else None).get("files")).items())
    return {"flows": Rows(len(seqs), flow), "flows_omitted": max(0, len(ledger.flows) - MAX_ROWS),
            "hook_events": Rows(len(calls), lambda i: findings.hook_row(calls[i])),
            "hook_events_omitted": observed.hook_calls_omitted,
            "files": [{"path": d.plain(p), "sha256": d.plain(as_dict(e).get("sha256")), "size": as_dict(e).get("size")}
                      for p, e in files[:MAX_ROWS]],
            "files_omitted": max(0, len(files) - MAX_ROWS)}
