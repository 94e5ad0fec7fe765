"""Per-request attribution for cleartext HTTP on a plain java.net.Socket (issue #14): the app opens one socket to
the real capture and two SDKs write their requests on it in turn, one keep-alive connection. The hook on the
plain socket's output stream (JDK 17's java.net.Socket$SocketOutputStream) reports each write that starts a
request with its socket's ends and the writer's stack, so each flow says "sent by" its own SDK; the socket
hook alone would name only the app, which opened the connection ("connection opened by")."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from markupsafe import escape

from auditor.analyze.observations import join_sockets, read_context
from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.reference.launcher import JAVA17
from auditor.report.assets import translator
from auditor.report.model import build_model
from auditor.report.render import render_annex
from tests.attribution.conftest import HERE, compile_java
from tests.capture.conftest import UPSTREAM_IP, events, wait_for_event

AUDITOR = Path(sys.executable).parent / "auditor"
PATHS = ["/collect", "/collect", "/beta/px?id=7", "/alpha/config"]
SENDERS = ["com.sdk.alpha.Beacon", "com.sdk.beta.Pixel", "com.sdk.beta.Pixel", "com.sdk.alpha.Beacon"]


class _Answer(BaseHTTPRequestHandler):
    """Cleartext HTTP/1.1 with keep-alive: 200 and a short body to every POST."""
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:  # noqa: N802  (http.server's name)
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def plain_upstream() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer((UPSTREAM_IP, 0), _Answer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def plain_program(tmp_path_factory) -> str:
    return compile_java(tmp_path_factory.mktemp("plain-classes"), HERE / "plain")


def test_two_sdks_writing_on_one_plain_socket_each_get_their_own_stack(capture, case, plain_upstream,
                                                                      plain_program, tmp_path):
    proxy_ip, proxy_port = capture.listen_address
    base = f"http://{UPSTREAM_IP}:{plain_upstream.server_address[1]}"
    argv = [str(JAVA17), "-cp", plain_program, "com.example.plainapp.Main", proxy_ip, str(proxy_port), base]
    done = subprocess.run([str(AUDITOR), "instrument", str(case.root), "--json", "--app-package",
                           "com.example.plainapp", "--", *argv], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:4] == ["HTTP/1.1 200 OK"] * 4
    flows = sorted(wait_for_event(case, Kind.PROXY_FLOW, count=4), key=lambda f: f["body"]["timestamps"]["start"])
    assert [f["body"]["request"]["path"] for f in flows] == PATHS
    [port] = {f["body"]["client"]["port"] for f in flows}                  # one keep-alive connection
    hooks = events(case, Kind.HOOK_EVENT)
    [opened] = [e for e in hooks if e["body"]["category"] == "socket"]
    writes = [e for e in hooks if e["body"]["category"] == "request"]
    # one event per request: the body writes and the head-less writes are not requests
    assert [(w["body"]["hooked_class"], w["body"]["request_line"], w["body"]["socket"]["local_port"])
            for w in writes] == [("java.net.Socket$SocketOutputStream", f"POST {base}{path} HTTP/1.1", port)
                                 for path in PATHS]
    assert opened["body"]["socket"]["local_port"] == port

    # the opener alone: the app, for every request on the connection
    context = read_context(Case.open(case.root))
    by_opener = join_sockets(context.hooks, context.flow_index)
    assert [(by_opener[f["seq"]].class_name, by_opener[f["seq"]].basis) for f in flows] == [
        ("com.example.plainapp.Main", "connection")] * 4
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    contacted = {f["evidence"]["shown"][0]["ledger_seq"]: f["actor"] for f in findings
                 if f["type"] == "recipient_contacted"}
    assert [(contacted[f["seq"]]["class"], contacted[f["seq"]]["basis"], contacted[f["seq"]]["hook_seq"])
            for f in flows] == list(zip(SENDERS, ["stack"] * 4, [w["seq"] for w in writes], strict=True))
    # the report's findings say "sent by", never "connection opened by", for these four
    render_annex(build_model(Case.open(case.root)), "en", tmp_path / "annex.html")
    html = (tmp_path / "annex.html").read_text(encoding="utf-8")
    t = translator("en")
    assert (html.count(escape(t("finding.basis_sent"))), html.count(escape(t("finding.basis_connection")))) == (4, 0)
