"""Scripts the app injected into the pages of its web views (hook.webview, hooks/src/webview.ts), read from the
kept script text: which user-input events they subscribe to and which calls they make on objects the app
exposed to the page (addJavascriptInterface), the path by which what they collect reaches the app's code.

The script is read, not run: an event name is taken from an addEventListener call with a literal name, a
bridge call from `Name.method(` where Name is an object the same process exposed before the script ran and
method one of its @JavascriptInterface methods. A script that builds those names at run time is still
reported as injected, with what could be read from its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from auditor.analyze.observations import Context, event_actor, parse_time, stack_of
from auditor.contract.findings import Actor, InjectedScript

MAX_SCRIPT = 1 << 20
LISTENER = re.compile(r"""addEventListener\s*\(\s*['"]([A-Za-z]+)['"]""")
# DOM events that carry what the user types, selects or touches
USER_INPUT_EVENTS = frozenset({"keydown", "keyup", "keypress", "input", "beforeinput", "change", "paste", "copy",
                               "cut", "selectionchange", "select", "touchstart", "touchend", "touchmove", "click",
                               "pointerdown", "pointerup", "mousedown", "mouseup", "submit"})


@dataclass(frozen=True)
class Injection:
    """One injected script as a finding needs it."""
    seq: int
    time: datetime | None
    api: str
    actor: Actor | None
    stack: tuple[str, ...]
    script: InjectedScript


@dataclass(frozen=True)
class _Interface:
    name: str
    class_name: str | None
    methods: frozenset[str]


def _interface(body: dict[str, Any]) -> _Interface | None:
    name, methods = body.get("name"), body.get("methods")
    if not isinstance(name, str) or not isinstance(methods, list):
        return None
    class_name = body.get("class")
    return _Interface(name, class_name if isinstance(class_name, str) else None,
                      frozenset(m for m in methods if isinstance(m, str)))


def read_script(context: Context, body: dict[str, Any]) -> str | None:
    script = body.get("script")
    digest = script.get("sha256") if isinstance(script, dict) else None
    if not isinstance(digest, str) or digest not in context.case.artifacts:
        return None
    try:
        return context.case.artifacts.read_bytes(digest, MAX_SCRIPT).decode("utf-8", "replace")
    except ValueError:
        return None


def describe(text: str, page_url: str | None, digest: str, size: int,
             exposed: list[_Interface]) -> InjectedScript:
    listens = sorted({name.lower() for name in LISTENER.findall(text)} & USER_INPUT_EVENTS)
    calls, classes = set(), set()
    for interface in exposed:
        for method in re.findall(rf"\b{re.escape(interface.name)}\s*\.\s*([A-Za-z_$][\w$]*)\s*\(", text):
            if method in interface.methods:
                calls.add(f"{interface.name}.{method}")
                if interface.class_name:
                    classes.add(interface.class_name)
    return InjectedScript(page_url=page_url, script_sha256=digest, script_size=size, listens_to=tuple(listens),
                          sends_through=tuple(sorted(calls)), interface_classes=tuple(sorted(classes)))


def injections(context: Context, package: str | None) -> list[Injection]:
    """The case's injected scripts in ledger order, each with the interfaces its process had exposed by then."""
    exposed: dict[Any, dict[str, _Interface]] = {}
    out: list[Injection] = []
    for record in context.webviews:
        body = record["body"]
        pid = body.get("pid")
        if body.get("kind") == "interface" and (interface := _interface(body)) is not None:
            exposed.setdefault(pid, {})[interface.name] = interface
        elif body.get("kind") == "script" and (text := read_script(context, body)) is not None:
            script = body["script"]
            url = body.get("url")
            out.append(Injection(
                seq=int(record["seq"]), time=parse_time(body.get("time")), api=str(body.get("api")),
                actor=event_actor(body, package), stack=tuple(stack_of(body)[:12]),
                script=describe(text, url if isinstance(url, str) else None, script["sha256"],
                                int(script.get("size") or 0), list(exposed.get(pid, {}).values()))))
    return out
