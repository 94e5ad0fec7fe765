"""`auditor import har`: another tool's capture brought into a case, with its own consistency checked.

The HAR file is hostile input: its size, entry count and every field are bounded and type-checked, and
nothing in it is trusted silently. What is recorded:
- `import.har`: the file's SHA-256 (the file itself is an artifact), its creator block, the capture window
  it states (an extension block's startDate/endDate, e.g. `_tweasel`), and every warning;
- `import.flow` per entry, in the `proxy.flow` shape of docs/events.md, its artifact being the entry's
  canonical JSON; bodies as the HAR holds them (decoded text, or base64 when the HAR says so);
- case.json `imports`: one summary per imported file.
Warnings, not refusals: entries dated outside the stated window, duplicate entries, entries without a
server address, undatable entries. A file that is not HAR at all is refused with a clear error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from auditor.case.bundle import Case
from auditor.case.canonical import canonical_json
from auditor.case.events import Kind
from auditor.errors import InputError

MAX_HAR_BYTES = 512 << 20
MAX_ENTRIES = 200_000
MAX_HEADERS = 500
SOURCE = "import"


@dataclass
class HarImport:
    file_sha256: str
    creator: dict[str, Any] | None
    window: dict[str, str] | None
    entries: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, entry: int | None, code: str, detail: str) -> None:
        self.warnings.append({"entry": entry, "code": code, "detail": detail})

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for warning in self.warnings:
            counts[warning["code"]] = counts.get(warning["code"], 0) + 1
        return {"file_sha256": self.file_sha256, "creator": self.creator, "stated_window": self.window,
                "entries": self.entries, "warning_counts": dict(sorted(counts.items()))}


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stated_window(log: dict[str, Any]) -> dict[str, str] | None:
    """The capture window an extension block states (HAR 1.2 itself has none), with where it came from."""
    for key in sorted(k for k in log if isinstance(k, str) and k.startswith("_")):
        block = log[key]
        if isinstance(block, dict):
            start, end = parse_time(block.get("startDate")), parse_time(block.get("endDate"))
            if start and end:
                return {"start": iso(start), "end": iso(end), "stated_in": f"log.{key}"}
    return None


def _text(value: object, limit: int = 65536) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _headers(message: dict[str, Any]) -> list[list[str]]:
    headers = message.get("headers")
    if not isinstance(headers, list):
        return []
    return [[_text(h.get("name"), 1024), _text(h.get("value"))] for h in headers[:MAX_HEADERS] if isinstance(h, dict)]


def _body(case: Case, text: object, encoding: object) -> dict[str, Any]:
    if not isinstance(text, str) or not text:
        return {"body_sha256": None, "body_size": 0, "body_complete": True}
    data = text.encode("utf-8", "surrogatepass")
    if encoding == "base64":
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            pass                  # recorded as the text it is; the entry artifact keeps the original
    return {"body_sha256": case.artifacts.put_bytes(data), "body_size": len(data), "body_complete": True}


def entry_event(case: Case, index: int, entry: dict[str, Any], started: datetime | None) -> dict[str, Any]:
    request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
    response = entry.get("response") if isinstance(entry.get("response"), dict) else None
    url = urlsplit(_text(request.get("url"), 65536))
    try:
        port = url.port or (443 if url.scheme == "https" else 80)
    except ValueError:
        port = None
    post = request.get("postData") if isinstance(request.get("postData"), dict) else {}
    content = response.get("content") if response and isinstance(response.get("content"), dict) else {}
    duration = entry.get("time") if isinstance(entry.get("time"), (int, float)) else None
    server_ip = entry.get("serverIPAddress")
    return {
        "flow_id": f"har-entry-{index}",
        "type": "websocket" if entry.get("_resourceType") == "websocket" else "http",
        "client": None,
        "server": {"ip": _text(server_ip, 64), "port": port} if isinstance(server_ip, str) and server_ip else None,
        "tls": None,
        "request": {"method": _text(request.get("method"), 32), "scheme": url.scheme, "host": url.hostname,
                    "port": port, "path": url.path + (f"?{url.query}" if url.query else ""),
                    "http_version": _text(request.get("httpVersion"), 32), "headers": _headers(request),
                    **_body(case, post.get("text"), None)},
        "response": {"status_code": response.get("status") if isinstance(response.get("status"), int) else None,
                     "http_version": _text(response.get("httpVersion"), 32), "headers": _headers(response),
                     **_body(case, content.get("text"), content.get("encoding"))} if response else None,
        "timestamps": {"start": iso(started) if started else None, "request_end": None, "response_start": None,
                       "end": iso(started + timedelta(milliseconds=duration))
                       if started and duration is not None and 0 <= duration < 1e10 else None},
        "error": None,
        "har": {"index": index, "bodies": "as text in the HAR (decoded by the capturing tool)"},
    }


def load_har(path: Path) -> tuple[bytes, dict[str, Any]]:
    try:
        size = path.stat().st_size
        if size > MAX_HAR_BYTES:
            raise InputError(path, f"HAR file of {size} bytes exceeds the {MAX_HAR_BYTES}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read ({exc.strerror})") from None
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise InputError(path, f"not a HAR file: not valid UTF-8 JSON ({str(exc)[:200]})") from None
    log = data.get("log") if isinstance(data, dict) else None
    if not isinstance(log, dict) or not isinstance(log.get("entries"), list):
        raise InputError(path, "not a HAR file: no log.entries list")
    if len(log["entries"]) > MAX_ENTRIES:
        raise InputError(path, f"{len(log['entries'])} entries exceed the limit of {MAX_ENTRIES}")
    return raw, log


def import_har(path: Path, case_dir: Path) -> HarImport:
    path = Path(path)
    raw, log = load_har(path)
    case = Case.open(case_dir)
    creator = log.get("creator") if isinstance(log.get("creator"), dict) else None
    result = HarImport(hashlib.sha256(raw).hexdigest(), creator, stated_window(log))
    window = result.window
    seen: dict[str, int] = {}
    prepared: list[tuple[dict[str, Any], str]] = []
    for index, entry in enumerate(log["entries"]):
        if not isinstance(entry, dict):
            result.warn(index, "entry_not_an_object", "skipped")
            continue
        started = parse_time(entry.get("startedDateTime"))
        if started is None:
            result.warn(index, "entry_time_invalid", f"startedDateTime {str(entry.get('startedDateTime'))[:64]!r}")
        elif window and not parse_time(window["start"]) <= started <= parse_time(window["end"]):
            result.warn(index, "entry_outside_stated_window",
                        f"{iso(started)} is outside {window['start']} .. {window['end']} ({window['stated_in']})")
        if not entry.get("serverIPAddress"):
            result.warn(index, "server_address_missing", "no serverIPAddress: the destination IP is unknown")
        entry_bytes = canonical_json(entry)
        entry_digest = case.artifacts.put_bytes(entry_bytes)
        if entry_digest in seen:
            result.warn(index, "duplicate_entry", f"identical to entry {seen[entry_digest]}")
        seen.setdefault(entry_digest, index)
        prepared.append((entry_event(case, index, entry, started), entry_digest))
    result.entries = len(prepared)
    file_digest = case.artifacts.put_bytes(raw)
    with case.ledger() as ledger:
        ledger.append(SOURCE, Kind.IMPORT_HAR, {"file": path.name, "size": len(raw), **result.summary(),
                                               "warnings": result.warnings[:10_000]}, artifact=file_digest)
        for body, digest in prepared:
            ledger.append(SOURCE, Kind.IMPORT_FLOW, body, artifact=digest)
        imports = list(case.info.get("imports") or [])
        imports.append({"kind": "har", "file": path.name, **result.summary()})
        case.set_section("imports", imports, ledger=ledger)
    return result
