"""Per-request attribution where no TLS write names the sender (issue #14): two SDKs send over one
java.net.http client, HTTP/2 through the real capture, so all four requests share one multiplexed connection
written by the client's own thread. The http_call hook (the client's sendAsync, with the caller's stack)
joined to each flow by method, URL and order names each request's own SDK — also for two requests to the same
URL, which only their order tells apart."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from auditor.analyze.run import analyze
from auditor.case.events import Kind
from auditor.reference.launcher import JAVA17
from tests.capture.conftest import HOST, events, wait_for_event

AUDITOR = Path(sys.executable).parent / "auditor"
PATHS = ["/collect", "/collect", "/alpha/config", "/beta/px?id=7"]
SENDERS = ["com.sdk.alpha.Beacon", "com.sdk.beta.Pixel", "com.sdk.alpha.Beacon", "com.sdk.beta.Pixel"]


def test_two_sdks_on_one_http2_connection_each_get_their_own_stack(capture, case, upstream, two_sdk_program):
    proxy_ip, proxy_port = capture.listen_address
    base = f"https://{HOST}:{upstream.address[1]}"
    argv = [str(JAVA17), "-cp", str(two_sdk_program), "com.example.h2app.Main", proxy_ip, str(proxy_port),
            str(capture.ca_path), base]
    done = subprocess.run([str(AUDITOR), "instrument", str(case.root), "--json", "--app-package",
                           "com.example.h2app", "--", *argv], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    # the loopback upstream answers 404 to paths it does not serve, over HTTP/2 as asked
    assert [line for line in done.stdout.splitlines() if line.startswith("404 ")] == [
        "404 /collect HTTP_2", "404 /collect HTTP_2", "404 /alpha/config HTTP_2", "404 /beta/px HTTP_2"]
    flows = wait_for_event(case, Kind.PROXY_FLOW, count=4)
    by_start = sorted(flows, key=lambda f: f["body"]["timestamps"]["start"])
    # the two sent at once reach the proxy in either order: the flows in the order the calls were made
    by_call = by_start[:2] + sorted(by_start[2:], key=lambda f: PATHS.index(f["body"]["request"]["path"]))
    assert [f["body"]["request"]["path"] for f in by_call] == PATHS
    assert {f["body"]["request"]["http_version"] for f in flows} == {"HTTP/2.0"}
    assert len({f["body"]["client"]["port"] for f in flows}) == 1           # one connection for all four
    calls = [e for e in events(case, Kind.HOOK_EVENT) if e["body"]["category"] == "http_call"]
    assert [c["body"]["request_line"] for c in calls] == [f"POST {base}{path}" for path in PATHS]
    # no TLS write hook fired: java.net.http writes through an SSLEngine, not an SSLSocket's stream
    assert [e for e in events(case, Kind.HOOK_EVENT) if e["body"]["category"] == "request"] == []

    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    contacted = {f["evidence"]["shown"][0]["ledger_seq"]: f["actor"] for f in findings
                 if f["type"] == "recipient_contacted"}
    call_seqs = [c["seq"] for c in calls]
    assert [(contacted[f["seq"]]["class"], contacted[f["seq"]]["basis"], contacted[f["seq"]]["hook_seq"])
            for f in by_call] == list(zip(SENDERS, ["stack"] * 4, call_seqs, strict=True))
