"""Per-request attribution through the real OkHttp 3 (issue #14): two SDKs send over the app's one OkHttp client
to one HTTPS server through the real capture, one request after the other on one keep-alive HTTP/1.1
connection. Alpha calls Call.execute on the main thread, beta Call.enqueue (OkHttp's dispatcher thread writes
its request), and the app's own interceptor rewrites one of beta's requests. The Call hook (the caller's stack)
and the interceptor-chain hook (the request as it left the app's interceptors, tied to its call by the call's
identity) name each request's own SDK, joined to the flow the proxy saw — also the rewritten one — and
preferred to the TLS write's stack, which names OkHttp's own code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from markupsafe import escape

from auditor.analyze.observations import join_requests, read_context
from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.reference.launcher import JAVA17
from auditor.report.assets import translator
from auditor.report.model import build_model
from auditor.report.render import render_annex
from tests.capture.conftest import HOST, events, wait_for_event

AUDITOR = Path(sys.executable).parent / "auditor"
CALLED = ["/collect", "/collect", "/beta/px?id=7", "/alpha/config"]     # what each SDK asked for
SENT = ["/collect", "/collect", "/beta/v2/px?id=7", "/alpha/config"]    # what left the app's interceptors
SENDERS = ["com.sdk.alpha.Beacon", "com.sdk.beta.Pixel", "com.sdk.beta.Pixel", "com.sdk.alpha.Beacon"]


def test_two_sdks_on_one_okhttp_connection_each_get_their_own_stack(capture, case, upstream, okhttp_program,
                                                                  tmp_path):
    proxy_ip, proxy_port = capture.listen_address
    base = f"https://{HOST}:{upstream.address[1]}"
    argv = [str(JAVA17), "-cp", okhttp_program, "com.example.okapp.Main", proxy_ip, str(proxy_port),
            str(capture.ca_path), base]
    done = subprocess.run([str(AUDITOR), "instrument", str(case.root), "--json", "--app-package",
                           "com.example.okapp", "--", *argv], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:4] == ["404 /collect", "404 /collect", "404 /beta/v2/px", "404 /alpha/config"]
    flows = sorted(wait_for_event(case, Kind.PROXY_FLOW, count=4), key=lambda f: f["body"]["timestamps"]["start"])
    assert [f["body"]["request"]["path"] for f in flows] == SENT
    assert {f["body"]["request"]["http_version"] for f in flows} == {"HTTP/1.1"}
    assert len({f["body"]["client"]["port"] for f in flows}) == 1           # one keep-alive connection
    hooks = events(case, Kind.HOOK_EVENT)
    calls = [e for e in hooks if e["body"]["category"] == "http_call"]
    chains = [e for e in hooks if e["body"]["category"] == "http_chain"]
    assert [(c["body"]["api"], c["body"]["request_line"], c["body"]["thread"]) for c in calls] == [
        ("okhttp3.Call.execute", f"POST {base}{CALLED[0]}", "main"),
        ("okhttp3.Call.enqueue", f"POST {base}{CALLED[1]}", "main"),
        ("okhttp3.Call.enqueue", f"POST {base}{CALLED[2]}", "main"),
        ("okhttp3.Call.execute", f"POST {base}{CALLED[3]}", "main")]
    assert {c["body"]["hooked_class"] for c in calls} == {"okhttp3.RealCall"}     # OkHttp 3's implementation
    # one chain event per call, tied to it by the call's identity, with what the app's interceptor changed
    assert [(ch["body"]["request_line"], ch["body"]["call_id"], ch["body"]["rewritten"]) for ch in chains] == [
        (f"POST {base}{path}", call["body"]["call_id"], changed)
        for path, call, changed in zip(SENT, calls, [[], [], ["url", "headers"], []], strict=True)]
    assert len({c["body"]["call_id"] for c in calls}) == 4
    # enqueue: OkHttp's dispatcher thread enters the chain and writes the request
    assert [ch["body"]["thread"].startswith("OkHttp ") for ch in chains] == [False, True, True, False]
    writes = [e for e in hooks if e["body"]["category"] == "request"]
    assert [w["body"]["request_line"] for w in writes] == [f"POST {path} HTTP/1.1" for path in SENT]

    # the TLS writes alone name OkHttp's own I/O code (okio), on the caller's thread or the dispatcher's
    context = read_context(Case.open(case.root))
    by_write = join_requests(context.hooks, context.flow_index)
    assert [by_write[f["seq"]].class_name for f in flows] == ["okio.Okio$1"] * 4
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    contacted = {f["evidence"]["shown"][0]["ledger_seq"]: f["actor"] for f in findings
                 if f["type"] == "recipient_contacted"}
    assert [(contacted[f["seq"]]["class"], contacted[f["seq"]]["basis"], contacted[f["seq"]]["hook_seq"],
             contacted[f["seq"]]["request_rewritten"]) for f in flows] == list(zip(
        SENDERS, ["stack"] * 4, [c["seq"] for c in calls], [[], [], ["url", "headers"], []], strict=True))
    # the report's findings (the annex) say so beside "sent by", in each language
    model = build_model(Case.open(case.root))
    for lang in ("en", "nl"):
        render_annex(model, lang, tmp_path / f"annex-{lang}.html")
        html = (tmp_path / f"annex-{lang}.html").read_text(encoding="utf-8")
        t = translator(lang)
        # four recipient findings, each sent by its SDK; the one rewritten request says what was changed
        assert (html.count(escape(t("finding.basis_sent"))),
                html.count(escape(t("finding.request_rewritten", fields="url, headers")))) == (4, 1), lang
