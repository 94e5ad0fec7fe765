"""Hook messages are hostile input: each is bounded and type-checked before it becomes a ledger event.

The agent runs inside the audited app, which can forge or corrupt what it sends. A message that does not fit
the contract becomes a `hook.malformed` event (its size, SHA-256 and a short escaped head), never a crash;
strings longer than the agent's own bound are re-summarised here as the agent would have.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from auditor.case.events import Kind
from auditor.catalogue import PRIVACY_APIS, REQUEST_CATEGORIES, Consumer

MAX_MESSAGE_BYTES = 256 * 1024
MAX_TEXT = 256
MAX_NAME = 512
MAX_ARGS = 32
MAX_ITEMS = 16
MAX_DEPTH = 4
MAX_FRAMES = 64
MAX_OPERATION_SIDE = 64 * 1024     # bytes the agent keeps of each side of a crypto operation (operation.ts)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
HEX_OFFSET = re.compile(r"0x[0-9a-f]{1,16}")
CATEGORIES = PRIVACY_APIS.categories_used_by(Consumer.HOOK)     # the categories the agent emits
REWRITABLE = {"url", "method", "headers"}     # what an app's OkHttp interceptor can be seen to change


class Malformed(ValueError):
    """The message does not fit the agent's message contract."""


@dataclass(frozen=True)
class Message:
    """A validated agent message: its kind and its fields, bounded; the binary data beside them, when its kind
    carries some (a crypto operation's input then output, a web view's script)."""
    kind: str
    fields: dict[str, Any]
    data: bytes = b""


def _text_summary(value: str) -> Any:
    if len(value) <= MAX_TEXT:
        return value
    return {"sha256": hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest(), "len": len(value),
            "head": value[:64]}


def summary(value: Any, depth: int = 0) -> Any:
    """A value summary from the agent: JSON scalars, bounded strings, small lists and objects."""
    if depth > MAX_DEPTH:
        raise Malformed("summary nested too deeply")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise Malformed("non-finite number")
        return value
    if isinstance(value, str):
        return _text_summary(value)
    if isinstance(value, list):
        return [summary(v, depth + 1) for v in value[:MAX_ITEMS]]
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            raise Malformed("summary object has too many members")
        return {name(k, "summary key"): summary(v, depth + 1) for k, v in value.items()}
    raise Malformed(f"unexpected summary type {type(value).__name__}")


def name(value: Any, what: str, limit: int = MAX_NAME) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise Malformed(f"{what} must be a non-empty string of at most {limit} characters")
    return value


def integer(value: Any, what: str, low: int = 0, high: int = 2**63) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise Malformed(f"{what} must be an integer in [{low}, {high}]")
    return value


def optional(value: Any, check: Any, *args: Any) -> Any:
    return None if value is None else check(value, *args)


def agent_time(value: Any) -> str:
    """The agent's clock (ms since the epoch) as UTC ISO 8601 with microseconds."""
    millis = integer(value, "time", 0, 10**14)
    return datetime.fromtimestamp(millis / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stack(value: Any) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_FRAMES:
        raise Malformed(f"stack must be a list of at most {MAX_FRAMES} frames")
    return [name(frame, "stack frame") for frame in value]


def planted(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed("planted must be an object or null")
    return {"what": name(value.get("what"), "planted.what", 64), "value": summary(value.get("value")),
            "original": summary(value.get("original"))}


def socket_ends(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed("socket must be an object or null")
    return {"local_ip": name(value.get("local_ip"), "socket.local_ip", 64),
            "local_port": integer(value.get("local_port"), "socket.local_port", 0, 65535),
            "remote_ip": name(value.get("remote_ip"), "socket.remote_ip", 64),
            "remote_port": integer(value.get("remote_port"), "socket.remote_port", 0, 65535)}


def _event(p: dict[str, Any]) -> dict[str, Any]:
    if p.get("category") not in CATEGORIES:
        raise Malformed("unknown category")
    args = p.get("args")
    if not isinstance(args, list) or len(args) > MAX_ARGS:
        raise Malformed(f"args must be a list of at most {MAX_ARGS} summaries")
    fields = {
        "api": name(p.get("api"), "api"), "hooked_class": name(p.get("hookedClass"), "hookedClass"),
        "signature": name(p.get("signature"), "signature", 2048), "category": p["category"],
        "args": [summary(a) for a in args], "result": summary(p.get("result")), "threw": summary(p.get("threw")),
        "stack": stack(p.get("stack")), "thread": name(p.get("thread"), "thread", 256),
        "tid": integer(p.get("tid"), "tid"), "time": agent_time(p.get("time")), "planted": planted(p.get("planted")),
    }
    if p["category"] in ("socket", "request"):
        fields["socket"] = socket_ends(p.get("socket"))
    if p["category"] == "request":
        fields["request_line"] = name(p.get("request_line"), "request_line", 600)
    if p["category"] in REQUEST_CATEGORIES:   # "METHOD absolute-URL" (URLs run long), "" if the agent could not read it
        line = p.get("request_line")
        fields["request_line"] = name(line, "request_line", 4200) if line != "" else None
        if "call_id" in p:                    # OkHttp: the call's identity, shared by its call and chain events
            fields["call_id"] = optional(p.get("call_id"), integer, "call_id", -2**31, 2**31 - 1)
    if p["category"] == "http_chain":
        changed = p.get("rewritten")
        if not isinstance(changed, list) or not set(changed) <= REWRITABLE or len(set(changed)) != len(changed):
            raise Malformed(f"rewritten must list each of {', '.join(sorted(REWRITABLE))} at most once")
        fields["rewritten"] = changed
    return fields


def _status(p: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(p.get("installed"), bool):
        raise Malformed("installed must be a boolean")
    return {"api": name(p.get("api"), "api"), "hooked_class": name(p.get("hookedClass"), "hookedClass"),
            "installed": p["installed"], "overloads": integer(p.get("overloads"), "overloads", 0, 10_000),
            "error": optional(p.get("error"), name, "error", 2048)}


def _planted(p: dict[str, Any]) -> dict[str, Any]:
    return {"api": name(p.get("api"), "api"), "what": name(p.get("what"), "what", 64), "value": summary(p.get("value")),
            "original": summary(p.get("original")), "stack": stack(p.get("stack")),
            "thread": name(p.get("thread"), "thread", 256), "tid": integer(p.get("tid"), "tid"),
            "time": agent_time(p.get("time"))}


def _ready(p: dict[str, Any]) -> dict[str, Any]:
    return {"when": name(p.get("when"), "when", 64), "flavor": name(p.get("flavor"), "flavor", 16),
            "ms": integer(p.get("ms"), "ms", 0, 10**9)}


def _hook_error(p: dict[str, Any]) -> dict[str, Any]:
    return {"class": name(p.get("className"), "className"), "error": name(p.get("error"), "error", 2048)}


def _exit(p: dict[str, Any]) -> dict[str, Any]:
    how = p.get("how")
    if how not in ("exit", "_exit", "abort"):
        raise Malformed("how must be exit, _exit or abort")
    return {"how": how, "status": optional(p.get("status"), integer, "status", -2**31, 2**31)}


def _tls(p: dict[str, Any]) -> dict[str, Any]:
    phase = p.get("phase")
    if phase not in ("installed", "not_found", "fired", "logged"):
        raise Malformed("phase must be installed, not_found, fired or logged")
    fields = {"phase": phase, "library": optional(p.get("library"), name, "library"),
              "host": optional(p.get("host"), name, "host", 1024),
              "error": optional(p.get("error"), name, "error", 2048),
              "stack": stack(p.get("stack")), "tid": integer(p.get("tid"), "tid"), "time": agent_time(p.get("time"))}
    if "host_from" in p:                # the host read from the app's ClientHello (hooks/src/clienthello.ts)
        if p["host_from"] != "client_hello":
            raise Malformed("host_from must be client_hello")
        fields["host_from"] = "client_hello"
    if p.get("type") == "tls.bypass":
        fields["function"] = name(p.get("function"), "function")
        if "tls_connection" in p:
            fields["tls_connection"] = p["tls_connection"] is True
    else:
        fields["line"] = optional(p.get("line"), name, "line", 1024)
        if "function" in p:
            fields["function"] = name(p.get("function"), "function")
    # found by pattern (hooks/src/tlspattern.ts), not by its exported name; or a renamed Java class found by its
    # shape (hooks/src/unpinjava.ts)
    if "located" in p:
        if p["located"] not in ("pattern", "signature"):
            raise Malformed("located must be pattern or signature")
        fields["located"] = p["located"]
        for key in ("offset", "setter_offset"):
            if key in p:
                fields[key] = optional(p.get(key), hex_offset, key)
        for key in ("ctx_offset", "callback_offset"):
            if key in p:
                fields[key] = integer(p.get(key), key, 0, 1 << 20)
    return fields


def hex_offset(value: Any, what: str) -> str:
    """A module-relative address as the agent writes it ("0x4e2a0")."""
    if not isinstance(value, str) or not HEX_OFFSET.fullmatch(value):
        raise Malformed(f"{what} must be a hexadecimal offset like 0x4e2a0")
    return value


def _operation(p: dict[str, Any]) -> dict[str, Any]:
    key = p.get("key_sha256")
    if key is not None and (not isinstance(key, str) or not HEX64.match(key)):
        raise Malformed("key_sha256 must be a SHA-256 hex digest or null")
    fields = {"api": name(p.get("api"), "api"), "algorithm": optional(p.get("algorithm"), name, "algorithm", 128),
              "opmode": optional(p.get("opmode"), name, "opmode", 32), "key_sha256": key,
              "stack": stack(p.get("stack")), "thread": optional(p.get("thread"), name, "thread", 256),
              "tid": integer(p.get("tid"), "tid"), "time": agent_time(p.get("time"))}
    for side in ("input", "output"):
        fields[f"{side}_size"] = integer(p.get(f"{side}_size"), f"{side}_size")
        fields[f"{side}_kept"] = integer(p.get(f"{side}_kept"), f"{side}_kept", 0,
                                         min(MAX_OPERATION_SIDE, fields[f"{side}_size"]))
    return fields


WEBVIEW_KINDS = frozenset({"script", "interface", "load", "page_started", "page_finished"})
PAGE_KINDS = frozenset({"page_started", "page_finished"})


def _webview(p: dict[str, Any]) -> dict[str, Any]:
    if p.get("kind") not in WEBVIEW_KINDS:
        raise Malformed("kind must be script, interface, load, page_started or page_finished")
    fields = {"kind": p["kind"], "api": name(p.get("api"), "api"),
              "view": optional(p.get("view"), integer, "view", -(2**31), 2**31 - 1),   # the WebView's identity hash
              "url": optional(p.get("url"), name, "url", 8192),
              "script_size": integer(p.get("script_size"), "script_size"),
              "script_kept": integer(p.get("script_kept"), "script_kept", 0, MAX_OPERATION_SIDE),
              "stack": stack(p.get("stack")), "thread": name(p.get("thread"), "thread", 256),
              "tid": integer(p.get("tid"), "tid"), "time": agent_time(p.get("time"))}
    if p["kind"] == "interface":
        methods = p.get("methods")
        if not isinstance(methods, list) or len(methods) > MAX_ARGS:
            raise Malformed(f"methods must be a list of at most {MAX_ARGS} names")
        fields |= {"name": name(p.get("name"), "name"), "class": optional(p.get("class"), name, "class"),
                   "methods": [name(m, "method") for m in methods]}
    elif p["kind"] in PAGE_KINDS:
        fields["class"] = name(p.get("class"), "class")      # the WebViewClient whose callback the engine called
    return fields


# The binary data a kind carries: how many bytes its fields say there are.
_DATA_SIZE = {"crypto.operation": lambda f: f["input_kept"] + f["output_kept"],
              "webview.event": lambda f: f["script_kept"]}


def _data(kind: str, fields: dict[str, Any], data: Any) -> bytes:
    if data is not None and not isinstance(data, bytes):
        raise Malformed(f"{kind} data must be bytes")
    raw = data or b""
    expected = _DATA_SIZE[kind](fields) if kind in _DATA_SIZE else 0
    if len(raw) != expected:
        raise Malformed(f"{kind} data has {len(raw)} bytes, not the {expected} its fields say")
    return raw


_PAYLOADS = {Kind.HOOK_EVENT: _event, Kind.HOOK_STATUS: _status, Kind.HOOK_PLANTED: _planted, "hook.ready": _ready,
             Kind.HOOK_ERROR: _hook_error, "process.exit": _exit, "tls.bypass": _tls, "tls.key": _tls,
             "crypto.operation": _operation, "webview.event": _webview}


def parse(message: Any, data: Any = None) -> Message:
    """Validate one message as delivered by frida's Script 'message' signal (with its binary data)."""
    try:
        size = len(json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    except (TypeError, ValueError) as exc:
        raise Malformed(f"not JSON-serialisable: {exc}") from None
    if size > MAX_MESSAGE_BYTES:
        raise Malformed(f"{size} bytes exceeds {MAX_MESSAGE_BYTES}")
    if not isinstance(message, dict):
        raise Malformed("message is not an object")
    if message.get("type") == "error":   # an uncaught exception in the agent
        return Message("agent.error", {"description": str(message.get("description"))[:2048],
                                       "stack": str(message.get("stack"))[:8192]})
    payload = message.get("payload")
    if message.get("type") != "send" or not isinstance(payload, dict):
        raise Malformed("neither a send nor an error message")
    check = _PAYLOADS.get(payload.get("type"))  # type: ignore[arg-type]
    if check is None:
        raise Malformed("unknown payload type")
    fields = check(payload)
    return Message(payload["type"], fields, _data(payload["type"], fields, data))


def malformed_body(message: Any, problem: str) -> dict[str, Any]:
    """What the ledger keeps of a rejected message: enough to identify it, bounded."""
    raw = json.dumps(message, ensure_ascii=True, default=repr)
    raw_bytes = raw.encode("ascii")
    return {"problem": problem[:512], "size": len(raw_bytes), "sha256": hashlib.sha256(raw_bytes).hexdigest(),
            "head": raw[:256]}
