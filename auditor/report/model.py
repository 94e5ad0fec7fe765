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
from auditor.report.redact import Redactor
from auditor.report.sources import Analysis, LedgerView, load_analysis, load_seal, read_ledger, request_body
from auditor.report.values import CELL_LIMIT, excerpt, neutralise, shown

REPORT_FORMAT = "auditor-report/1"
SEVERITIES = ("high", "medium", "low", "info")
STATUSES = ("pending", "confirmed", "dismissed")
PENDING = {"status": "pending", "comment": None, "reviewer": "", "time": "", "seq": None}  # no review yet
ANNEX_LIMIT = 5000          # rows per annex table; the rest are counted, and are in the sealed case
STACK_LIMIT = 40
PERSONAL_TYPES = frozenset({"personal_data_transmitted", "clipboard_transmitted", "cleartext_personal_data",
                            "third_country_transfer"})


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _seqs(evidence: dict[str, Any]) -> list[int]:
    found: list[int] = []
    for key in ("ledger_seqs", "ledger_seq", "seqs", "seq"):
        value = evidence.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, int) and not isinstance(item, bool) and item > 0:
                found.append(item)
    return sorted(set(found))


def _artifacts(evidence: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("artifacts", "artifact", "artifact_sha256", "artifacts_sha256"):
        value = evidence.get(key)
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str):
                found.append(item[:64])
    return sorted(set(found))


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
            "app": self.mapping(_dict(info.get("app"))),
            "device": self.mapping(_dict(info.get("device"))),
            "seal": self.seal_section(seal, verification.seal_sha256),
            "verification": {"ok": verification.ok, "sealed": verification.sealed,
                             "problems": [self.plain(str(p), 500) for p in verification.problems[:50]],
                             "notices": [self.plain(n, 500) for n in verification.notices[:50]]},
            "analysis": self.analysis_section(analysis, verification.seal_sha256),
            "method": self.method_section(info, ledger),
            "summary": self.summary(verdicts, findings),
            "verdicts": verdicts,
            "findings": findings,
            "unknowns": self.unknowns(ledger),
            "charts": self.chart_data(ledger, analysis, flows_with_data),
            "annex": self.annex(ledger, seal, flows_with_data),
            "ledger_head": {"seq": ledger.head_seq, "hash": ledger.head_hash},
            "redaction": None,
        }
        return model

    def case_section(self, info: dict[str, Any]) -> dict[str, Any]:
        tool = _dict(info.get("tool"))
        return {"case_id": self.plain(info.get("case_id")), "created": self.plain(info.get("created")),
                "ended": self.plain(info.get("ended")),
                "operator": self.plain(_dict(info.get("operator")).get("name")),
                "persona": self.plain(info.get("persona")), "scenario": self.text(info.get("scenario"), 500),
                "tool": {k: self.plain(tool.get(k)) for k in ("name", "version", "git_commit", "python",
                                                              "platform")}}

    def mapping(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        """A case.json section as sorted (key, value) rows: its shape is another room's, so show it all."""
        return [{"key": self.plain(k, 100), "value": self.text(v, 600)} for k, v in sorted(data.items())][:200]

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
        planted = [{"what": self.plain(k), "value": self.text(v, 300)}
                   for k, v in sorted(_dict(info.get("planted")).items())]
        for record in ledger.planted[:200]:
            body = record["body"]
            planted.append({"what": self.plain(body.get("what")), "value": self.text(body.get("value"), 300),
                            "time": self.plain(record["t_wall"]), "seq": record["seq"]})
        marks = [{"seq": r["seq"], "time": self.plain(r["t_wall"]), "kind": self.plain(r["kind"]),
                  "text": self.text(r["body"].get("text"), 500)} for r in ledger.marks[:500]]
        return {"planted": planted, "marks": marks,
                "capture": self.mapping(_dict(info.get("capture"))),
                "instrumentation": self.mapping(_dict(info.get("instrumentation")))}

    def finding(self, raw: dict[str, Any], ledger: LedgerView) -> dict[str, Any]:
        recipient, destination = _dict(raw.get("recipient")), _dict(raw.get("destination"))
        transfer = _dict(raw.get("transfer"))
        evidence_items = [_dict(e) for e in (raw.get("evidence") if isinstance(raw.get("evidence"), list)
                                             else [raw.get("evidence")])]
        seqs = sorted({s for e in evidence_items for s in _seqs(e)})
        artifacts = sorted({a for e in evidence_items for a in _artifacts(e)})
        locations = [self.location(loc) for e in evidence_items for loc in self._locations(e)][:50]
        actor = raw.get("actor")
        actor_name = _dict(actor).get("package") or _dict(actor).get("class") if isinstance(actor, dict) else actor
        stack_raw = raw.get("stack") if isinstance(raw.get("stack"), list) else []
        actor_text = _str(actor_name)
        return {
            "id": self.plain(raw.get("id")),
            "type": self.plain(raw.get("type"), 80),
            "data_category": self.plain(raw.get("data_category"), 120),
            "actor": self.plain(actor_name),
            "recipient": {k: self.plain(recipient.get(k)) for k in ("host", "domain", "entity", "parent",
                                                                    "entity_country")},
            "destination": {k: self.plain(destination.get(k)) for k in ("ip", "country_physical",
                                                                        "country_registered", "asn", "operator")},
            "transfer": {k: self.text(v, 800) for k, v in sorted(transfer.items())} if transfer else None,
            "transfer_outcome": self.plain(transfer.get("outcome"), 60) if transfer else "",
            "time": self.plain(raw.get("time")),
            "before_consent": raw.get("before_consent") if isinstance(raw.get("before_consent"), bool) else None,
            "confidence": self.plain(raw.get("confidence"), 40),
            "stack": [{"frame": self.plain(frame, 400),
                       "actor": bool(actor_text) and _str(frame).startswith(actor_text)}
                      for frame in stack_raw[:STACK_LIMIT]],
            "stack_omitted": max(0, len(stack_raw) - STACK_LIMIT),
            "evidence": {"seqs": seqs, "artifacts": artifacts, "locations": locations},
            "requests": [self.request(ledger.flows[s], locations) for s in seqs if s in ledger.flows][:5],
            "hook_events": [self.hook_row(self.hooks_by_seq[s]) for s in seqs if s in self.hooks_by_seq][:5],
        }

    @staticmethod
    def _locations(evidence: dict[str, Any]) -> list[dict[str, Any]]:
        items = evidence.get("locations", evidence.get("location"))
        items = items if isinstance(items, list) else [items]
        found = [_dict(i) for i in items if isinstance(i, dict)]
        if "value" in evidence and not found:
            found.append({"value": evidence["value"]})
        return found

    def location(self, loc: dict[str, Any]) -> dict[str, Any]:
        where = {k: v for k, v in sorted(loc.items()) if k not in ("value", "matched")}
        value = loc.get("value", loc.get("matched"))
        return {"where": self.text(", ".join(f"{k}={_str(v)}" for k, v in where.items()), 500),
                "value": self.text(value if isinstance(value, str) else _str(value), 500),
                "needle": _str(value)}

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

    def unknowns(self, ledger: LedgerView) -> dict[str, Any]:
        tls: Counter[tuple[str, str, str]] = Counter()
        others: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for record in ledger.completeness:
            body = record["body"]
            if record["kind"] == "proxy.tls_failed":
                host = _str(body.get("sni")) or _str(_dict(body.get("server")).get("ip"))
                tls[(self.plain(host), self.plain(body.get("side"), 20), self.plain(body.get("error"), 300))] += 1
            else:
                others[record["kind"].split(".", 1)[1]].append(
                    {"seq": record["seq"], "time": self.plain(record["t_wall"]),
                     "detail": self.text({k: v for k, v in sorted(body.items())}, 300)})
        hooks_failed = [{"api": self.plain(r["body"].get("api"), 300), "error": self.text(r["body"].get("error"), 300)}
                        for r in ledger.hook_status if r["body"].get("installed") is False]
        sessions = [{"seq": r["seq"], "time": self.plain(r["t_wall"]), "detail": self.text(r["body"], 300)}
                    for r in ledger.hook_sessions]
        return {"flows": len(ledger.flows),
                "tls_failures": [{"host": h, "side": s, "error": e, "count": n}
                                 for (h, s, e), n in sorted(tls.items())],
                "tls_failure_count": sum(tls.values()),
                "other": {kind: rows[:200] for kind, rows in sorted(others.items())},
                "other_counts": {kind: len(rows) for kind, rows in sorted(others.items())},
                "hooks_failed": hooks_failed, "hook_sessions": sessions[:200]}

    @staticmethod
    def _flows_with_personal_data(analysis: Analysis) -> set[int]:
        seqs: set[int] = set()
        for finding in analysis.findings:
            if finding.get("type") in PERSONAL_TYPES:
                evidence = finding.get("evidence")
                for item in evidence if isinstance(evidence, list) else [evidence]:
                    seqs.update(_seqs(_dict(item)))
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
            url = f"{_str(request.get('scheme'))}://{_str(request.get('host'))}{_str(request.get('path'))}"
            flows.append({"seq": seq, "time": self.plain(record["t_wall"]),
                          "method": self.plain(request.get("method"), 20), "url": self.text(url, 200),
                          "server_ip": self.plain(_dict(body.get("server")).get("ip")),
                          "status": response.get("status_code") if isinstance(response.get("status_code"), int)
                          else None, "personal": seq in personal,
                          "artifact": self.plain(record.get("artifact"))})
        files = sorted(_dict(_dict(seal.get("payload") if seal else None).get("files")).items())
        return {"flows": flows, "flows_omitted": max(0, len(ledger.flows) - ANNEX_LIMIT),
                "hook_events": [self.hook_row(r) for r in ledger.hook_events[:ANNEX_LIMIT]],
                "hook_events_omitted": max(0, len(ledger.hook_events) - ANNEX_LIMIT),
                "files": [{"path": self.plain(p, 300), "sha256": self.plain(_dict(e).get("sha256")),
                           "size": _dict(e).get("size")} for p, e in files[:ANNEX_LIMIT]],
                "files_omitted": max(0, len(files) - ANNEX_LIMIT)}


def planted_values(case: Case) -> set[str]:
    """Values the auditor planted (case.json 'planted', hook.planted events): kept visible when redacting."""
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
    for record in read_ledger(case).planted:
        collect(record["body"].get("value"))
    return values


def build_model(case: Case, redact: bool = False) -> dict[str, Any]:
    redactor = Redactor(planted_values(case)) if redact else None
    model = ModelBuilder(case, redactor).build()
    if redactor is not None:
        model["redaction"] = {"derived_from_seal_sha256": model["seal"].get("seal_sha256"),
                              "masked": dict(sorted(redactor.counts.items()))}
    return model


