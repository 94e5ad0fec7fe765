"""What the method saw and could not see (analysis/observed.json), decided here once from the ledger and
case.json: planted values, operator marks, the capture sessions and their gaps, hook coverage, and every hook
call with the code analysis attributed it to. The report lays this out; it does not re-read these events."""

from __future__ import annotations

from collections import Counter
from typing import Any

from auditor.analyze.consent_ui import consent_ui
from auditor.analyze.findings import planted_value
from auditor.analyze.observations import Context
from auditor.analyze.wire_witness import (
    packet_captures,
    passive_imports,
    tls_bypasses,
    tls_keys_logged,
    wire_witness,
)
from auditor.case.events import OPERATOR_MARKS, Kind
from auditor.contract.observed import (
    MAX_ROWS,
    CaptureCompleteness,
    CaptureGap,
    CaptureSession,
    HookCall,
    HookCoverage,
    HookedProcess,
    HookGap,
    HookProblem,
    Mark,
    Observed,
    PlantedReturn,
    PlantedSetting,
    TlsFailure,
)
from auditor.readable import readable
from auditor.shapes import as_dict

MAX_TEXT = 500
# The facts of each capture completeness event a reader needs (docs/events.md); the rest are left out.
GAP_DETAIL = {Kind.PROXY_QUIC_BLOCKED: ("client", "server", "mode"),
              Kind.PROXY_NON_HTTP: ("transport", "client", "server", "client_bytes", "server_bytes", "error"),
              Kind.PROXY_DNS: ("questions", "response_code", "client"),
              Kind.PROXY_MALFORMED: ("problem", "client"),
              Kind.PROXY_ABORTED: ("url", "error", "client")}


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    return (value if isinstance(value, str) else "" if value is None else str(value))[:limit]


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(record: dict[str, Any]) -> str:
    return _text(record["body"].get("time") or record["t_wall"], 64)


def _facts(body: dict[str, Any], keys: tuple[str, ...]) -> str:
    """The named facts of an event that it states, as a person reads them."""
    return _text(readable({k: body[k] for k in keys if body.get(k) not in (None, "", [], {})}))


def _gap_detail(kind: Kind, body: dict[str, Any]) -> str:
    detail: dict[str, Any] = {}
    for key in GAP_DETAIL.get(kind, tuple(sorted(body))):
        value = body.get(key)
        if isinstance(value, dict) and "ip" in value:
            value = f"{_text(value.get('ip'))}:{_text(value.get('port'))}"
        if value not in (None, "", [], {}):
            detail[key] = value
    return _text(readable(detail))


def _capture(context: Context, records: dict[Kind, list[dict[str, Any]]], sessions: list[Any],
             flows: int) -> CaptureCompleteness:
    tls: Counter[tuple[str, str, str]] = Counter()
    gaps: list[CaptureGap] = []
    for kind in sorted(GAP_DETAIL) + [Kind.PROXY_TLS_FAILED]:
        for record in records.get(kind, []):
            body = record["body"]
            if kind == Kind.PROXY_TLS_FAILED:
                host = _text(body.get("sni")) or _text(as_dict(body.get("server")).get("ip"))
                tls[(host, _text(body.get("side"), 20) or "?", _text(body.get("error")) or "?")] += 1
            else:
                gaps.append(CaptureGap(kind=kind.split(".", 1)[1], seq=record["seq"], time=_when(record),
                                       detail=_gap_detail(kind, body)))
    gaps.sort(key=lambda g: g.seq)
    counted: Counter[str] = Counter()
    for session in sessions:
        for kind, count in as_dict(as_dict(session).get("known_unknowns")).items():
            if _int(count) is not None:
                counted[_text(kind).split(".", 1)[-1]] += count
    return CaptureCompleteness(
        flows=flows, tls_failures=tuple(TlsFailure(host=h, side=s, error=e, count=n)
                                        for (h, s, e), n in sorted(tls.items())[:MAX_ROWS]),
        gaps=tuple(gaps[:MAX_ROWS]), gap_counts=dict(sorted(Counter(g.kind for g in gaps).items())),
        counted=dict(sorted(counted.items())))


def _hooks(records: dict[Kind, list[dict[str, Any]]]) -> HookCoverage:
    """hook.coverage (written when a process is left) is the final word for its process; hook.status
    `installed: false` counts only for a process without one (it crashed), since an interface hook reports
    false until an implementation loads and then installs."""
    gaps: dict[tuple[str, int | None], str] = {}
    covered: set[int | None] = set()
    installed = 0
    for record in records.get(Kind.HOOK_COVERAGE, []):
        body = record["body"]
        pid = _int(body.get("pid"))
        covered.add(pid)
        installed += len(as_dict(body.get("installed")))
        for api, reason in as_dict(body.get("not_installed")).items():
            gaps[(_text(api), pid)] = _text(reason)
    statuses = records.get(Kind.HOOK_STATUS, [])
    installed_later = {(_text(r["body"].get("api")), _int(r["body"].get("pid"))) for r in statuses
                       if r["body"].get("installed") is True}
    for record in statuses:
        body = record["body"]
        key = (_text(body.get("api")), _int(body.get("pid")))
        if body.get("installed") is False and key[1] not in covered and key not in installed_later:
            gaps.setdefault(key, _text(body.get("error")))
    if not records.get(Kind.HOOK_COVERAGE):
        installed = len(installed_later)
    problems = [HookProblem(seq=r["seq"], time=_text(r["t_wall"], 64), pid=_int(r["body"].get("pid")), kind="error",
                            detail=_text(f"{_text(r['body'].get('class'))}: {_text(r['body'].get('error'))}"))
                for r in records.get(Kind.HOOK_ERROR, [])]
    problems += [HookProblem(seq=r["seq"], time=_text(r["t_wall"], 64), pid=_int(r["body"].get("pid")),
                             kind="malformed", detail=_facts(r["body"], ("problem", "size", "sha256")))
                 for r in records.get(Kind.HOOK_MALFORMED, [])]
    problems += [HookProblem(seq=r["seq"], time=_text(r["t_wall"], 64), pid=_int(r["body"].get("pid")),
                             kind="detached", detail=_facts(r["body"], ("reason", "verdict", "crash")))
                 for r in records.get(Kind.HOOK_SESSION, []) if r["body"].get("event") == "detached"]
    overflow = sum(_int(r["body"].get("overflow")) or 0 for r in records.get(Kind.HOOK_COVERAGE, []))
    return HookCoverage(installed=installed,
                        not_installed=tuple(HookGap(api=api, pid=pid, reason=reason)
                                            for (api, pid), reason in sorted(gaps.items(),
                                                                             key=lambda i: (i[0][0], i[0][1] or 0))
                                            [:MAX_ROWS]),
                        problems=tuple(sorted(problems, key=lambda p: p.seq)[:MAX_ROWS]), overflow=overflow)


def _test_values(info: dict[str, Any], planted: list[PlantedSetting], returned: list[PlantedReturn]) -> list[str]:
    """The test's own values — planted, handed to the app, the test device's known identifiers: the evidence,
    not a third party's data, so a redacted report keeps them visible."""
    values = {p.value for p in planted}
    values |= {r.planted.value for r in returned if isinstance(r.planted.value, str)}
    for fact in as_dict(as_dict(info.get("device")).get("fields")).values():
        fact = as_dict(fact)
        if fact.get("known") is True and isinstance(fact.get("value"), str):
            values.add(fact["value"])
    return sorted(v for v in values if v)


def observe(context: Context, flows: int) -> Observed:
    info = context.case.info
    records = context.method_records
    planted = [PlantedSetting(what=_text(p["what"], 100), value=_text(p["value"]), seq=p["seq"])
               for p in context.planted]
    returned = []
    for record, actor in context.planted_returned[:MAX_ROWS]:
        body = record["body"]
        value = planted_value(body)
        if value is not None:
            returned.append(PlantedReturn(seq=record["seq"], time=_when(record), api=_text(body.get("api")),
                                          planted=value, actor=actor))
    marks = sorted((Mark(seq=r["seq"], time=_text(r["t_wall"], 64), kind=r["kind"],
                         text=_text(r["body"].get("text"), 2000) or None)
                    for kind in OPERATOR_MARKS for r in records.get(kind, [])), key=lambda m: m.seq)
    sessions = [s for s in (as_dict(info.get("capture")).get("sessions") or []) if isinstance(s, dict)]
    processes = [HookedProcess(seq=r["seq"], time=_text(r["t_wall"], 64), pid=_int(r["body"].get("pid")),
                               event=_text(r["body"].get("event"), 40), frida=_text(r["body"].get("host_frida"), 40)
                               or None, agent_sha256=_text(r["body"].get("agent_sha256"), 64) or None)
                 for r in records.get(Kind.HOOK_SESSION, []) if r["body"].get("event") in ("spawned", "attaching")]
    calls = [HookCall(seq=row.seq, time=_text(row.time.isoformat().replace("+00:00", "Z")
                                                  if row.time is not None else "", 64),
                      api=_text(row.api), category=_text(row.category, 60), thread=row.thread,
                      result=_text(readable(row.result), 200) or None, actor=row.actor)
             for row in context.hooks]
    return Observed(
        planted=tuple(planted), planted_returned=tuple(returned),
        test_values=tuple(_test_values(info, planted, returned)), marks=tuple(marks[:MAX_ROWS]),
        capture_sessions=tuple(CaptureSession(started=_text(s.get("started"), 64) or None,
                                              stopped=_text(s.get("stopped"), 64) or None,
                                              mode=_text(s.get("mode"), 40) or None, flows=_int(s.get("flows")),
                                              ca_cert_sha256=_text(s.get("ca_cert_sha256"), 64) or None)
                               for s in sessions[:MAX_ROWS]),
        hooked_processes=tuple(processes[:MAX_ROWS]), hook_calls=tuple(calls[:MAX_ROWS]),
        hook_calls_omitted=max(0, len(calls) - MAX_ROWS), hooks=_hooks(records),
        capture=_capture(context, records, sessions, flows), packet_captures=packet_captures(records),
        witness=wire_witness(context.case), passive_imports=passive_imports(records),
        tls_bypasses=tls_bypasses(records),
        tls_keys_logged=tls_keys_logged(records), consent_ui=consent_ui(records))
