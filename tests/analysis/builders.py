"""Build cases for the analysis tests with the real case API, writing events of the documented shape
(docs/events.md) and bodies into the artifact store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.case.bundle import Case
from auditor.case.ledger import Ledger

SHARED = Path(__file__).resolve().parents[3] / "shared"
if not SHARED.is_dir():
    SHARED = Path("/work/shared")
HAR = SHARED / "data" / "traffic" / "reporthar-android-first-run.har"


def flow_body(flow_id: str, url: str, *, method: str = "POST", headers: list[list[str]] | None = None,
              body_sha256: str | None = None, body_size: int = 0, server_ip: str | None = None,
              client_port: int = 40000, start: str, http_version: str = "HTTP/1.1") -> dict[str, Any]:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return {
        "flow_id": flow_id, "type": "http",
        "client": {"ip": "127.0.0.1", "port": client_port},
        "server": {"ip": server_ip, "port": port},
        "tls": {"sni": parts.hostname, "alpn": "http/1.1", "version": "TLSv1.3", "upstream_chain_sha256": [],
                "upstream_verified": True, "upstream_error": None} if parts.scheme == "https" else None,
        "request": {"method": method, "scheme": parts.scheme, "host": parts.hostname, "port": port, "path": path,
                    "http_version": http_version, "headers": headers or [], "body_sha256": body_sha256,
                    "body_size": body_size, "body_complete": True},
        "response": {"status_code": 200, "http_version": http_version, "headers": [], "body_sha256": None,
                     "body_size": 0, "body_complete": True},
        "timestamps": {"start": start, "request_end": start, "response_start": start, "end": start},
        "error": None,
    }


def add_flow(case: Case, ledger: Ledger, url: str, body: bytes | None = None, *, kind: str = "proxy.flow",
             **options: Any) -> int:
    digest = case.artifacts.put_bytes(body) if body is not None else None
    event = flow_body(options.pop("flow_id", f"flow-{url}"), url, body_sha256=digest,
                      body_size=len(body or b""), **options)
    artifact = case.artifacts.put_bytes(json.dumps(event, sort_keys=True).encode())
    return ledger.append(kind.split(".")[0], kind, event, artifact=artifact)["seq"]


def har_case(root: Path) -> Case:
    """The real ReportHAR capture as `import.flow` events (the shape `auditor import har` writes)."""
    har = json.loads(HAR.read_text(encoding="utf-8"))
    case = Case.create(root, operator="test")
    with case.ledger(fsync_interval=0) as ledger:
        for number, entry in enumerate(har["log"]["entries"]):
            request = entry["request"]
            text = (request.get("postData") or {}).get("text")
            headers = [[h["name"], h["value"]] for h in request["headers"]]
            digest = case.artifacts.put_bytes(text.encode("utf-8")) if text else None
            event = flow_body(f"har-{number}", request["url"], method=request["method"], headers=headers,
                              body_sha256=digest, body_size=len(text or ""),
                              server_ip=entry.get("serverIPAddress"), client_port=0,
                              start=entry["startedDateTime"].replace("+00:00", "Z"))
            event["client"] = None
            artifact = case.artifacts.put_bytes(json.dumps(entry, sort_keys=True).encode("utf-8"))
            ledger.append("import", "import.flow", event, artifact=artifact)
    return case


def attestation(values: dict[str, str]) -> dict[str, object]:
    """A device attestation record (docs/events.md, device) holding the given identifiers as known fields."""
    return {"format": "auditor-device-attestation/1", "serial": "TEST", "warnings": [],
            "fields": {name: {"value": value, "known": True, "how": "test"} for name, value in values.items()}}
