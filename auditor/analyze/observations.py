"""Observations: the case's ledger read into plain records and pandas tables, nothing interpreted yet.

Two passes over the ledger keep memory flat: `read_context` collects the small things (hook events,
static facts, operator marks, planted values) and a narrow flow index (seq, client port, time) for the
socket join; `iter_flows` then streams the flow events one at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from auditor.case.bundle import Case
from auditor.case.ledger_check import read_records
from auditor.errors import InputError

FLOW_KINDS = ("proxy.flow", "import.flow")
MAX_SCAN_BYTES = 8 << 20
# A socket hook event is attributed to a flow on the same client port that starts within this window.
SOCKET_JOIN_WINDOW = pd.Timedelta(seconds=5)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class Context:
    """Everything but the flows: small enough to hold whole."""
    case: Case
    hooks: pd.DataFrame                      # one row per hook.event
    flow_index: pd.DataFrame                 # seq, client_port, start (for the socket join)
    static_scans: list[dict[str, Any]]       # [{seq, artifact, scan}]
    consent_accepted: list[tuple[datetime, int]]
    consent_refused: list[tuple[datetime, int]]
    planted: list[dict[str, Any]]            # [{what, value, seq|None}]
    ledger_head: dict[str, Any] = field(default_factory=dict)
    flow_actor: dict[int, dict[str, Any]] = field(default_factory=dict)


def _hook_row(record: dict[str, Any]) -> dict[str, Any]:
    body = record["body"]
    socket = body.get("socket") if isinstance(body.get("socket"), dict) else {}
    actor = body.get("actor") if isinstance(body.get("actor"), dict) else {}
    return {"seq": record["seq"], "time": parse_time(body.get("time")) or parse_time(record["t_wall"]),
            "api": str(body.get("api", "")), "category": str(body.get("category", "")),
            "actor": actor, "stack": [str(s) for s in body.get("stack") or [] if isinstance(s, str)][:64],
            "planted": body.get("planted") if isinstance(body.get("planted"), dict) else None,
            "args": body.get("args") if isinstance(body.get("args"), list) else None,
            "result": body.get("result"), "local_port": socket.get("local_port")}


def planted_items(planted: Any) -> list[dict[str, str]]:
    """[{what, value}] from the shapes planted values are recorded in: the instrument room's configuration
    (case.json `planted` and `hook.planted` phase configured: {"clipboard": text, "location": {"latitude",
    "longitude"}}), a returned value ({"what", "value"} with a text value; a returned coordinate is one axis
    of the configured location), or a list of {what, value} (other planting tools)."""
    if isinstance(planted, list):
        return [item for entry in planted for item in planted_items(entry)]
    if not isinstance(planted, dict):
        return []
    if "what" in planted:
        value = planted.get("value")
        return [{"what": str(planted["what"]), "value": value}] if isinstance(value, str) else []
    items = []
    if isinstance(planted.get("clipboard"), str):
        items.append({"what": "clipboard", "value": planted["clipboard"]})
    location = planted.get("location")
    if isinstance(location, dict) and all(isinstance(location.get(axis), (int, float))
                                          and not isinstance(location.get(axis), bool)
                                          for axis in ("latitude", "longitude")):
        items.append({"what": "location", "value": f"{location['latitude']},{location['longitude']}"})
    return items


def read_context(case: Case) -> Context:
    hooks: list[dict[str, Any]] = []
    index: list[tuple[int, int | None, datetime | None]] = []
    scans: list[dict[str, Any]] = []
    accepted: list[tuple[datetime, int]] = []
    refused: list[tuple[datetime, int]] = []
    planted: list[dict[str, Any]] = []
    head: dict[str, Any] = {}
    for record in read_records(case.ledger_path):
        head = {"seq": record["seq"], "hash": record.get("hash")}
        kind, body = record["kind"], record["body"]
        if kind in FLOW_KINDS:
            client = body.get("client") if isinstance(body.get("client"), dict) else {}
            stamps = body.get("timestamps") if isinstance(body.get("timestamps"), dict) else {}
            index.append((record["seq"], client.get("port"), parse_time(stamps.get("start"))))
        elif kind == "hook.event":
            hooks.append(_hook_row(record))
        elif kind == "hook.planted":
            planted += [{**item, "seq": record["seq"]} for item in planted_items(body)]
        elif kind == "static.scan" and record.get("artifact"):
            scans.append({"seq": record["seq"], "artifact": record["artifact"],
                          "scan": _read_scan(case, record["artifact"])})
        elif kind in ("operator.consent_accepted", "operator.consent_refused"):
            when = parse_time(record["t_wall"])
            if when is not None:
                (accepted if kind.endswith("accepted") else refused).append((when, record["seq"]))
    head["intact"] = _ledger_lines(case) == head.get("seq", 0)
    planted += [{**item, "seq": None} for item in planted_items(case.info.get("planted"))]
    hook_frame = pd.DataFrame(hooks, columns=["seq", "time", "api", "category", "actor", "stack", "planted",
                                              "args", "result", "local_port"])
    flow_frame = pd.DataFrame(index, columns=["seq", "client_port", "start"])
    context = Context(case, hook_frame, flow_frame, scans, accepted, refused, planted, head)
    context.flow_actor = join_sockets(hook_frame, flow_frame)
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
    import json
    try:
        data = json.loads(case.artifacts.read_bytes(digest, MAX_SCAN_BYTES))
    except (OSError, ValueError) as exc:
        raise InputError(f"artifact {digest}", f"static scan is unreadable ({exc})") from None
    return data if isinstance(data, dict) else {}


def join_sockets(hooks: pd.DataFrame, flows: pd.DataFrame) -> dict[int, dict[str, Any]]:
    """Flow seq -> actor of the socket hook event on the same client port just before the flow started."""
    sockets = hooks[(hooks["category"] == "socket") & hooks["local_port"].notna() & hooks["time"].notna()]
    known = flows[flows["client_port"].notna() & flows["start"].notna()]
    if sockets.empty or known.empty:
        return {}
    left = known.assign(port=known["client_port"].astype("int64"),
                        start=pd.to_datetime(known["start"], utc=True)).sort_values(["start", "seq"])
    right = sockets.assign(port=sockets["local_port"].astype("int64"),
                           start=pd.to_datetime(sockets["time"], utc=True))[["port", "start", "seq", "actor"]]
    right = right.rename(columns={"seq": "hook_seq"}).sort_values(["start", "hook_seq"])
    joined = pd.merge_asof(left, right, on="start", by="port", direction="backward",
                           tolerance=SOCKET_JOIN_WINDOW)
    result: dict[int, dict[str, Any]] = {}
    for row in joined.itertuples(index=False):
        if isinstance(row.actor, dict):
            result[int(row.seq)] = {**row.actor, "hook_seq": int(row.hook_seq)}
    return result


def iter_flows(case: Case) -> Iterator[dict[str, Any]]:
    """The flow events, one at a time, with seq, time and artifact."""
    for record in read_records(case.ledger_path):
        if record["kind"] in FLOW_KINDS:
            yield record
