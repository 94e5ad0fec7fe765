"""The findings, each with its exhibits: the requests that carried the values (marked where they occur), the
hook events, and the Java stack naming the code. The finding is analysis's (findings.json); the exhibits are
the raw evidence it points to, read from the case."""

from __future__ import annotations

from typing import Any

from auditor.analyze.attribution import is_platform_frame
from auditor.case.bundle import Case
from auditor.contract.findings import ConsentDialogFacts, Evidence, Finding, FoundValue, Transfer
from auditor.contract.observed import HookCall
from auditor.readable import readable
from auditor.report.display import Display
from auditor.report.sources import LedgerView, flow_time, request_body
from auditor.report.values import excerpt, shown
from auditor.shapes import as_dict, as_list, as_text

STACK_LIMIT = 40
STACK_CONTEXT = 2           # platform frames shown around the code that is not the platform's
EXHIBITS = 5                # requests and hook events shown per finding; the evidence list names them all


def frames_to_show(frames: list[str]) -> list[bool]:
    """Which frames the printed report shows: the hooked API's own frames at the top, every frame outside the
    Java runtime and Android framework (the app's and SDKs' code) with STACK_CONTEXT platform frames either
    side; the rest are runs of runtime internals, which the report counts instead (the JSON keeps them all)."""
    near = [False] * len(frames)
    for index, frame in enumerate(frames):
        if index == 0 or not is_platform_frame(frame):
            for shown_at in range(max(0, index - STACK_CONTEXT), min(len(frames), index + STACK_CONTEXT + 1)):
                near[shown_at] = True
    return near


def _seqs(item: Evidence) -> list[int]:
    """Ledger sequence numbers one piece of evidence points to: its event and the activity it cites."""
    return sorted({item.ledger_seq, *item.activity_ledger_seqs})


def _recovered(items: list[Evidence]) -> list[dict[str, Any]]:
    seen: dict[int, dict[str, Any]] = {}
    for item in items:
        for r in item.recovered_plaintext:
            seen.setdefault(r.ledger_seq, {"seq": r.ledger_seq, "api": r.api, "algorithm": r.algorithm,
                                           "key_sha256": r.key_sha256, "plaintext_sha256": r.plaintext_sha256,
                                           "ciphertext_sha256": r.ciphertext_sha256})
    return [seen[k] for k in sorted(seen)]


def _artifacts(item: Evidence) -> list[str]:
    return sorted({a for a in (item.flow_artifact, item.request_body_sha256, item.scan_artifact) if a})


class FindingsSection:
    def __init__(self, d: Display, case: Case, ledger: LedgerView, calls: dict[int, HookCall]):
        self.d, self.case, self.ledger, self.calls = d, case, ledger, calls

    def finding(self, f: Finding, evidence: bool = True) -> dict[str, Any]:
        """A finding as the report shows it; without `evidence`, only what exhibits, summary and verdicts need
        of it (no requests, hook events, stack or values: those are what a large case's memory goes to)."""
        d = self.d
        items = list(f.evidence.shown)
        actor = f.actor
        actor_name = actor.name if actor else ""
        stack, stack_seq = self._stack(items, f)
        first_frame = actor.frame if actor and actor.frame else ""
        recipient, destination = f.recipient, f.destination
        outcome = f.transfer.outcome if f.transfer else f.transfer_outcome
        row = {
            "id": f.id, "type": f.type.value, "data_category": f.data_category.value if f.data_category else "",
            "api": d.plain(f.api),
            "actor": d.plain(actor_name),
            "actor_detail": {"class": d.plain(actor.class_name if actor else None),
                             "frame": d.plain(first_frame), "sdk": d.plain(actor.sdk if actor else None),
                             "exodus_id": d.plain(actor.exodus_id if actor else None),
                             "first_party": actor.first_party if actor else None,
                             "basis": actor.basis.value if actor else "",
                             "request_rewritten": list(actor.request_rewritten) if actor else []},
            "user_action": f.user_action, "active": f.active,
            "recipient": {k: d.plain(getattr(recipient, k) if recipient else None)
                          for k in ("host", "domain", "entity", "parent", "entity_country", "tracker", "source")}
            | {"third_party": recipient.third_party if recipient else None,
               "steps": [{"step": s.step, "value": d.plain(s.value), "source": d.plain(s.source)}
                         for s in (recipient.steps if recipient else ())]},
            "destination": {k: d.plain(getattr(destination, k) if destination else None)
                            for k in ("ip", "country_physical", "country_registered", "asn", "operator")},
            "transfer": self.transfer(f.transfer) if f.transfer else None,
            "transfer_outcome": outcome.value if outcome else "",
            "time": d.plain(f.time), "time_last": d.plain(f.time_last),
            "occurrences": f.evidence.occurrences,
            "before_consent": f.before_consent,
            "confidence": f.confidence.value,
            "stack_seq": stack_seq,
            "planted": [{"what": d.plain(item.planted.what), "value": d.text(readable(item.planted.value), 300),
                         "original": d.text(readable(_scalar(item.planted.original)), 300)}
                        for item in items if item.planted is not None][:EXHIBITS],
            "static_evidence": sorted({d.plain(c) for item in items for c in item.static_evidence}),
            # the app's own encryption undone (analyze/plaintext.py): which recorded operation, never the key
            "recovered": _recovered(items),
            "injected": {"page_url": d.plain(f.injected_script.page_url),
                         "page_from": d.plain(f.injected_script.page_from) if f.injected_script.page_from else None,
                         "listens_to": [d.plain(e) for e in f.injected_script.listens_to],
                         "sends_through": [d.plain(c) for c in f.injected_script.sends_through]}
            if f.injected_script else None,
            "after_refusal": f.refusal_timing is not None and f.refusal_timing.value == "after",
            "consent_dialog": self.dialog_facts(f.consent_dialog) if f.consent_dialog else None,
            "stored_consent": {"choice": f.stored_consent.choice.value, "choice_seq": f.stored_consent.choice_seq,
                               "state_seq": f.stored_consent.state_seq, "path": d.plain(f.stored_consent.path),
                               "key": d.plain(f.stored_consent.key), "value": d.text(f.stored_consent.value, 200),
                               "stored_consent": f.stored_consent.stored_consent,
                               "ump_consent_status": d.plain(f.stored_consent.ump_consent_status)}
            if f.stored_consent else None,
        }
        if not evidence:
            return row
        seqs = sorted({s for item in items for s in _seqs(item)})
        locations = [self.location(value) for item in items for value in item.values][:50]
        hook_seqs = sorted({s for s in seqs if s in self.calls}
                           | ({actor.hook_seq} if actor and actor.hook_seq in self.calls else set()))
        return row | {
            "stack": [{"frame": d.plain(frame),
                       "actor": frame == first_frame or bool(actor_name) and frame.startswith(actor_name + "."),
                       "shown": shown_frame}
                      for frame, shown_frame in zip(stack[:STACK_LIMIT], frames_to_show(stack[:STACK_LIMIT]),
                                                    strict=True)],
            "stack_omitted": max(0, len(stack) - STACK_LIMIT),
            "decoding_notes": [d.text(n, 300) for item in items for n in item.decoding_notes][:20],
            "evidence": {"seqs": seqs, "artifacts": sorted({a for item in items for a in _artifacts(item)}),
                         "locations": locations},
            "requests": [self.request(self.ledger.flows[item.ledger_seq], locations) for item in items
                         if item.ledger_seq in self.ledger.flows][:EXHIBITS],
            "hook_events": [self.hook_row(self.calls[s]) for s in hook_seqs][:EXHIBITS],
        }

    def dialog_facts(self, g: ConsentDialogFacts) -> dict[str, Any]:
        d = self.d
        return {"pattern": g.pattern.value, "dialog_seq": g.dialog_seq, "in_webview": g.in_webview,
                "accept": d.text(g.accept_label, 200), "refuse": d.text(g.refuse_label, 200),
                "settings": d.text(g.settings_label, 200), "area_ratio": g.area_ratio,
                "contrast_ratio": g.contrast_ratio, "screenshot": g.screenshot_sha256 or ""}

    def _stack(self, items: list[Evidence], f: Finding) -> tuple[list[str], int | None]:
        """The Java stack behind a finding: the one its evidence shows (hook findings), else the stack of the
        socket hook event that attributed the flow to the code (actor.hook_seq), read from the ledger."""
        for item in items:
            if item.stack:
                return list(item.stack), item.ledger_seq
        hook_seq = f.actor.hook_seq if f.actor else None
        if hook_seq is not None and hook_seq in self.ledger.hook_stacks:
            return self.ledger.hook_stacks[hook_seq], hook_seq
        return [], None

    def transfer(self, transfer: Transfer) -> dict[str, Any]:
        """A Chapter V assessment: outcome, law, date, and the recipient layer it rests on (the endpoint is the
        finding's destination)."""
        d = self.d
        views = [{"view": "entity_country", "country": d.plain(transfer.recipient_country),
                  "outcome": transfer.outcome.value, "instrument": d.text(transfer.instrument, 300),
                  "note": d.text(transfer.note, 300)}]
        return {"outcome": transfer.outcome.value, "date": d.plain(transfer.date), "law": d.text(transfer.law, 300),
                "instrument": d.text(transfer.instrument, 300), "cannot_prove": d.text(transfer.cannot_prove, 1500),
                "note": d.text(transfer.note, 500), "views": views}

    def location(self, found: FoundValue) -> dict[str, Any]:
        """One value found in a message: where, which known value, in which form."""
        d = self.d
        return {"where": d.text(found.location, 300), "what": d.plain(found.what), "form": d.plain(found.form),
                "source_kind": found.source.value, "source_rule": d.plain(found.rule),
                "reasoning": d.text(found.reasoning, 500), "read_at_seq": found.read_at_seq,
                "value": d.text(found.value, 500), "needle": found.value}

    def request(self, record: dict[str, Any], locations: list[dict[str, Any]]) -> dict[str, Any]:
        """One HTTP request shown as evidence, with the values the finding names marked where they occur."""
        d = self.d
        body = record["body"]
        request = as_dict(body.get("request"))
        needles = [loc["needle"] for loc in locations if loc["needle"]]
        url = f"{as_text(request.get('scheme'))}://{as_text(request.get('host'))}{as_text(request.get('path'))}"
        payload = request_body(self.case, request)
        try:
            body_text, binary = (payload or b"").decode("utf-8"), False
        except UnicodeDecodeError:
            body_text, binary = (payload or b"").decode("utf-8", "replace"), True
        if d.redactor is not None:
            url, body_text = d.redactor.text(url), d.redactor.text(body_text)
        if payload is None:
            body_start = None
        elif binary:  # shown as hex; a disclosure copy shows no binary content it could not mask
            body_start = shown(b"" if d.redactor is not None else payload, 600)
        else:
            body_start = shown(body_text, 600)
        headers = [d.header(p[0], p[1]) for p in as_list(request.get("headers"))[:100]
                   if isinstance(p, list) and len(p) == 2]
        return {
            "seq": record["seq"], "time": d.plain(flow_time(record)),
            "method": d.plain(as_text(request.get("method"))[:20]),
            "url": shown(url, 1000), "url_excerpt": excerpt(url, needles),
            "headers": headers,
            "header_hits": [h["name"]["text"] for h in headers if any(n and n in h["value"]["text"] for n in needles)],
            "server_ip": d.plain(as_text(as_dict(body.get("server")).get("ip"))[:64]),
            "sni": d.plain(as_text(as_dict(body.get("tls")).get("sni"))[:300]),
            "body_sha256": d.plain(as_text(request.get("body_sha256"))[:64]),
            "body_size": request.get("body_size") if isinstance(request.get("body_size"), int) else None,
            "body_excerpt": excerpt(body_text, needles),
            "body_start": body_start,
        }

    def hook_row(self, call: HookCall) -> dict[str, Any]:
        d = self.d
        return {"seq": call.seq, "time": d.plain(call.time), "api": d.plain(call.api),
                "category": d.plain(call.category),
                "actor": d.plain(call.actor.package or call.actor.class_name) if call.actor else "",
                "sdk": d.plain(call.actor.sdk) if call.actor else "", "thread": d.plain(call.thread),
                "result": d.text(call.result, 200)}


def _scalar(value: Any) -> Any:
    """A planted value's original as recorded: a scalar, or an object {class, value} shown by its value."""
    if isinstance(value, dict):
        return value.get("value", value)
    return value


