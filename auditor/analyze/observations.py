"""Observations: the case's ledger read into plain records, nothing interpreted yet.

One read of the ledger: `read_context` collects the small things (hook events, static facts, operator marks,
planted values), a narrow flow index (seq, client port, time, request line) for the joins, and the flow
events as read (about 8 KiB each held parsed: parsing them again from their lines took a third of the read's
time); the flows are analysed once everything they are interpreted against is known.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from auditor.analyze.attribution import attribute, recorded_actor
from auditor.case.bundle import Case
from auditor.case.events import (
    CONSENT_ACCEPTED_KINDS,
    CONSENT_KINDS,
    FLOW_KINDS,
    KNOWN_UNKNOWN_KINDS,
    OPERATOR_MARKS,
    TLS_EVIDENCE_KINDS,
    UI_STEP_KINDS,
    Kind,
)
from auditor.case.ledger_check import read_records
from auditor.contract.findings import Actor
from auditor.contract.vocabulary import ActorBasis
from auditor.errors import InputError

MAX_SCAN_BYTES = 8 << 20
# A socket hook event is attributed to a flow on the same client port that starts within this window.
SOCKET_JOIN_WINDOW = timedelta(seconds=5)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class HookRow:
    """One hook.event as analysis reads it: the recorded values of the shapes docs/events.md gives, else None."""
    seq: int
    time: datetime | None
    api: str
    category: str
    actor: Actor | None
    stack: list[str]
    planted: dict[str, Any] | None
    args: list[Any] | None
    result: Any
    local_port: int | None
    thread: str | None
    request_line: str | None
    call_id: int | None = None           # an OkHttp call's identity (http_call, http_chain)
    rewritten: tuple[str, ...] = ()      # http_chain: what the app's interceptors changed


class FlowKey(NamedTuple):
    """What the joins need of one flow: its client port and start, and its body for the request line (built
    only by a join that has hook events to compare it with)."""
    seq: int
    client_port: int | None
    start: datetime | None
    body: dict[str, Any]


@dataclass
class Context:
    """Everything the flows are interpreted against, and the flows."""
    case: Case
    hooks: list[HookRow]                     # one per hook.event, in ledger order
    flow_index: list[FlowKey]                # one per flow, in ledger order (for the joins)
    static_scans: list[dict[str, Any]]       # [{seq, artifact, scan}]
    consent_accepted: list[tuple[datetime, int]]
    consent_refused: list[tuple[datetime, int]]
    planted: list[dict[str, Any]]            # [{what, value, seq|None}]
    ledger_head: dict[str, Any] = field(default_factory=dict)
    flow_actor: dict[int, Actor] = field(default_factory=dict)
    # the events the method section and the known unknowns are made of (analyze/observed.py), by kind
    method_records: dict[Kind, list[dict[str, Any]]] = field(default_factory=dict)
    planted_returned: list[tuple[dict[str, Any], Actor | None]] = field(default_factory=list)
    attribution_used: bool = False
    crypto: list[dict[str, Any]] = field(default_factory=list)     # hook.crypto records (analyze/plaintext.py)
    webviews: list[dict[str, Any]] = field(default_factory=list)   # hook.webview records (analyze/webviews.py)
    flows: list[dict[str, Any]] = field(default_factory=list)      # the flow events, in ledger order


# Ledger kinds observed.py reads, beside those read_context interprets itself.
METHOD_KINDS = KNOWN_UNKNOWN_KINDS | OPERATOR_MARKS | {Kind.HOOK_STATUS, Kind.HOOK_SESSION, Kind.HOOK_COVERAGE,
                                                       Kind.HOOK_ERROR, Kind.HOOK_MALFORMED} | TLS_EVIDENCE_KINDS \
    | {Kind.CASE_DECLARED} | UI_STEP_KINDS    # the app's declarations (analyze/declared.py), the UI step


def app_package(info: dict[str, Any]) -> str | None:
    """The app's own package, which makes a stack frame first party: the instrumented target's, else the app's."""
    for section in ("instrumentation", "app"):
        value = info.get(section)
        key = "app_package" if section == "instrumentation" else "package"
        if isinstance(value, dict) and isinstance(value.get(key), str) and value[key]:
            return value[key]
    return None


def stack_of(body: dict[str, Any]) -> list[str]:
    return [s for s in body.get("stack") or [] if isinstance(s, str)][:64]


def event_actor(body: dict[str, Any], package: str | None) -> Actor | None:
    """Who made a hooked call: attributed from the recorded stack; an old case's recorded actor where no stack
    was kept."""
    stack = stack_of(body)
    api = str(body.get("api", ""))
    if stack:
        hooked = body.get("hooked_class") if isinstance(body.get("hooked_class"), str) else api.rpartition(".")[0]
        return attribute(stack, hooked, api.rpartition(".")[2], package)
    return recorded_actor(body.get("actor"))


def _port(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _hook_row(record: dict[str, Any], package: str | None) -> HookRow:
    body = record["body"]
    socket = body.get("socket") if isinstance(body.get("socket"), dict) else {}
    line = body.get("request_line")
    return HookRow(seq=record["seq"], time=parse_time(body.get("time")) or parse_time(record["t_wall"]),
                   api=str(body.get("api", "")), category=str(body.get("category", "")),
                   actor=event_actor(body, package), stack=stack_of(body),
                   planted=body.get("planted") if isinstance(body.get("planted"), dict) else None,
                   args=body.get("args") if isinstance(body.get("args"), list) else None,
                   result=body.get("result"), local_port=_port(socket.get("local_port")),
                   thread=body.get("thread") if isinstance(body.get("thread"), str) else None,
                   request_line=line if isinstance(line, str) else None,
                   call_id=_port(body.get("call_id")),
                   rewritten=tuple(str(v) for v in changed) if isinstance(changed := body.get("rewritten"), list)
                   else ())


# The configuration's text values by name (the instrument room's Plants: the clipboard canary and the honey
# values of auditor/instrument/planting.py HONEY), as docs/events.md records them.
PLANTED_TEXT = ("clipboard", "wifi_ssid", "wifi_bssid", "phone")


def planted_items(planted: Any) -> list[dict[str, str]]:
    """[{what, value}] from the shapes planted values are recorded in: the instrument room's configuration
    (case.json `planted` and `hook.planted` phase configured: {"clipboard": text, "location": {"latitude",
    "longitude"}} and the PLANTED_TEXT values by name), a returned value ({"what", "value"} with a text value;
    a returned coordinate is one axis of the configured location), or a list of {what, value} (other planting
    tools)."""
    if isinstance(planted, list):
        return [item for entry in planted for item in planted_items(entry)]
    if not isinstance(planted, dict):
        return []
    if "what" in planted:
        value = planted.get("value")
        return [{"what": str(planted["what"]), "value": value}] if isinstance(value, str) else []
    items = [{"what": what, "value": planted[what]} for what in PLANTED_TEXT if isinstance(planted.get(what), str)]
    location = planted.get("location")
    if isinstance(location, dict) and all(isinstance(location.get(axis), (int, float))
                                          and not isinstance(location.get(axis), bool)
                                          for axis in ("latitude", "longitude")):
        items.append({"what": "location", "value": f"{location['latitude']},{location['longitude']}"})
    return items


def read_context(case: Case) -> Context:
    hooks: list[HookRow] = []
    index: list[FlowKey] = []
    scans: list[dict[str, Any]] = []
    accepted: list[tuple[datetime, int]] = []
    refused: list[tuple[datetime, int]] = []
    planted: list[dict[str, Any]] = []
    returned: list[tuple[dict[str, Any], Actor | None]] = []
    method_records: dict[Kind, list[dict[str, Any]]] = {}
    crypto: list[dict[str, Any]] = []
    webviews: list[dict[str, Any]] = []
    flows: list[dict[str, Any]] = []
    package = app_package(case.info)
    record: dict[str, Any] | None = None
    for record in read_records(case.ledger_path):
        kind, body = record["kind"], record["body"]
        if not isinstance(body, dict):
            continue
        if kind in METHOD_KINDS:
            method_records.setdefault(Kind(kind), []).append(record)
        if kind in FLOW_KINDS:
            flows.append(record)
            client = body.get("client") if isinstance(body.get("client"), dict) else {}
            stamps = body.get("timestamps") if isinstance(body.get("timestamps"), dict) else {}
            index.append(FlowKey(record["seq"], _port(client.get("port")), parse_time(stamps.get("start")), body))
        elif kind == Kind.HOOK_EVENT:
            hooks.append(_hook_row(record, package))
        elif kind == Kind.HOOK_CRYPTO:
            crypto.append(record)
        elif kind == Kind.HOOK_WEBVIEW:
            webviews.append(record)
        elif kind == Kind.HOOK_PLANTED:
            planted += [{**item, "seq": record["seq"]} for item in planted_items(body)]
            if body.get("phase") == "returned":
                returned.append((record, event_actor(body, package)))
        elif kind == Kind.STATIC_SCAN and record.get("artifact"):
            scans.append({"seq": record["seq"], "artifact": record["artifact"],
                          "scan": _read_scan(case, record["artifact"])})
        elif kind in CONSENT_KINDS:
            when = parse_time(record["t_wall"])
            if when is not None:
                (accepted if kind in CONSENT_ACCEPTED_KINDS else refused).append((when, record["seq"]))
    head = {"seq": record["seq"], "hash": record.get("hash")} if record is not None else {}
    head["intact"] = _ledger_lines(case) == head.get("seq", 0)
    planted += [{**item, "seq": None} for item in planted_items(case.info.get("planted"))]
    context = Context(case, hooks, index, scans, accepted, refused, planted, head)
    # the code that sent a request wins over the code that opened its (possibly pooled) connection, and the code
    # that handed it to a client library over the library's own socket write (OkHttp writes on its dispatcher
    # thread, or on the caller's under its own frames)
    joined = join_sockets(hooks, index) | join_requests(hooks, index) | join_calls(hooks, index)
    # one object per distinct actor: the findings of the flows it sent are then keyed by identity (findings.Same)
    interned: dict[Actor, Actor] = {}
    context.flow_actor = {seq: interned.setdefault(actor, actor) for seq, actor in joined.items()}
    context.method_records = method_records
    context.planted_returned = returned
    context.crypto = crypto
    context.webviews = webviews
    context.flows = flows
    context.attribution_used = any(actor is not None and actor.basis == ActorBasis.STACK
                                   for actor in [row.actor for row in hooks] + [a for _, a in returned])
    return context


def _ledger_lines(case: Case) -> int:
    """Complete and torn lines in the ledger file; more lines than intact records means damage after the head."""
    lines, last = 0, b"\n"
    with open(case.ledger_path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    return lines + (last != b"\n")


def _read_scan(case: Case, digest: str) -> dict[str, Any]:
    try:
        data = json.loads(case.artifacts.read_bytes(digest, MAX_SCAN_BYTES))
    except (OSError, ValueError) as exc:
        raise InputError(f"artifact {digest}", f"static scan is unreadable ({exc})") from None
    return data if isinstance(data, dict) else {}


def join_sockets(hooks: list[HookRow], flows: list[FlowKey]) -> dict[int, Actor]:
    """Flow seq -> actor of the socket hook event on the same client port just before the flow started: the
    code that opened the connection (ActorBasis.CONNECTION), which on a pooled connection need not be the code
    that sent the request. Of events at the same moment the one recorded last counts."""
    sockets: dict[int, list[HookRow]] = {}
    for hook in hooks:
        if hook.category == "socket" and hook.local_port is not None and hook.time is not None:
            sockets.setdefault(hook.local_port, []).append(hook)
    for events in sockets.values():
        events.sort(key=lambda hook: (hook.time, hook.seq))
    result: dict[int, Actor] = {}
    for flow in flows:
        events = sockets.get(flow.client_port) if flow.client_port is not None else None
        if not events or flow.start is None:
            continue
        position = bisect_right(events, flow.start, key=lambda hook: hook.time)   # the last at or before
        if position == 0:
            continue
        hook = events[position - 1]
        if flow.start - hook.time <= SOCKET_JOIN_WINDOW and isinstance(hook.actor, Actor):  # type: ignore[operator]
            result[flow.seq] = hook.actor.model_copy(update={"basis": ActorBasis.CONNECTION, "hook_seq": hook.seq})
    return result


def _request_key(body: dict[str, Any]) -> str | None:
    """A flow's request as "METHOD target" in origin form, to compare with a request hook event's line."""
    request = body.get("request") if isinstance(body.get("request"), dict) else {}
    method, path = request.get("method"), request.get("path")
    return f"{method} {path}" if isinstance(method, str) and isinstance(path, str) else None


def _line_key(line: str) -> str:
    """A request line ("POST https://host/p?q HTTP/1.1" or "POST /p?q HTTP/1.1") as "METHOD target" in origin form."""
    method, _, rest = line.partition(" ")
    target = rest.rpartition(" ")[0]
    if "://" in target:
        target = "/" + target.split("://", 1)[1].partition("/")[2]
    return f"{method} {target}"


DEFAULT_PORTS = {"http": 80, "https": 443}


def _absolute_key(method: str, url: str) -> str | None:
    """"METHOD scheme://host:port/path?query" with the host lower-cased and the port always written, so a
    client library's URL and the proxy's record of the request compare equal."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower())
    except ValueError:
        return None
    if not parts.hostname or port is None:
        return None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{method.upper()} {parts.scheme.lower()}://{parts.hostname.lower()}:{port}{target}"


def _url_line(body: dict[str, Any]) -> str | None:
    """A flow's request as "METHOD scheme://host:port/path" as recorded, for join_calls to normalise."""
    request = body.get("request") if isinstance(body.get("request"), dict) else {}
    method, scheme, host, port, path = (request.get(k) for k in ("method", "scheme", "host", "port", "path"))
    if not all(isinstance(v, str) for v in (method, scheme, host, path)):
        return None
    authority = f"{host}:{port}" if isinstance(port, int) and not isinstance(port, bool) else host
    return f"{method} {scheme}://{authority}{path}"


def _in_time_order(flows: Iterable[FlowKey]) -> list[FlowKey]:
    """By start (a flow without one last), then seq."""
    return sorted(flows, key=lambda flow: (flow.start is None, flow.start or EARLIEST, flow.seq))


EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Handover:
    """One request handed to the network by a client call: the line the proxy should see, and the call."""
    line: str
    call: HookRow                # the http_call row whose stack names the sender
    rewritten: tuple[str, ...]   # what the app's OkHttp interceptors changed on the way


def _handovers(hooks: list[HookRow]) -> list[_Handover]:
    """The requests client calls handed over, in order. An OkHttp call's request as it left the app's
    interceptors (http_chain, joined to its call by the call's identity: the latest call with it) replaces the
    call's own request, which an interceptor may have rewritten; a call without a chain event stands for itself."""
    calls: dict[int, HookRow] = {}      # call identity -> its latest call row
    chained: set[int] = set()           # call rows with a chain event
    out: list[tuple[int, _Handover]] = []
    for row in hooks:                   # in ledger order: by seq
        if row.category == "http_call":
            if row.call_id is not None:
                calls[row.call_id] = row
            if row.request_line is not None:
                out.append((row.seq, _Handover(row.request_line, row, ())))
        elif row.category == "http_chain" and row.call_id in calls and row.request_line is not None:
            chained.add(calls[row.call_id].seq)                   # type: ignore[index]
            out.append((row.seq, _Handover(row.request_line, calls[row.call_id], row.rewritten)))  # type: ignore[index]
    return [h for seq, h in out if not (h.call.seq == seq and seq in chained)]


def join_calls(hooks: list[HookRow], flows: list[FlowKey]) -> dict[int, Actor]:
    """Flow seq -> actor of the HTTP client call (category http_call: java.net.http, OkHttp, Cronet) that made
    this request (ActorBasis.STACK: the code that sent it). Such a request is written later, on the library's own
    thread or multiplexed over HTTP/2, so no socket write names its sender; the call is joined by method,
    absolute URL and order: a flow takes the earliest handed-over request with its own method and URL not taken
    by an earlier flow."""
    pending: dict[str, list[_Handover]] = {}
    for handover in _handovers(hooks):
        method, _, url = handover.line.partition(" ")
        key = _absolute_key(method, url)
        if key is not None:
            pending.setdefault(key, []).append(handover)
    result: dict[int, Actor] = {}
    if not pending:
        return result
    lines = {flow.seq: line for flow in flows if (line := _url_line(flow.body)) is not None}
    for flow in _in_time_order(flow for flow in flows if flow.seq in lines):
        method, _, url = lines[flow.seq].partition(" ")
        queue = pending.get(_absolute_key(method, url) or "") or []
        if queue:
            handover = queue.pop(0)
            if isinstance(handover.call.actor, Actor):
                result[flow.seq] = handover.call.actor.model_copy(update={
                    "basis": ActorBasis.STACK, "hook_seq": handover.call.seq, "request_rewritten": handover.rewritten})
    return result


def join_requests(hooks: list[HookRow], flows: list[FlowKey]) -> dict[int, Actor]:
    """Flow seq -> actor of the request hook event that handed this request to its connection (ActorBasis.STACK:
    the code that sent it). Joined by connection and order, not by time: on each client port the requests are
    taken in the order the app wrote them and the flows in the order the proxy saw them; a flow takes the next
    request whose line is its own, so a request that never reached the proxy does not shift the others."""
    pending: dict[int, list[HookRow]] = {}
    for hook in hooks:              # in ledger order: by seq
        if hook.category == "request" and hook.local_port is not None and hook.request_line is not None:
            pending.setdefault(hook.local_port, []).append(hook)
    result: dict[int, Actor] = {}
    if not pending:
        return result
    lines = {flow.seq: line for flow in flows if flow.client_port is not None
             and (line := _request_key(flow.body)) is not None}
    for flow in _in_time_order(flow for flow in flows if flow.seq in lines):
        queue = pending.get(flow.client_port, [])   # type: ignore[arg-type]
        position = next((i for i, hook in enumerate(queue) if _line_key(str(hook.request_line)) == lines[flow.seq]),
                        None)
        if position is None:
            continue
        hook = queue[position]
        del queue[:position + 1]
        if isinstance(hook.actor, Actor):
            result[flow.seq] = hook.actor.model_copy(update={"basis": ActorBasis.STACK, "hook_seq": hook.seq})
    return result
