"""Nothing lost: SIGKILL mid-burst, aborted uploads, malformed requests, pinned clients, a 200 MiB body."""

from __future__ import annotations

import hashlib
import http.client
import socket
import ssl
import threading
import time

from mitmproxy import io as mitm_io

from auditor.case.seal import verify_case
from tests.capture.conftest import HOST, client, events, fetch, trusting, tunnel, wait_for_event

MEMORY_BOUND_KB = 150 * 1024      # peak RSS of the proxy relaying a 200 MiB body (measured ~91 MiB; bare mitmdump ~826)


def test_sigkill_mid_burst_loses_no_completed_flow(capture, case, upstream):
    completed: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def burst(worker: int) -> None:
        conn = client(capture.listen_address, capture.ca_path, upstream.address[1], timeout=10)
        for n in range(500):
            if stop.is_set():
                return
            path = f"/echo?w={worker}&n={n}"
            try:
                conn.request("POST", path, body=path.encode())
                if conn.getresponse().read():
                    with lock:
                        completed.append(path)
            except (OSError, http.client.HTTPException):
                return

    workers = [threading.Thread(target=burst, args=(w,)) for w in range(3)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 30
    while len(completed) < 60 and time.monotonic() < deadline:
        time.sleep(0.01)
    capture.kill()                      # mid-burst: requests are in flight
    stop.set()
    for worker in workers:
        worker.join(15)
    stopped = capture.stop()
    assert stopped["signal"] == "SIGKILL" and stopped["clean"] is False
    assert len(completed) >= 60
    recorded = {e["body"]["request"]["path"] for e in events(case, "proxy.flow")}
    assert set(completed) <= recorded
    with open(case.root / "flows.mitm", "rb") as handle:
        reread = {f.request.path for f in mitm_io.FlowReader(handle).stream()}
    assert reread == recorded
    assert verify_case(case.root).problems == []


def test_client_abort_mid_upload_keeps_the_partial_body(capture, case, upstream):
    conn = tunnel(capture, upstream.address[1], trusting(capture, ["http/1.1"]))
    sent = b"imei=356938035643809&" + bytes(range(256)) * 117
    conn.sendall(f"POST /echo HTTP/1.1\r\nHost: {HOST}\r\nContent-Length: 100000\r\n\r\n".encode() + sent)
    time.sleep(0.2)     # let the proxy forward what it has (it can't be observed from this side)
    conn.close()
    [aborted] = wait_for_event(case, "proxy.aborted")
    partial = aborted["body"]["partial_bodies"]["request"]
    assert partial["size"] == len(sent)
    assert case.artifacts.read_bytes(aborted["artifact"], 1 << 20) == sent
    [flow] = wait_for_event(case, "proxy.flow")
    assert flow["body"]["request"]["body_complete"] is False and flow["body"]["error"]
    assert flow["body"]["request"]["body_sha256"] == hashlib.sha256(sent).hexdigest()


def test_malformed_request_is_recorded_though_it_makes_no_flow(capture, case):
    with socket.create_connection(capture.listen_address, timeout=10) as raw:
        raw.sendall(b"GET\r\n\r\n")
        assert raw.recv(4096).startswith(b"HTTP/1.1 400")
    [malformed] = wait_for_event(case, "proxy.malformed")
    assert malformed["body"]["problem"].startswith("Bad HTTP request line")
    assert malformed["body"]["client"]["ip"] == "127.0.0.1"
    capture.stop()
    assert events(case, "proxy.flow") == []


def test_pinning_client_refusal_is_recorded_per_host(capture, case, upstream, pki):
    pinned = ssl.create_default_context(cafile=str(pki[0].cert_pem))    # trusts only the real upstream CA
    for _ in range(2):
        try:
            tunnel(capture, upstream.address[1], pinned).close()
            raise AssertionError("a pinning client accepted the proxy's certificate")
        except ssl.SSLCertVerificationError:
            pass
    failures = wait_for_event(case, "proxy.tls_failed", count=2)
    assert {(f["body"]["side"], f["body"]["sni"]) for f in failures} == {("client", HOST)}
    summary = capture.stop()
    assert summary["client_tls_failures_by_host"] == {HOST: 2}
    assert summary["known_unknowns"]["proxy.tls_failed"] == 2


def test_200_mib_body_streams_to_the_artifact_store_within_the_memory_bound(capture, case, upstream):
    conn = tunnel(capture, upstream.address[1], trusting(capture, ["http/1.1"]))
    conn.sendall(f"GET /big?mb=200 HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
    reader = conn.makefile("rb")
    assert reader.readline().startswith(b"HTTP/1.1 200")
    while reader.readline() not in (b"\r\n", b""):
        pass
    digest, size = hashlib.sha256(), 0
    while size < 200 << 20 and (chunk := reader.read(1 << 20)):
        digest.update(chunk)
        size += len(chunk)
    conn.close()
    [flow] = wait_for_event(case, "proxy.flow", timeout=60)
    peak_kb = int(open(f"/proc/{capture.process.pid}/status").read().split("VmHWM:")[1].split()[0])
    capture.stop()
    response = flow["body"]["response"]
    assert size == 200 << 20 and response["body_size"] == size
    assert response["body_sha256"] == digest.hexdigest() and response["body_complete"] is True
    assert (case.artifacts.path_for(response["body_sha256"])).stat().st_size == size
    assert peak_kb < MEMORY_BOUND_KB, f"proxy peak RSS {peak_kb} kB"


def test_a_torn_stream_tail_is_kept_and_cut_and_the_next_session_continues(case, confdir, world, pki, upstream):
    from auditor.capture.proxy import Capture

    torn = b"4096:{partial record cut by a kill"
    with open(case.root / "flows.mitm", "ab") as stream:
        stream.write(torn)
    capture = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    assert fetch(capture, upstream.address[1]) == b"hello from upstream"
    capture.stop()
    [report] = events(case, "proxy.stream_torn")
    assert (report["body"]["offset"], report["body"]["bytes"], report["body"]["cut"]) == (0, len(torn), True)
    assert case.artifacts.read_bytes(report["artifact"], 1024) == torn
    [flow] = events(case, "proxy.flow")
    assert flow["body"]["stream"]["offset"] == 0 and flow["body"]["request"]["path"] == "/hello"
    with open(case.root / "flows.mitm", "rb") as handle:           # a clean stream again: mitmdump reads it
        assert [f.request.path for f in mitm_io.FlowReader(handle).stream()] == ["/hello"]
    assert verify_case(case.root).problems == []


def test_an_upload_over_the_cap_spills_to_the_artifact_store(case, confdir, world, pki, upstream):
    from auditor.capture.proxy import Capture

    capture = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem,
                      body_cap=4096).start()
    upload = bytes(range(256)) * 64                    # 16 KiB: four times the cap
    assert fetch(capture, upstream.address[1], "POST", "/echo", upload) == \
        f"{len(upload)} {hashlib.sha256(upload).hexdigest()}".encode()
    capture.stop()
    [flow] = events(case, "proxy.flow")
    request = flow["body"]["request"]
    assert (request["body_size"], request["body_complete"]) == (len(upload), True)
    assert case.artifacts.read_bytes(request["body_sha256"], 1 << 20) == upload
    with open(case.root / "flows.mitm", "rb") as handle:
        [reread] = list(mitm_io.FlowReader(handle).stream())
    assert reread.request.raw_content is None          # not held in memory, so not in the stream record
