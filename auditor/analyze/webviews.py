"""Scripts the app injected into the pages of its web views (hook.webview, hooks/src/webview.ts), read from the
kept script text: which user-input events they subscribe to and which calls they make on objects the app
exposed to the page (addJavascriptInterface), the path by which what they collect reaches the app's code.

The script is read, not run: an event name is taken from an addEventListener call with a literal name, a
bridge call from `Name.method(` where Name is an object the same process exposed before the script ran and
method one of its @JavascriptInterface methods. A script that builds those names at run time is still
reported as injected, with what could be read from its text.

The page a script went into is the last page its WebView started or finished loading before it (the hook's
page_started/page_finished events, WebViewClient.onPageStarted/onPageFinished, same process and same view);
without such an event, the URL the view reported when the script was injected (WebView.getUrl).
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
# of those, the events that hand a listener what the user types
TYPING_EVENTS = frozenset({"keydown", "keyup", "keypress", "input", "beforeinput", "change", "paste"})


@dataclass(frozen=True)
class Injection:
    """One injected script as a finding needs it."""
    seq: int
    time: datetime | None
    api: str
    actor: Actor | None
    stack: tuple[str, ...]
    script: InjectedScript
    page_seq: int | None          # the page event that names its page


@dataclass(frozen=True)
class _Page:
    seq: int
    url: str | None
    event: str                    # onPageStarted | onPageFinished


PAGE_EVENTS = {"page_started": "onPageStarted", "page_finished": "onPageFinished"}


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


def describe(text: str, page_url: str | None, page_from: str | None, digest: str, size: int,
             exposed: list[_Interface]) -> InjectedScript:
    listens = sorted({name.lower() for name in LISTENER.findall(text)} & USER_INPUT_EVENTS)
    calls, classes = set(), set()
    for interface in exposed:
        for method in re.findall(rf"\b{re.escape(interface.name)}\s*\.\s*([A-Za-z_$][\w$]*)\s*\(", text):
            if method in interface.methods:
                calls.add(f"{interface.name}.{method}")
                if interface.class_name:
                    classes.add(interface.class_name)
    return InjectedScript(page_url=page_url, page_from=page_from, script_sha256=digest, script_size=size,
                          listens_to=tuple(listens), sends_through=tuple(sorted(calls)),
                          interface_classes=tuple(sorted(classes)), reads_typing=bool(TYPING_EVENTS & set(listens)),
                          hands_to_app=bool(calls))


def injections(context: Context, package: str | None) -> list[Injection]:
    """The case's injected scripts in ledger order, each with the interfaces its process had exposed by then."""
    exposed: dict[Any, dict[str, _Interface]] = {}
    pages: dict[tuple[Any, Any], _Page] = {}     # (pid, view) -> its last page event
    out: list[Injection] = []
    for record in context.webviews:
        body = record["body"]
        pid, kind = body.get("pid"), body.get("kind")
        url = body.get("url") if isinstance(body.get("url"), str) else None
        if kind == "interface" and (interface := _interface(body)) is not None:
            exposed.setdefault(pid, {})[interface.name] = interface
        elif kind in PAGE_EVENTS and body.get("view") is not None:
            pages[(pid, body["view"])] = _Page(int(record["seq"]), url, PAGE_EVENTS[kind])
        elif kind == "script" and (text := read_script(context, body)) is not None:
            script = body["script"]
            page = pages.get((pid, body.get("view"))) if body.get("view") is not None else None
            page_url, page_from = (page.url, page.event) if page else (url, "getUrl" if url else None)
            out.append(Injection(
                seq=int(record["seq"]), time=parse_time(body.get("time")), api=str(body.get("api")),
                actor=event_actor(body, package), stack=tuple(stack_of(body)[:12]),
                script=describe(text, page_url, page_from, script["sha256"], int(script.get("size") or 0),
                                list(exposed.get(pid, {}).values())),
                page_seq=page.seq if page else None))
    return out
