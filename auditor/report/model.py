"""The report model: one JSON-ready dict built from a case and its analysis, from which every output format
(HTML, PDF, JSON, CSV) is rendered. It is language-neutral (titles keep en and nl) and every captured value
in it is bounded and neutralised (values.shown), and masked first when a Redactor is given.

Its shape is documented in docs/report-format.md ("auditor-report/1").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from auditor.case.bundle import Case
from auditor.case.seal import verify_case
from auditor.instrument.attribution import is_platform_frame
from auditor.readable import readable
from auditor.report.redact import Redactor
from auditor.report.sources import Analysis, LedgerView, load_analysis, load_seal, read_ledger, request_body
from auditor.report.values import CELL_LIMIT, excerpt, neutralise, shown

REPORT_FORMAT = "auditor-report/1"
SEVERITIES = ("high", "medium", "low", "info")
STATUSES = ("pending", "confirmed", "dismissed")
PENDING = {"status": "pending", "comment": None, "reviewer": "", "time": "", "seq": None}  # no review yet
ANNEX_LIMIT = 5000          # rows per annex table; the rest are counted, and are in the sealed case
STACK_LIMIT = 40
STACK_CONTEXT = 2           # platform frames shown around the code that is not the platform's
PERSONAL_TYPES = frozenset({"personal_data_transmitted", "clipboard_transmitted", "biometric_transmitted",
                            "cleartext_personal_data", "third_country_transfer"})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []



def frames_to_show(frames: list[Any]) -> list[bool]:
    """Which frames the printed report shows: the hooked API's own frames at the top, every frame outside the
    Java runtime and Android framework (the app's and SDKs' code) with STACK_CONTEXT platform frames either
    side; the rest are runs of runtime internals, which the report counts instead (the JSON keeps them all)."""
    near = [False] * len(frames)
    for index, frame in enumerate(frames):
        if index == 0 or not is_platform_frame(_str(frame)):
            for shown in range(max(0, index - STACK_CONTEXT), min(len(frames), index + STACK_CONTEXT + 1)):
                near[shown] = True
    return near

def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _shown(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The pieces of evidence a finding shows (docs/analysis.md: evidence.shown[], at most 20)."""
    return [_dict(item) for item in _list(_dict(raw.get("evidence")).get("shown"))]


def _seqs(item: dict[str, Any]) -> list[int]:
    """Ledger sequence numbers one piece of evidence points to: its event and the activity it cites."""
    found = [_int(item.get("ledger_seq"))] + [_int(s) for s in _list(item.get("activity_ledger_seqs"))]
    return sorted({s for s in found if s is not None})


def _artifacts(item: dict[str, Any]) -> list[str]:
    found = [item.get(key) for key in ("flow_artifact", "request_body_sha256", "scan_artifact")]
    return sorted({a[:64] for a in found if isinstance(a, str)})


_DETAIL_KEYS = {"proxy.quic_blocked": ("client", "server", "mode"),
                "proxy.non_http": ("transport", "client", "server", "client_bytes", "server_bytes", "error"),
                "proxy.dns": ("questions", "response_code", "client"),
                "proxy.malformed": ("problem", "client"),
                "proxy.aborted": ("url", "error", "client")}


def _completeness_detail(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The facts of a capture completeness event a reader needs (docs/events.md), addresses as ip:port."""
    detail: dict[str, Any] = {}
    for key in _DETAIL_KEYS.get(kind, tuple(sorted(body))):
        value = body.get(key)
        if isinstance(value, dict) and "ip" in value:
            value = f"{_str(value.get('ip'))}:{_str(value.get('port'))}"
        if value not in (None, "", [], {}):
            detail[key] = value
    return detail


class ModelBuilder:
    def __init__(self, case: Case, redactor: Redactor | None):
        self.case = case
        self.redactor = redactor
        self.hooks_by_seq: dict[int, dict[str, Any]] = {}

    # -- bounded, optionally masked values -------------------------------------------------------------
    def text(self, value: Any, limit: int = CELL_LIMIT) -> dict[str, Any]:
        if self.redactor is not None and isinstance(value, str):
            value = self.redactor.text(value)
        return shown(value, limit)

    def header(self, name: Any, value: Any) -> dict[str, Any]:
        text = _str(value)
        if self.redactor is not None:
            text = self.redactor.header(_str(name), text)
        return {"name": shown(_str(name), 200), "value": shown(text, 1000)}

    def plain(self, value: Any, limit: int = 200) -> str:
        """A short identifier-like value (host, country, package): neutralised, cut, no hash needed."""
        return neutralise(_str(value)[:limit])

    # -- sections ----------------------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        info = self.case.info
        analysis = load_analysis(self.case)
        seal = load_seal(self.case)
        ledger = read_ledger(self.case)
        self.hooks_by_seq = {record["seq"]: record for record in ledger.hook_events}
        verification = verify_case(self.case.root)
        flows_with_data = self._flows_with_personal_data(analysis)
        findings = [self.finding(f, ledger) for f in analysis.findings]
        findings.sort(key=lambda f: (f["time"], f["id"]))
        verdicts = self.verdicts(analysis, ledger)
        model: dict[str, Any] = {
            "format": REPORT_FORMAT,
            "case": self.case_section(info),
            "app": self.app_section(_dict(info.get("app"))),
            "device": self.device_section(_dict(info.get("device"))),
            "seal": self.seal_section(seal, verification.seal_sha256),
            "verification": {"ok": verification.ok, "sealed": verification.sealed,
                             "problems": [self.plain(str(p), 500) for p in verification.problems[:50]],
                             "notices": [self.plain(n, 500) for n in verification.notices[:50]]},
            "analysis": self.analysis_section(analysis, verification.seal_sha256),
            "method": self.method_section(info, ledger),
            "summary": self.summary(verdicts, findings),
            "verdicts": verdicts,
            "findings": findings,
            "unknowns": self.unknowns(ledger, info),
            "charts": self.chart_data(ledger, analysis, flows_with_data),
            "annex": self.annex(ledger, seal, flows_with_data),
            "ledger_head": {"seq": ledger.head_seq, "hash": ledger.head_hash},
            "redaction": None,
        }
        return model

    def case_section(self, info: dict[str, Any]) -> dict[str, Any]:
        tool = _dict(info.get("tool"))
        ended = info.get("ended")  # a time (capture, demo) or, after a live audit, {time, reason, …}
        ended_info = _dict(ended)
        return {"case_id": self.plain(info.get("case_id")), "created": self.plain(info.get("created")),
                "ended": self.plain(ended_info.get("time") if ended_info else ended),
                "ended_reason": self.plain(ended_info.get("reason"), 300),
                "cleanup_problems": [self.text(p, 500) for p in _list(ended_info.get("cleanup_problems"))[:50]],
                "parts_not_run": [self.text(p, 300) for p in _list(ended_info.get("parts_not_run"))[:50]],
                "operator": self.plain(_dict(info.get("operator")).get("name")),
                "persona": self.plain(info.get("persona")), "scenario": self.text(info.get("scenario"), 500),
                "tool": {k: self.plain(tool.get(k)) for k in ("name", "version", "git_commit", "python",
                                                              "platform")}}

    def app_section(self, app: dict[str, Any]) -> dict[str, Any]:
        """case.json `app` (docs/events.md, static): identity of the app, digests as lists of strings."""
        code = app.get("version_code")
        return {"package": self.plain(app.get("package")), "version_name": self.plain(app.get("version_name")),
                "version_code": self.plain(code) if code is not None else "",
                "apk_sha256": [self.plain(d, 64) for d in _list(app.get("apk_sha256"))[:50]],
                "signing_cert_sha256": [self.plain(d, 64) for d in _list(app.get("signing_cert_sha256"))[:50]],
                "permissions": len(_list(app.get("permissions")))}

    def device_section(self, device: dict[str, Any]) -> dict[str, Any]:
        """case.json `device`: the attestation record (docs/events.md, device), one row per field; the demo
        writes the same shape with a simulated-device format and a `simulated` note."""
        fields = []
        for name, fact in sorted(_dict(device.get("fields")).items()):
            fact = _dict(fact)
            known = fact.get("known") is True
            fields.append({"name": self.plain(name, 100), "known": known,
                           "value": self.text(readable(fact.get("value")) if known else "", 600),
                           "how": self.text(fact.get("how"), 300), "note": self.text(fact.get("note"), 500)})
        formats = self.plain(device.get("format"), 100)
        simulated = device.get("simulated")
        if simulated is None and formats.startswith("auditor-simulated-device"):
            simulated = formats
        known_keys = {"fields", "format", "serial", "simulated", "warnings", "collected_started",
                      "collected_ended"}
        return {"present": bool(device), "format": formats, "serial": self.plain(device.get("serial")),
                "simulated": self.text(simulated, 500) if simulated else None,
                "collected_started": self.plain(device.get("collected_started")),
                "collected_ended": self.plain(device.get("collected_ended")),
                "fields": fields[:300],
                "warnings": [self.text(readable(w), 500) for w in _list(device.get("warnings"))[:100]],
                "other": [{"key": self.plain(k, 100), "value": self.text(readable(v), 600)}
                          for k, v in sorted(device.items()) if k not in known_keys][:100]}

    def seal_section(self, seal: dict[str, Any] | None, seal_sha256: str | None) -> dict[str, Any]:
        if seal is None:
            return {"sealed": False}
        payload = _dict(seal.get("payload"))
        stamp = _dict(seal.get("timestamp"))
        ledger = _dict(payload.get("ledger"))
        return {"sealed": True, "seal_sha256": seal_sha256, "sealed_at": self.plain(payload.get("sealed_at")),
                "signer": self.plain(_dict(payload.get("signer")).get("fingerprint")),
                "timestamp": {"gen_time": self.plain(stamp.get("gen_time")),
                              "tsa_subject": self.plain(stamp.get("tsa_subject"), 300)} if stamp else None,
                "files": len(_dict(payload.get("files"))),
                "ledger_head_seq": ledger.get("head_seq"), "ledger_head_hash": self.plain(ledger.get("head_hash"))}

    def analysis_section(self, analysis: Analysis, seal_sha256: str | None) -> dict[str, Any]:
        inputs = analysis.inputs
        made_from = _dict(inputs.get("case"))
        return {
            "files": analysis.hashes,
            "made_from_seal": self.plain(made_from.get("seal_sha256")),
            "matches_seal": seal_sha256 is not None and made_from.get("seal_sha256") == seal_sha256,
            "datasets": [{k: self.plain(_dict(d).get(k), 300) for k in
                          ("name", "version", "sha256", "licence", "attribution", "error_rate")}
                         for d in _list(inputs.get("datasets"))[:100]],
            "rulesets": [{k: self.plain(_dict(r).get(k)) for k in ("name", "version", "sha256")}
                         for r in _list(inputs.get("rulesets"))[:100]],
        }

    def method_section(self, info: dict[str, Any], ledger: LedgerView) -> dict[str, Any]:
        """What was planted (case.json `planted`) and each time a planted value was handed to the app
        (hook.planted, phase returned), the operator's marks, the capture sessions and the hooked processes."""
        planted = []
        for what, value in sorted(_dict(info.get("planted")).items()):
            if value is not None:
                planted.append({"what": self.plain(what), "value": self.text(readable(value), 300)})
        returned = []
        for record in ledger.planted[:500]:
            body = record["body"]
            if body.get("phase") != "returned":
                continue
            actor = _dict(body.get("actor"))
            returned.append({"seq": record["seq"], "time": self.plain(body.get("time") or record["t_wall"]),
                             "what": self.plain(body.get("what")), "api": self.plain(body.get("api"), 300),
                             "value": self.text(readable(body.get("value")), 300),
                             "original": self.text(readable(body.get("original")), 300),
                             "actor": self.plain(actor.get("package") or actor.get("class")),
                             "sdk": self.plain(actor.get("sdk"))})
        marks = [{"seq": r["seq"], "time": self.plain(r["t_wall"]), "kind": self.plain(r["kind"]),
                  "text": self.text(r["body"].get("text"), 500)} for r in ledger.marks[:500]]
        sessions = []
        for session in _list(_dict(info.get("capture")).get("sessions"))[:100]:
            session = _dict(session)
            sessions.append({k: self.plain(session.get(k)) for k in ("started", "stopped", "mode", "flows",
                                                                      "ca_cert_sha256")})
        processes = []
        for record in ledger.hook_sessions:
            body = record["body"]
            if body.get("event") in ("spawned", "attaching"):
                processes.append({"seq": record["seq"], "time": self.plain(record["t_wall"]),
                                  "pid": self.plain(body.get("pid")), "event": self.plain(body.get("event")),
                                  "frida": self.plain(body.get("host_frida")),
                                  "agent_sha256": self.plain(body.get("agent_sha256"))})
        return {"planted": planted, "planted_returned": returned, "marks": marks, "capture_sessions": sessions,
                "hooked_processes": processes[:100]}

    def finding(self, raw: dict[str, Any], ledger: LedgerView) -> dict[str, Any]:
        """One finding of analysis/findings.json (docs/analysis.md) with its evidence looked up in the ledger:
        the requests that carried the values (marked), the hook events, and the Java stack naming the code."""
        recipient, destination = _dict(raw.get("recipient")), _dict(raw.get("destination"))
        shown_items = _shown(raw)
        seqs = sorted({s for item in shown_items for s in _seqs(item)})
        artifacts = sorted({a for item in shown_items for a in _artifacts(item)})
        locations = [self.location(value) for item in shown_items for value in _list(item.get("values"))
                     if isinstance(value, dict)][:50]
        actor = _dict(raw.get("actor"))
        actor_name = _str(actor.get("package") or actor.get("class") or actor.get("sdk"))  # sdk: static finding
        stack_raw, stack_seq = self._stack(raw, shown_items, actor)
        first_frame = _str(actor.get("frame"))
        planted = [_dict(item.get("planted")) for item in shown_items if isinstance(item.get("planted"), dict)]
        flow_seqs = [_int(item.get("ledger_seq")) for item in shown_items]
        hook_seqs = sorted({s for s in seqs if s in self.hooks_by_seq}
                           | ({actor["hook_seq"]} if _int(actor.get("hook_seq")) in self.hooks_by_seq else set()))
        occurrences = _int(_dict(raw.get("evidence")).get("occurrences"))
        return {
            "id": self.plain(raw.get("id")),
            "type": self.plain(raw.get("type"), 80),
            "data_category": self.plain(raw.get("data_category"), 120),
            "api": self.plain(raw.get("api"), 300),
            "actor": self.plain(actor_name),
            "actor_detail": {"class": self.plain(actor.get("class"), 300), "frame": self.plain(first_frame, 400),
                             "sdk": self.plain(actor.get("sdk")), "exodus_id": self.plain(actor.get("exodus_id")),
                             "first_party": actor.get("first_party") if isinstance(actor.get("first_party"), bool)
                             else None},
            "user_action": raw.get("user_action") if isinstance(raw.get("user_action"), bool) else None,
            "active": raw.get("active") if isinstance(raw.get("active"), bool) else None,
            "recipient": {k: self.plain(recipient.get(k)) for k in ("host", "domain", "entity", "parent",
                                                                    "entity_country", "tracker", "source")}
            | {"third_party": recipient.get("third_party") if isinstance(recipient.get("third_party"), bool)
               else None},
            "destination": {k: self.plain(destination.get(k)) for k in ("ip", "country_physical",
                                                                        "country_registered", "asn", "operator")},
            "transfer": self.transfer(_dict(raw.get("transfer"))),
            "transfer_outcome": self.plain(_dict(raw.get("transfer")).get("outcome")
                                           or raw.get("transfer_outcome"), 60),
            "time": self.plain(raw.get("time")),
            "time_last": self.plain(raw.get("time_last")),
            "occurrences": occurrences if occurrences is not None else len(shown_items),
            "before_consent": raw.get("before_consent") if isinstance(raw.get("before_consent"), bool) else None,
            "confidence": self.plain(raw.get("confidence"), 40),
            "stack": [{"frame": self.plain(frame, 400),
                       "actor": _str(frame) == first_frame
                       or bool(actor_name) and _str(frame).startswith(actor_name + "."),
                       "shown": shown}
                      for frame, shown in zip(stack_raw[:STACK_LIMIT], frames_to_show(stack_raw[:STACK_LIMIT]),
                                              strict=True)],
            "stack_seq": stack_seq,
            "stack_omitted": max(0, len(stack_raw) - STACK_LIMIT),
            "planted": [{"what": self.plain(p.get("what")), "value": self.text(readable(p.get("value")), 300),
                         "original": self.text(readable(_dict(p.get("original")).get("value", p.get("original"))),
                                               300)} for p in planted[:5]],
            "static_evidence": sorted({self.plain(c, 300) for item in shown_items
                                       for c in _list(item.get("static_evidence"))})[:100],
            "decoding_notes": [self.text(readable(n), 300) for item in shown_items
                               for n in _list(item.get("decoding_notes"))][:20],
            "evidence": {"seqs": seqs, "artifacts": artifacts, "locations": locations},
            "requests": [self.request(ledger.flows[s], locations) for s in flow_seqs if s in ledger.flows][:5],
            "hook_events": [self.hook_row(self.hooks_by_seq[s]) for s in hook_seqs][:5],
        }

    def _stack(self, raw: dict[str, Any], shown_items: list[dict[str, Any]],
               actor: dict[str, Any]) -> tuple[list[Any], int | None]:
        """The Java stack behind a finding: the one its evidence shows (hook findings), else the stack of the
        socket hook event that attributed the flow to the code (actor.hook_seq), with that event's seq."""
        for item in shown_items:
            if isinstance(item.get("stack"), list):
                return item["stack"], _int(item.get("ledger_seq"))
        hook_seq = _int(actor.get("hook_seq"))
        if hook_seq in self.hooks_by_seq:
            return _list(self.hooks_by_seq[hook_seq]["body"].get("stack")), hook_seq
        return _list(raw.get("stack")), None

    def transfer(self, transfer: dict[str, Any]) -> dict[str, Any] | None:
        """A Chapter V assessment (docs/analysis.md `transfer`): outcome, law, date, the three country views."""
        if not transfer:
            return None
        views = [{"view": self.plain(name, 40), "country": self.plain(_dict(view).get("country"), 8),
                  "outcome": self.plain(_dict(view).get("outcome"), 60),
                  "instrument": self.text(readable(_dict(view).get("instrument")), 300),
                  "note": self.text(_dict(view).get("note"), 300)}
                 for name, view in sorted(_dict(transfer.get("views")).items())]
        return {"outcome": self.plain(transfer.get("outcome"), 60), "date": self.plain(transfer.get("date")),
                "law": self.text(transfer.get("law"), 300),
                "instrument": self.text(readable(transfer.get("instrument")), 300),
                "cannot_prove": self.text(transfer.get("cannot_prove"), 1500), "views": views}

    def location(self, found: dict[str, Any]) -> dict[str, Any]:
        """One value found in a message (evidence.shown[].values[]): where, which known value, in which form."""
        value = _str(found.get("value"))
        source_kind, _, source_rule = _str(found.get("source")).partition(":")  # "recognised:<rule>"
        return {"where": self.text(found.get("location"), 300), "what": self.plain(found.get("what"), 100),
                "form": self.plain(found.get("form"), 60), "source_kind": self.plain(source_kind, 40),
                "source_rule": self.plain(source_rule, 100),
                "reasoning": self.text(found.get("reasoning"), 500),
                "read_at_seq": _int(found.get("read_at_seq")),
                "value": self.text(value, 500), "needle": value}

    def request(self, record: dict[str, Any], locations: list[dict[str, Any]]) -> dict[str, Any]:
        """One HTTP request shown as evidence, with the values the finding names marked where they occur."""
        body = record["body"]
        request = _dict(body.get("request"))
        needles = [loc["needle"] for loc in locations if loc["needle"]]
        url = f"{_str(request.get('scheme'))}://{_str(request.get('host'))}{_str(request.get('path'))}"
        payload = request_body(self.case, request)
        try:
            body_text, binary = (payload or b"").decode("utf-8"), False
        except UnicodeDecodeError:
            body_text, binary = (payload or b"").decode("utf-8", "replace"), True
        if self.redactor is not None:
            url, body_text = self.redactor.text(url), self.redactor.text(body_text)
        if payload is None:
            body_start = None
        elif binary:  # shown as hex; a disclosure copy shows no binary content it could not mask
            body_start = shown(b"" if self.redactor is not None else payload, 600)
        else:
            body_start = shown(body_text, 600)
        headers = [self.header(p[0], p[1]) for p in _list(request.get("headers"))[:100]
                   if isinstance(p, list) and len(p) == 2]
        header_hits = [h for h in headers if any(n and n in h["value"]["text"] for n in needles)]
        return {
            "seq": record["seq"], "time": self.plain(record["t_wall"]),
            "method": self.plain(request.get("method"), 20),
            "url": shown(url, 1000), "url_excerpt": excerpt(url, needles),
            "headers": headers, "header_hits": [h["name"]["text"] for h in header_hits],
            "server_ip": self.plain(_dict(body.get("server")).get("ip")),
            "sni": self.plain(_dict(body.get("tls")).get("sni")),
            "body_sha256": self.plain(request.get("body_sha256")),
            "body_size": request.get("body_size") if isinstance(request.get("body_size"), int) else None,
            "body_excerpt": excerpt(body_text, needles),
            "body_start": body_start,
        }

    def hook_row(self, record: dict[str, Any]) -> dict[str, Any]:
        body = record["body"]
        actor = _dict(body.get("actor"))
        return {"seq": record["seq"], "time": self.plain(body.get("time") or record["t_wall"]),
                "api": self.plain(body.get("api"), 300), "category": self.plain(body.get("category"), 60),
                "actor": self.plain(actor.get("package") or actor.get("class")),
                "sdk": self.plain(actor.get("sdk")), "thread": self.plain(body.get("thread"), 100),
                "result": self.text(body.get("result"), 200)}

    def verdicts(self, analysis: Analysis, ledger: LedgerView) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        history: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in ledger.reviews:
            body = record["body"]
            vid, status = _str(body.get("verdict_id")), body.get("status")
            if status not in STATUSES:
                continue
            entry = {"status": status, "comment": self.text(body.get("comment"), 2000),
                     "reviewer": self.plain(body.get("reviewer")), "time": self.plain(record["t_wall"]),
                     "seq": record["seq"]}
            latest[vid] = entry
            history[vid].append(entry)
        result = []
        for raw in analysis.verdicts:
            severity = raw.get("severity") if raw.get("severity") in SEVERITIES else "info"
            ruleset = _dict(raw.get("ruleset"))
            vid = _str(raw.get("id"))
            result.append({
                "id": self.plain(vid), "rule_id": self.plain(raw.get("rule_id")), "severity": severity,
                "ruleset": {k: self.plain(ruleset.get(k)) for k in ("name", "version", "sha256")},
                "title": {lang: self.text(_dict(raw.get("title")).get(lang), 400) for lang in ("en", "nl")},
                "explanation": {lang: self.text(_dict(raw.get("explanation")).get(lang), 4000)
                                for lang in ("en", "nl")},
                "citations": [{k: self.plain(_dict(c).get(k), 300) for k in
                               ("instrument", "article", "paragraph", "point")}
                              | {"text": self.text(_dict(c).get("text"), 1500)}
                              for c in _list(raw.get("citations"))[:30]],
                "findings": [self.plain(f) for f in _list(raw.get("findings"))[:1000]],
                "evidence_required": [self.text(e, 300) for e in _list(raw.get("evidence_required"))[:30]],
                "review": latest.get(vid, PENDING),
                "review_history": history.get(vid, []),
            })
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        result.sort(key=lambda v: (rank[v["severity"]], v["rule_id"], v["id"]))
        return result

    @staticmethod
    def summary(verdicts: list[dict[str, Any]], findings: list[dict[str, Any]]) -> dict[str, Any]:
        by_severity = Counter(v["severity"] for v in verdicts)
        by_status = Counter(v["review"]["status"] for v in verdicts)
        return {"verdicts_by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
                "verdicts_by_status": {s: by_status.get(s, 0) for s in STATUSES},
                "findings": len(findings),
                "findings_by_type": dict(sorted(Counter(f["type"] for f in findings).items())),
                "before_consent": sum(1 for f in findings if f["before_consent"] is True)}

    def unknowns(self, ledger: LedgerView, info: dict[str, Any]) -> dict[str, Any]:
        """What the method could not see: the capture's completeness events and counters, the APIs the hooks
        could not watch (hook.coverage), agent errors and rejected hook messages."""
        tls: Counter[tuple[str, str, str]] = Counter()
        others: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in ledger.completeness:
            body = record["body"]
            if record["kind"] == "proxy.tls_failed":
                host = _str(body.get("sni")) or _str(_dict(body.get("server")).get("ip"))
                tls[(self.plain(host), self.plain(body.get("side"), 20), self.plain(body.get("error"), 300))] += 1
            else:
                others[record["kind"].split(".", 1)[1]].append(
                    {"seq": record["seq"], "time": self.plain(body.get("time") or record["t_wall"]),
                     "detail": self.text(readable(_completeness_detail(record["kind"], body)), 300)})
        counted: Counter[str] = Counter()
        for session in _list(_dict(info.get("capture")).get("sessions")):
            for kind, count in _dict(_dict(session).get("known_unknowns")).items():
                if isinstance(count, int):
                    counted[_str(kind).split(".", 1)[-1]] += count
        return {"flows": len(ledger.flows),
                "tls_failures": [{"host": h, "side": s, "error": e, "count": n}
                                 for (h, s, e), n in sorted(tls.items())],
                "tls_failure_count": sum(tls.values()),
                "other": {kind: rows[:200] for kind, rows in sorted(others.items())},
                "other_counts": {kind: len(rows) for kind, rows in sorted(others.items())},
                "capture_counted": dict(sorted(counted.items())),
                "hooks_not_installed": self.hooks_not_installed(ledger),
                "hook_errors": [{"seq": r["seq"], "time": self.plain(r["t_wall"]),
                                 "pid": self.plain(r["body"].get("pid")),
                                 "where": self.plain(r["body"].get("class"), 300),
                                 "error": self.text(r["body"].get("error"), 500)}
                                for r in ledger.hook_errors[:200]],
                "hook_malformed": [{"seq": r["seq"], "time": self.plain(r["t_wall"]),
                                    "pid": self.plain(r["body"].get("pid")),
                                    "problem": self.text(r["body"].get("problem"), 300),
                                    "size": self.plain(r["body"].get("size")),
                                    "sha256": self.plain(r["body"].get("sha256"))}
                                   for r in ledger.hook_malformed[:200]],
                "hook_detached": [{"seq": r["seq"], "time": self.plain(r["t_wall"]),
                                   "pid": self.plain(r["body"].get("pid")),
                                   "reason": self.plain(r["body"].get("reason"), 100),
                                   "verdict": self.plain(r["body"].get("verdict"), 100),
                                   "crash": self.text(readable(r["body"].get("crash")), 500)}
                                  for r in ledger.hook_sessions if r["body"].get("event") == "detached"][:200],
                "hook_overflow": sum(r["body"]["overflow"] for r in ledger.hook_coverage
                                     if _int(r["body"].get("overflow")) is not None)}

    def hooks_not_installed(self, ledger: LedgerView) -> list[dict[str, Any]]:
        """APIs whose calls the hooks could not see. hook.coverage (written when a process is left) is the final
        word for its process; hook.status `installed: false` counts only for a process without one (it crashed),
        since an interface hook reports false until an implementation loads and then installs."""
        rows: dict[tuple[str, str], str] = {}
        covered = set()
        for record in ledger.hook_coverage:
            body = record["body"]
            pid = self.plain(body.get("pid"))
            covered.add(pid)
            for api, reason in _dict(body.get("not_installed")).items():
                rows[(self.plain(api, 300), pid)] = _str(reason)
        installed_later = {(self.plain(r["body"].get("api"), 300), self.plain(r["body"].get("pid")))
                           for r in ledger.hook_status if r["body"].get("installed") is True}
        for record in ledger.hook_status:
            body = record["body"]
            key = (self.plain(body.get("api"), 300), self.plain(body.get("pid")))
            if body.get("installed") is False and key[1] not in covered and key not in installed_later:
                rows.setdefault(key, _str(body.get("error")))
        return [{"api": api, "pid": pid, "reason": self.text(reason, 300)}
                for (api, pid), reason in sorted(rows.items())][:500]

    @staticmethod
    def _flows_with_personal_data(analysis: Analysis) -> set[int]:
        seqs: set[int] = set()
        for finding in analysis.findings:
            if finding.get("type") in PERSONAL_TYPES:
                for item in _shown(finding):
                    seqs.update(_seqs(item))
        return seqs

    def chart_data(self, ledger: LedgerView, analysis: Analysis, personal: set[int]) -> dict[str, Any]:
        points = []
        for seq, record in sorted(ledger.flows.items()):
            request = _dict(record["body"].get("request"))
            points.append({"seq": seq, "time": self.plain(record["t_wall"]),
                           "host": self.plain(request.get("host")), "personal": seq in personal})
        consent = [{"time": self.plain(r["t_wall"]), "kind": self.plain(r["kind"])} for r in ledger.marks
                   if r["kind"] in ("operator.consent_accepted", "operator.consent_refused")]
        countries: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"physical": set(), "entity": set()})
        for finding in analysis.findings:
            host = self.plain(_dict(finding.get("recipient")).get("host"))
            if not host:
                continue
            physical = self.plain(_dict(finding.get("destination")).get("country_physical"), 8) or "??"
            entity = self.plain(_dict(finding.get("recipient")).get("entity_country"), 8) or "??"
            countries[physical]["physical"].add(host)
            countries[entity]["entity"].add(host)
        return {"timeline": points[:ANNEX_LIMIT], "consent": consent,
                "countries": [{"country": c, "physical": len(v["physical"]), "entity": len(v["entity"])}
                              for c, v in sorted(countries.items())]}

    def annex(self, ledger: LedgerView, seal: dict[str, Any] | None, personal: set[int]) -> dict[str, Any]:
        flows = []
        for seq, record in sorted(ledger.flows.items())[:ANNEX_LIMIT]:
            body = record["body"]
            request, response = _dict(body.get("request")), _dict(body.get("response"))
            stream = _dict(body.get("stream"))
            offset = stream.get("offset")
            url = f"{_str(request.get('scheme'))}://{_str(request.get('host'))}{_str(request.get('path'))}"
            flows.append({"seq": seq, "time": self.plain(record["t_wall"]),
                          "method": self.plain(request.get("method"), 20), "url": self.text(url, 200),
                          "server_ip": self.plain(_dict(body.get("server")).get("ip")),
                          "status": response.get("status_code") if isinstance(response.get("status_code"), int)
                          else None, "personal": seq in personal,
                          # a proxy.flow has no artifact: the flow is the record in flows.mitm named by stream
                          "artifact": self.plain(record.get("artifact") or stream.get("sha256")),
                          "stream_offset": offset if isinstance(offset, int) and offset >= 0 else None})
        files = sorted(_dict(_dict(seal.get("payload") if seal else None).get("files")).items())
        return {"flows": flows, "flows_omitted": max(0, len(ledger.flows) - ANNEX_LIMIT),
                "hook_events": [self.hook_row(r) for r in ledger.hook_events[:ANNEX_LIMIT]],
                "hook_events_omitted": max(0, len(ledger.hook_events) - ANNEX_LIMIT),
                "files": [{"path": self.plain(p, 300), "sha256": self.plain(_dict(e).get("sha256")),
                           "size": _dict(e).get("size")} for p, e in files[:ANNEX_LIMIT]],
                "files_omitted": max(0, len(files) - ANNEX_LIMIT)}


def planted_values(case: Case) -> set[str]:
    """The test's own values — planted by the auditor (case.json `planted`, hook.planted events) and the test
    device's known identifiers (case.json `device` fields, the persona's account): kept visible when redacting,
    as they are the evidence, not a third party's data."""
    values: set[str] = set()

    def collect(value: Any) -> None:
        if isinstance(value, str):
            values.add(value)
        elif isinstance(value, dict):
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    collect(case.info.get("planted"))
    device = case.info.get("device")
    for fact in _dict(_dict(device).get("fields")).values():
        if _dict(fact).get("known") is True:
            collect(_dict(fact).get("value"))
    for record in read_ledger(case).planted:
        body = record["body"]
        collect(body.get("value") if body.get("phase") == "returned" else body.get("clipboard"))
    return values


def build_model(case: Case, redact: bool = False) -> dict[str, Any]:
    redactor = Redactor(planted_values(case)) if redact else None
    model = ModelBuilder(case, redactor).build()
    if redactor is not None:
        model["redaction"] = {"derived_from_seal_sha256": model["seal"].get("seal_sha256"),
                              "masked": dict(sorted(redactor.counts.items()))}
    return model


