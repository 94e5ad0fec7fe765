"""Each auditor addon loads on its own with `mitmdump -s ADDON` and does its one job there (no auditor session,
no other auditor addon): an opposing expert can rerun any one of them with mitmproxy itself."""

from __future__ import annotations

import fcntl
import hashlib
import io
import json
import os
import socket
import ssl
import time
from pathlib import Path

from mitmproxy import io as mitm_io

from auditor.capture import journal
from auditor.capture.addons import bodies, completeness, lifecycle, recorder, world_resolver
from auditor.capture.ingest import StreamIngester
from auditor.case.layout import JOURNAL_FILE
from tests.capture.conftest import HOST, UPSTREAM_IP, events, read_h1_response
from tests.capture.mitmdump import Mitmdump


def exchange(proxy: Mitmdump, connect_to: str, port: int, request: bytes) -> tuple[int, bytes]:
    """CONNECT to `connect_to`, TLS with SNI upstream.test (trusting the proxy's CA), one HTTP/1.1 request."""
    raw = socket.create_connection(proxy.address, timeout=30)
    raw.sendall(f"CONNECT {connect_to}:{port} HTTP/1.1\r\nHost: {connect_to}:{port}\r\n\r\n".encode())
    assert raw.recv(4096).startswith(b"HTTP/1.1 200")
    with ssl.create_default_context(cafile=str(proxy.ca_path)).wrap_socket(raw, server_hostname=HOST) as conn:
        conn.sendall(request)
        return read_h1_response(conn)


def post(path: str, body: bytes) -> bytes:
    return f"POST {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body


def alone(addon, confdir: Path, **options: object) -> Mitmdump:
    settings = [arg for name, value in options.items() for arg in ("--set", f"{name}={value}")]
    return Mitmdump.start(confdir, "-s", addon.__file__, "--set", "ssl_insecure=true", *settings)


def test_recorder_alone_journals_each_flow_and_the_ingester_writes_mitmproxys_own_format(case, confdir, upstream):
    proxy = alone(recorder, confdir, auditor_case=case.root)
    assert exchange(proxy, UPSTREAM_IP, upstream.address[1], post("/echo", b"alone")) == \
        (200, f"5 {hashlib.sha256(b'alone').hexdigest()}".encode())
    assert proxy.stop() == 0
    journal_path = case.root / JOURNAL_FILE
    with open(journal_path, "rb") as handle:
        [(state, end)] = list(journal.records(handle, journal.HEADER_SIZE))
    assert end == journal_path.stat().st_size
    request, response = state["request"], state["response"]
    assert (request["path"], request["content"], response["status_code"]) == (b"/echo", b"alone", 200)
    assert events(case, "proxy.flow") == []         # ledger events are the ingester's job, not the addon's

    ingester = StreamIngester(case, "")
    ingester.finish()
    ingester.close()
    stream = (case.root / "flows.mitm").read_bytes()
    [flow] = list(mitm_io.FlowReader(io.BytesIO(stream)).stream())
    assert (flow.request.path, flow.request.content, flow.response.status_code) == ("/echo", b"alone", 200)
    rewritten = io.BytesIO()
    mitm_io.FlowWriter(rewritten).add(flow)
    assert rewritten.getvalue() == stream            # byte for byte what mitmproxy's own writer makes of it
    [event] = events(case, "proxy.flow")
    assert event["body"]["stream"] == {"file": "flows.mitm", "offset": 0, "length": len(stream),
                                       "sha256": hashlib.sha256(stream).hexdigest()}
    assert not journal_path.exists()                # all of it ingested: the journal is gone


def test_bodies_alone_spills_a_body_over_its_cap_to_the_artifact_store(case, confdir, upstream):
    upload = bytes(range(256)) * 40                 # 10 KiB against a 1 KiB cap
    proxy = alone(bodies, confdir, auditor_case=case.root, auditor_body_cap=1024)
    status, answer = exchange(proxy, UPSTREAM_IP, upstream.address[1], post("/echo", upload))
    assert proxy.stop() == 0
    digest = hashlib.sha256(upload).hexdigest()
    assert (status, answer) == (200, f"{len(upload)} {digest}".encode())
    assert case.artifacts.read_bytes(digest, 1 << 20) == upload


def test_bodies_alone_without_a_case_relays_bodies_over_its_cap_unchanged(confdir, upstream):
    upload = b"x" * 5000
    proxy = alone(bodies, confdir, auditor_body_cap=1024)
    assert exchange(proxy, UPSTREAM_IP, upstream.address[1], post("/echo", upload)) == \
        (200, f"{len(upload)} {hashlib.sha256(upload).hexdigest()}".encode())
    assert proxy.stop() == 0


def test_completeness_alone_records_a_malformed_request(case, confdir):
    proxy = alone(completeness, confdir, auditor_case=case.root)
    with socket.create_connection(proxy.address, timeout=10) as raw:
        raw.sendall(b"GET\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
    assert proxy.stop() == 0
    [malformed] = events(case, "proxy.malformed")
    assert malformed["body"]["problem"].startswith("Bad HTTP request line")
    assert malformed["source"] == "proxy"


def test_lifecycle_alone_writes_its_listen_file_and_opens_the_session(case, confdir, tmp_path):
    listen_file = tmp_path / "listening.json"
    proxy = alone(lifecycle, confdir, auditor_case=case.root, auditor_listen_file=listen_file)
    deadline = time.monotonic() + 20            # written by the running hook, just after the log line
    while not listen_file.exists():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    announced = json.loads(listen_file.read_text())
    assert proxy.stop() == 0
    assert announced["listening"][0]["addresses"][0] == list(proxy.address)
    assert announced["pid"] == proxy.process.pid
    [started] = events(case, "proxy.started")
    assert started["body"] == announced
    assert started["body"]["ca_cert_sha256"] == hashlib.sha256(proxy.ca_path.read_bytes()).hexdigest()


def test_a_proxy_that_cannot_record_into_its_case_does_not_run(case, confdir, tmp_path):
    journal_path = case.root / JOURNAL_FILE
    holder = os.open(journal_path, os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(holder, fcntl.LOCK_EX)              # another proxy is recording into this case
    try:
        listen_file = tmp_path / "listening.json"
        proxy = alone(lifecycle, confdir, auditor_case=case.root, auditor_listen_file=listen_file)
        assert proxy.process.wait(20) == 1
    finally:
        os.close(holder)
    deadline = time.monotonic() + 5                 # its output is read by a thread: let it catch up
    while "held by another proxy" not in "".join(proxy.log) and time.monotonic() < deadline:
        time.sleep(0.02)
    log = "".join(proxy.log)
    assert "auditor: cannot record into the case:" in log and "held by another proxy" in log
    assert not listen_file.exists() and events(case, "proxy.started") == []


def test_world_resolver_alone_dials_the_world_address_for_a_host_name(case, confdir, world, upstream):
    proxy = alone(world_resolver, confdir, auditor_case=case.root, auditor_world=world)
    assert exchange(proxy, HOST, upstream.address[1], b"GET /hello HTTP/1.1\r\nHost: upstream.test\r\n\r\n") == \
        (200, b"hello from upstream")
    assert proxy.stop() == 0
    [declared] = events(case, "proxy.world")
    assert declared["body"]["hosts"] == {HOST: UPSTREAM_IP}
