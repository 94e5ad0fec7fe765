"""`auditor import har`: another tool's capture brought into a case, with its own consistency checked.

The HAR file is hostile input: its size, entry count and every field are bounded and type-checked, and
nothing in it is trusted silently. What is recorded:
- `import.har`: the file's SHA-256 (the file itself is an artifact), its creator block, the capture window
  it states (an extension block's startDate/endDate, e.g. `_tweasel`), the app it says it captured, and
  every warning;
- `import.flow` per entry, in the `proxy.flow` shape of docs/events.md; its artifact is the HAR file, the
  entry named by `har.index` (one file per entry would cost more than the rest of the import); bodies as
  the bytes they stood for (har_bodies.py: base64, mitmproxy's latin-1 and surrogate-escaped text, form
  params), WebSocket messages as artifacts;
- case.json `imports`: one summary per imported file, and `app` when the HAR names the one app captured
  and the case has no app identity yet.
An import is one unit: every entry is parsed and checked before anything is written, artifacts are
written unsynced and made durable together in one pass, and a failure before the ledger records the
import removes the artifacts it wrote (after that, the ledger names them: they stay, as evidence).
Warnings, not refusals: entries dated outside the stated window, duplicate entries, entries without a
server address, undatable entries. Refusals, naming file, entry and problem: a file that is not HAR, an
unparsable URL, a time that is not a finite non-negative number, dates that overflow, a stated window
ending before it starts, a body that stands for no bytes.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import ipaddress
import json
import math
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit

from auditor.capture.durability import PendingSync
from auditor.case.bundle import Case
from auditor.case.canonical import canonical_json
from auditor.case.events import Kind
from auditor.collector import paused
from auditor.errors import InputError
from auditor.importers.har_bodies import Body, BodyError, content_body, post_body, websocket_payload

MAX_HAR_BYTES = 512 << 20
MAX_ENTRIES = 200_000
MAX_HEADERS = 500
MAX_WS_MESSAGES = 100_000
WARNINGS_IN_EVENT = 100
SOURCE = "import"


@dataclass
class HarImport:
    file_sha256: str
    creator: dict[str, Any] | None
    window: dict[str, str] | None
    app: dict[str, Any] | None = None
    entries: int = 0
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def warn(self, entry: int | None, code: str, detail: str) -> None:
        self.warnings.append({"entry": entry, "code": code, "detail": detail})

    def summary(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for warning in self.warnings:
            counts[warning["code"]] = counts.get(warning["code"], 0) + 1
        return {"file_sha256": self.file_sha256, "creator": self.creator, "stated_window": self.window,
                "app": self.app, "entries": self.entries, "warning_counts": dict(sorted(counts.items()))}


@dataclass
class Prepared:
    """Everything one import writes, built before the first write."""
    events: list[dict[str, Any]] = field(default_factory=list)                # import.flow bodies
    blobs: dict[str, bytes] = field(default_factory=dict)                     # digest -> bytes

    def put(self, data: bytes, digest: str | None = None) -> str:
        """The blob kept under its digest (given when already computed: the HAR file is 100s of MB)."""
        digest = digest or hashlib.sha256(data).hexdigest()
        self.blobs.setdefault(digest, data)
        return digest


class EntryError(ValueError):
    """One entry's problem, reported with the file and the entry's index."""


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise EntryError(f"date {value!r} overflows when converted to UTC") from None


def iso(moment: datetime) -> str:
    """2026-01-01T10:00:00.000000Z (isoformat: several times faster than strftime, run per entry; parsed
    times are already in UTC, so most need no conversion)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="microseconds")[:-6] + "Z"         # without its "+00:00"


def stated_window(log: dict[str, Any]) -> dict[str, str] | None:
    """The capture window an extension block states (HAR 1.2 itself has none), with where it came from."""
    for key in sorted(k for k in log if isinstance(k, str) and k.startswith("_")):
        block = log[key]
        if isinstance(block, dict):
            start, end = parse_time(block.get("startDate")), parse_time(block.get("endDate"))
            if start and end:
                if end < start:
                    raise EntryError(f"log.{key}: the stated window ends ({iso(end)}) before it starts "
                                     f"({iso(start)})")
                return {"start": iso(start), "end": iso(end), "stated_in": f"log.{key}"}
    return None


def stated_app(log: dict[str, Any], file_name: str, file_sha256: str) -> dict[str, Any] | None:
    """The app an extension block says was captured (tweasel: `_tweasel.apps`), as an app identity with its
    source; none when the block names no app or several."""
    for key in sorted(k for k in log if isinstance(k, str) and k.startswith("_")):
        block = log[key]
        apps = block.get("apps") if isinstance(block, dict) else None
        if isinstance(apps, list) and len(apps) == 1 and isinstance(apps[0], dict) \
                and isinstance(apps[0].get("id"), str) and apps[0]["id"]:
            app = apps[0]
            return {"package": _text(app["id"], 256), "version_name": _text(app.get("version"), 128) or None,
                    "version_code": _text(str(app["versionCode"]), 32) if app.get("versionCode") is not None
                    else None, "name": _text(app.get("name"), 256) or None,
                    "source": {"kind": "har", "file": file_name, "file_sha256": file_sha256,
                               "stated_in": f"log.{key}.apps[0]"}}
    return None


def _text(value: object, limit: int = 65536) -> str:
    """A bounded string for an event; lone surrogates (non-UTF-8 bytes as mitmproxy writes them) shown as
    their escape, since a ledger line is UTF-8 (the HAR artifact keeps the original)."""
    if not isinstance(value, str):
        return ""
    value = value[:limit]
    if value.isascii():
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _headers(message: dict[str, Any]) -> list[tuple[str, str]]:
    headers = message.get("headers")
    if not isinstance(headers, list):
        return []
    out = []
    for header in headers[:MAX_HEADERS]:
        if isinstance(header, dict):
            name, value = header.get("name"), header.get("value")
            # the common case, a short ASCII string, kept as it is without a call (headers are most of a HAR)
            if not (type(name) is str and len(name) <= 1024 and name.isascii()):
                name = _text(name, 1024)
            if not (type(value) is str and len(value) <= 65536 and value.isascii()):
                value = _text(value)
            out.append((name, value))
    return out


def _header(headers: list[tuple[str, str]], *names: str) -> str:
    for name, value in headers:
        if name.lower() in names:
            return value
    return ""


@functools.lru_cache(maxsize=4096)             # hosts repeat across entries; ip_address() is slow to refuse
def _is_ip(host: str | None) -> bool:
    try:
        ipaddress.ip_address(host or "")
    except ValueError:
        return False
    return True


def _named_host(hostname: str, headers: list[tuple[str, str]]) -> str:
    """The host a request named: the URL's, unless that is an IP literal and the Host (or HTTP/2
    :authority) header names the server (a capture of a transparent or IP-addressed connection)."""
    if not _is_ip(hostname):
        return hostname
    stated = _header(headers, "host", ":authority")
    try:
        named = urlsplit(f"//{stated}").hostname if stated else None
    except ValueError:
        named = None
    return named if named and not _is_ip(named) else hostname


@functools.lru_cache(maxsize=4096)             # a capture's requests go to a few servers
def _host_port(scheme: str, netloc: str) -> tuple[str | None, int]:
    """The host and port a URL's authority names (SplitResult parses it anew on every access)."""
    url = SplitResult(scheme, netloc, "", "", "")
    return url.hostname, url.port or (443 if scheme in ("https", "wss") else 80)


def _url(request: dict[str, Any]) -> tuple[SplitResult, str, int]:
    """The URL, its host and port."""
    raw = request.get("url")
    if not isinstance(raw, str) or not raw:
        raise EntryError("request.url: missing or not a string")
    try:
        url = urlsplit(raw[:65536])
        hostname, port = _host_port(url.scheme, url.netloc)
    except ValueError as exc:
        raise EntryError(f"request.url {raw[:200]!r}: {exc}") from None
    if not hostname:
        raise EntryError(f"request.url {raw[:200]!r}: names no host")
    return url, hostname, port


def _duration(entry: dict[str, Any]) -> float | None:
    duration = entry.get("time")
    if duration is None:
        return None
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration):
        raise EntryError(f"time {duration!r}: not a finite number of milliseconds")
    if duration < 0:
        raise EntryError(f"time {duration!r}: negative")
    return float(duration)


def _end(started: datetime | None, duration: float | None) -> str | None:
    if started is None or duration is None:
        return None
    try:
        return iso(started + timedelta(milliseconds=duration))
    except OverflowError:
        raise EntryError(f"startedDateTime {iso(started)} plus time {duration} ms overflows") from None


def _body_fields(prepared: Prepared, body: Body) -> dict[str, Any]:
    if not body.data:
        return {"body_sha256": None, "body_size": 0, "body_complete": True}
    return {"body_sha256": prepared.put(body.data), "body_size": len(body.data), "body_complete": True}


def _websocket(prepared: Prepared, entry: dict[str, Any]) -> dict[str, Any] | None:
    messages = entry.get("_webSocketMessages")
    if messages is None:
        return None
    if not isinstance(messages, list) or len(messages) > MAX_WS_MESSAGES:
        raise EntryError(f"_webSocketMessages: not a list of at most {MAX_WS_MESSAGES} messages")
    out = []
    for position, message in enumerate(messages):
        where = f"_webSocketMessages[{position}]"
        if not isinstance(message, dict) or message.get("type") not in ("send", "receive"):
            raise EntryError(f"{where}: not a message of type send or receive")
        data = websocket_payload(message, where)
        moment = message.get("time")
        when = None
        if isinstance(moment, (int, float)) and not isinstance(moment, bool) and math.isfinite(moment):
            try:
                when = iso(datetime.fromtimestamp(moment, UTC))
            except (OverflowError, ValueError, OSError):
                raise EntryError(f"{where}.time {moment!r}: not a usable epoch time") from None
        out.append({"from_client": message["type"] == "send", "time": when,
                    "opcode": message.get("opcode") if isinstance(message.get("opcode"), int) else None,
                    "content_sha256": prepared.put(data) if data else None, "size": len(data)})
    return {"messages": out}


def entry_event(prepared: Prepared, index: int, entry: dict[str, Any], started: datetime | None,
                mitmproxy: bool) -> dict[str, Any]:
    request = entry.get("request")
    if not isinstance(request, dict):
        raise EntryError("request: missing or not an object")
    response = entry.get("response") if isinstance(entry.get("response"), dict) else None
    url, hostname, port = _url(request)
    duration = _duration(entry)
    end = _end(started, duration)
    request_headers = _headers(request)
    host = _named_host(hostname, request_headers)
    server_ip = entry.get("serverIPAddress")
    server_ip = _text(server_ip, 64) if isinstance(server_ip, str) and server_ip else None
    if server_ip is None and _is_ip(hostname):
        server_ip = hostname                # the URL itself names the address connected to
    request_body = post_body(request.get("postData"), _header(request_headers, "content-type"), mitmproxy)
    response_headers = _headers(response) if response else []
    response_body = content_body(response.get("content"), _header(response_headers, "content-type"),
                                 mitmproxy) if response else None
    websocket = _websocket(prepared, entry)
    har: dict[str, Any] = {"index": index, "request_body": request_body.record()}
    if response_body is not None:
        har["response_body"] = response_body.record()
    if host != hostname:
        har["url_host"] = hostname
    return {
        "flow_id": f"har-entry-{index}",
        "type": "websocket" if websocket is not None or entry.get("_resourceType") == "websocket" else "http",
        "client": None,
        "server": {"ip": server_ip, "port": port} if server_ip else None,
        "tls": None,
        "request": {"method": _text(request.get("method"), 32), "scheme": url.scheme, "host": host,
                    "port": port, "path": url.path + (f"?{url.query}" if url.query else ""),
                    "http_version": _text(request.get("httpVersion"), 32), "headers": request_headers,
                    **_body_fields(prepared, request_body)},
        "response": {"status_code": response.get("status") if isinstance(response.get("status"), int) else None,
                     "http_version": _text(response.get("httpVersion"), 32), "headers": response_headers,
                     **_body_fields(prepared, response_body)} if response and response_body else None,
        **({"websocket": websocket} if websocket is not None else {}),
        "timestamps": {"start": iso(started) if started else None, "request_end": None, "response_start": None,
                       "end": end},
        "error": None,
        "har": har,
    }


def entry_identity(event: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two entries the same exchange: their facts, bodies by digest (hashing each whole entry
    would cost as much as reading the HAR again)."""
    request, response = event["request"], event["response"] or {}
    return (event["timestamps"]["start"], event["timestamps"]["end"], request["method"], request["scheme"],
            request["host"], request["port"], request["path"], tuple(request["headers"]),
            request["body_sha256"], response.get("status_code"), tuple(response.get("headers", ())),
            response.get("body_sha256"), str(event["server"]), str(event.get("websocket")))


def json_bytes(value: object) -> bytes:
    """Canonical JSON; lone surrogates (a mitmproxy body's raw bytes) kept as JSON escapes."""
    try:
        return canonical_json(value)
    except UnicodeEncodeError:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False).encode("ascii")
    except ValueError:
        raise EntryError("holds NaN or Infinity, which JSON does not allow") from None


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


def is_mitmproxy(creator: dict[str, Any] | None) -> bool:
    return creator is not None and "mitmproxy" in _text(creator.get("name"), 256).lower()


def prepare(path: Path, raw: bytes, log: dict[str, Any]) -> tuple[HarImport, Prepared]:
    """Every entry parsed and checked, nothing written; an EntryError names the entry."""
    creator = {_text(k, 64): _text(v, 1024) for k, v in list(log["creator"].items())[:32] if isinstance(v, str)} \
        if isinstance(log.get("creator"), dict) else None
    digest = hashlib.sha256(raw).hexdigest()
    try:
        window = stated_window(log)
    except EntryError as exc:
        raise InputError(path, str(exc)) from None
    result = HarImport(digest, creator, window, stated_app(log, path.name, digest))
    start, end = (parse_time(window["start"]), parse_time(window["end"])) if window else (None, None)
    prepared = Prepared()
    seen: dict[tuple[Any, ...], int] = {}
    mitmproxy = is_mitmproxy(creator)
    for index, entry in enumerate(log["entries"]):
        try:
            if not isinstance(entry, dict):
                raise EntryError("not an object")
            started = parse_time(entry.get("startedDateTime"))
            event = entry_event(prepared, index, entry, started, mitmproxy)
            identity = entry_identity(event)
        except (EntryError, BodyError) as exc:
            raise InputError(path, f"entry {index}: {exc}") from None
        if started is None:
            stated = _text(str(entry.get("startedDateTime")), 64)
            result.warn(index, "entry_time_invalid", f"startedDateTime {stated!r}")
        elif start and end and not start <= started <= end:
            assert window is not None
            result.warn(index, "entry_outside_stated_window",
                        f"{iso(started)} is outside {window['start']} .. {window['end']} ({window['stated_in']})")
        if not event["server"]:
            result.warn(index, "server_address_missing", "no serverIPAddress: the destination IP is unknown")
        if identity in seen:
            result.warn(index, "duplicate_entry", f"identical to entry {seen[identity]}")
        seen.setdefault(identity, index)
        prepared.events.append(event)
    result.entries = len(prepared.events)
    return result, prepared


def stage_artifacts(case: Case, blobs: dict[str, bytes]) -> list[Path]:
    """The blobs written into the store unsynced, then made durable together; the paths this import added.
    A failure part-way removes them again (the artifacts already there are kept)."""
    added: list[Path] = []
    try:
        for digest, data in blobs.items():
            final = case.artifacts.path_for(digest)
            if final.is_file():
                continue
            added.append(final)
            out = case.artifacts.writer(sync=False)
            try:
                out.write(data)
                out.close()
            except BaseException:
                out.abort()                     # no partial file left in .incoming either
                raise
        sync_all(case.root, added)
    except BaseException:
        remove(added)
        raise
    return added


def sync_all(root: Path, paths: list[Path]) -> None:
    """Durability for the whole import at once: one syncfs(2) of the case's filesystem where Linux has it
    (one call, where an fsync per artifact costs more than the import itself), else an fsync of each file
    and then of each directory."""
    syncfs = getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None)
    if syncfs is not None:
        fd = os.open(root, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    pending = PendingSync()
    for path in paths:
        pending.add(path)
    pending.flush()


def remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def import_har(path: Path, case_dir: Path) -> HarImport:
    """Import one HAR into the case at case_dir (created when it does not exist): all of it, or nothing."""
    with paused():
        return _import(Path(path), Path(case_dir))


def _import(path: Path, case_dir: Path) -> HarImport:
    raw, log = load_har(path)
    result, prepared = prepare(path, raw, log)
    case = Case.open(case_dir) if Path(case_dir).exists() else Case.create(case_dir)
    if case.sealed:
        raise InputError(case.root, "the case is sealed; evidence can no longer be added")
    file_digest = prepared.put(raw, result.file_sha256)
    app = result.app if result.app and not case.info.get("app") else None
    known = case.info.get("app") if isinstance(case.info.get("app"), dict) else None
    if result.app and known and known.get("package") != result.app["package"]:
        result.warn(None, "app_identity_differs", f"the HAR names {result.app['package']!r}, the case "
                                                  f"{known.get('package')!r}; the case's is kept")
    # every warning is kept, in an artifact of its own: a ledger line is bounded
    warnings_digest = prepared.put(json_bytes(result.warnings))
    added = stage_artifacts(case, prepared.blobs)
    before = case.ledger_path.stat().st_size
    try:
        with case.ledger() as ledger:
            # the import's events as one unit: one write and one flush for thousands of entries
            ledger.append_many(SOURCE, [(Kind.IMPORT_HAR, {"file": path.name, "size": len(raw), **result.summary(),
                                                           "warnings": result.warnings[:WARNINGS_IN_EVENT],
                                                           "warnings_sha256": warnings_digest}, file_digest)]
                               + [(Kind.IMPORT_FLOW, body, file_digest) for body in prepared.events])
            imports = list(case.info.get("imports") or [])
            imports.append({"kind": "har", "file": path.name, **result.summary()})
            case.set_section("imports", imports, ledger=ledger)
            if app is not None:
                case.set_section("app", app, ledger=ledger)
    except BaseException:
        # once the ledger names them (it grew), the artifacts are evidence and stay
        if case.ledger_path.stat().st_size == before:
            remove(added)
        raise
    return result
