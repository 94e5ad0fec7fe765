"""`auditor export har`: the case's captured flows as HAR 1.2, for people and other tools.

Built from CASE/flows.mitm with mitmproxy's own HAR writer (serverIPAddress from the connected peer,
timings from the connection and message timestamps); flows imported from another tool's HAR (import.flow) follow
as the entries they were, read from the stored HAR file, each naming it (`_auditor_imported_from`); requests
imported from a passive capture (`auditor import passive`) follow as entries built from their events, with no
response (status 0: none was read), each naming its pcapng and frame. HAR is a
lossy view — bodies are decoded text, the
client address and SNI are dropped — so the case's stream file and ledger stay the evidence; a body the
capture streamed to the artifact store is named in the entry's `_auditor_body_sha256` instead of inlined.
Same case, same bytes out.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from mitmproxy import http
from mitmproxy import io as mitm_io
from mitmproxy.addons.savehar import SaveHar

from auditor.capture.addons.bodies import META_KEY
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.layout import FLOWS_FILE
from auditor.case.ledger_check import read_records
from auditor.errors import InputError
from auditor.importers.har import MAX_HAR_BYTES


def read_case_flows(case: Case) -> list[http.HTTPFlow]:
    path = case.root / FLOWS_FILE
    if not path.exists():
        return []
    flows: list[http.HTTPFlow] = []
    with open(path, "rb") as handle:
        try:
            for flow in mitm_io.FlowReader(handle).stream():
                if isinstance(flow, http.HTTPFlow):
                    flows.append(flow)
        except Exception as exc:    # the format has no checksum: any decoding error means damage
            raise InputError(path, f"unreadable after {len(flows)} flows ({type(exc).__name__}: {exc})") from None
    return flows


def imported_entries(case: Case) -> list[dict[str, Any]]:
    """The HAR entries of the case's import.flow events, in ledger order, as the imported file holds them."""
    files: dict[str, list[Any]] = {}
    entries = []
    for record in read_records(case.ledger_path):
        body, digest = record["body"], record.get("artifact")
        if record["kind"] != Kind.IMPORT_FLOW or not isinstance(body, dict) or not isinstance(digest, str):
            continue
        if isinstance(body.get("passive"), dict):
            entries.append(passive_entry(case, record))
            continue
        index = (body.get("har") or {}).get("index") if isinstance(body.get("har"), dict) else None
        if digest not in files:
            try:
                files[digest] = json.loads(case.artifacts.read_bytes(digest, MAX_HAR_BYTES))["log"]["entries"]
            except (OSError, ValueError, KeyError, TypeError) as exc:
                raise InputError(f"artifact {digest}", f"the imported HAR of seq {record['seq']} is unreadable "
                                 f"({type(exc).__name__})") from None
        if not isinstance(index, int) or not 0 <= index < len(files[digest]):
            raise InputError(f"ledger seq {record['seq']}", f"names entry {index!r} of a HAR of "
                             f"{len(files[digest])} entries")
        entries.append({**files[digest][index], "_auditor_imported_from": {"har_sha256": digest, "index": index,
                                                                            "ledger_seq": record["seq"]}})
    return entries


def passive_entry(case: Case, record: dict[str, Any]) -> dict[str, Any]:
    """A request read off a passive capture as a HAR entry: the request as the event states it, its body from
    the artifact store (text when it is UTF-8, else base64), and an empty response, since none was read."""
    body = record["body"]
    request, server, source = body["request"], body.get("server") or {}, body["passive"]
    default = {"https": 443, "http": 80}.get(request["scheme"])
    port = f":{request['port']}" if request.get("port") and request["port"] != default else ""
    entry_request: dict[str, Any] = {
        "method": request["method"], "url": f"{request['scheme']}://{request['host']}{port}{request['path']}",
        "httpVersion": request["http_version"], "cookies": [], "queryString": [], "headersSize": -1,
        "headers": [{"name": name, "value": value} for name, value in request["headers"]],
        "bodySize": request["body_size"]}
    if request.get("body_sha256"):
        data = case.artifacts.read_bytes(request["body_sha256"], MAX_HAR_BYTES)
        mime = next((v for n, v in request["headers"] if n.lower() == "content-type"), "")
        try:
            entry_request["postData"] = {"mimeType": mime, "text": data.decode("utf-8")}
        except UnicodeDecodeError:
            entry_request["postData"] = {"mimeType": mime, "text": base64.b64encode(data).decode(),
                                         "encoding": "base64"}
    return {"startedDateTime": body["timestamps"]["start"], "time": 0, "request": entry_request,
            "response": {"status": 0, "statusText": "", "httpVersion": "", "headers": [], "cookies": [],
                         "content": {"size": 0, "mimeType": ""}, "redirectURL": "", "headersSize": -1,
                         "bodySize": -1},
            "cache": {}, "timings": {"send": 0, "wait": 0, "receive": 0},
            **({"serverIPAddress": server["ip"]} if server.get("ip") else {}),
            "_auditor_imported_from": {"pcap_sha256": record["artifact"], "frame": source["frame"],
                                       "protocol": source["protocol"], "ledger_seq": record["seq"]}}


def case_to_har(case: Case) -> dict[str, Any]:
    flows = read_case_flows(case)
    har = SaveHar().make_har(flows)
    for flow, entry in zip(flows, har["log"]["entries"], strict=True):
        for side, facts in flow.metadata.get(META_KEY, {}).items():
            if facts.get("spilled"):
                entry[side]["_auditor_body_sha256"] = facts["body_sha256"]
    har["log"]["entries"] += imported_entries(case)
    har["log"]["comment"] = f"exported by auditor from case {case.id}"
    return har


def export_har(case_dir: Path, output: Path) -> int:
    har = case_to_har(Case.open(case_dir))
    output.write_text(json.dumps(har, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return len(har["log"]["entries"])
