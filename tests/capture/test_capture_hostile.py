"""Traffic built to stop the recording (#18): flows too large for one ledger event, header bytes that are not
UTF-8, an ingester that dies. Each is recorded through the real proxy, and the capture says when it did not."""

from __future__ import annotations

import errno
import json
import os
import signal
import time
from pathlib import Path

import pytest
from mitmproxy import io as mitm_io

from auditor.capture.oversized import LIST_CAP, STRING_CAP
from auditor.capture.proxy import Capture
from auditor.case.layout import FLOWS_FILE, JOURNAL_FILE
from auditor.case.ledger import Ledger
from auditor.case.seal import verify_case
from tests.capture.conftest import HOST, events, fetch, read_h1_response, trusting, tunnel
from tests.capture.test_capture_cli import CaptureCommand

BIG_HEADER = "b" * (2 << 20)                   # 2 MiB: more than a whole ledger line
LONG_PATH = "/" + "p" * (4 << 20)              # a 4 MB URL
MANY_HEADERS = 100_000


def send(capture: Capture, port: int, head: bytes) -> int:
    """One raw HTTP/1.1 request through the proxy; the status the client got."""
    conn = tunnel(capture, port, trusting(capture, ["http/1.1"]))
    conn.sendall(head + b"\r\n")
    status, _ = read_h1_response(conn)
    conn.close()
    return status


def request(path: str, *headers: bytes) -> bytes:
    return b"".join([f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n".encode(), *headers])


def flows_in_stream(case_root: Path) -> list:
    with open(case_root / FLOWS_FILE, "rb") as handle:
        return list(mitm_io.FlowReader(handle).stream())


def test_flows_too_large_for_an_event_are_recorded_with_their_cuts_and_recording_goes_on(capture, case, upstream):
    port = upstream.address[1]
    sends = [
        request("/big-header", f"X-Big: {BIG_HEADER}\r\n".encode()),
        request(LONG_PATH),
        request("/many", *(f"X-N{i}: v\r\n".encode() for i in range(MANY_HEADERS))),
        request("/latin1", b"X-Name: caf\xe9\r\n"),
    ]
    for head in sends:
        send(capture, port, head)
    assert fetch(capture, port, path="/hello") == b"hello from upstream"
    stopped = capture.stop()
    assert stopped["ingest_status"] == 0 and stopped["flows"] == 5

    flows = [event["body"] for event in events(case, "proxy.flow")]
    assert [flow["request"]["path"][:12] for flow in flows] == ["/big-header", "/" + "p" * 11, "/many", "/latin1",
                                                                "/hello"]
    big, long, many, latin1, after = flows
    [cut] = big["cuts"]
    index = [name for name, _ in big["request"]["headers"]].index("X-Big")
    assert cut == {"field": f"request.headers[{index}][1]", "reason": "too_long", "size": len(BIG_HEADER),
                   "kept": STRING_CAP, "sha256": cut["sha256"]}
    assert case.artifacts.read_bytes(cut["sha256"], 3 << 20) == BIG_HEADER.encode()
    assert big["request"]["headers"][index][1] == "b" * STRING_CAP

    [cut] = long["cuts"]
    assert (cut["field"], cut["reason"], cut["size"], cut["kept"]) == ("request.path", "too_long", len(LONG_PATH),
                                                                       STRING_CAP)
    assert case.artifacts.read_bytes(cut["sha256"], 5 << 20) == LONG_PATH.encode()

    [cut] = many["cuts"]
    assert (cut["field"], cut["reason"], cut["size"]) == ("request.headers", "too_many", MANY_HEADERS + 1)
    assert cut["kept"] == len(many["request"]["headers"]) and 0 < cut["kept"] < MANY_HEADERS
    assert len(json.dumps(many["request"]["headers"], separators=(",", ":"))) <= LIST_CAP
    whole = json.loads(case.artifacts.read_bytes(cut["sha256"], 8 << 20))
    assert len(whole) == MANY_HEADERS + 1 and whole[-1] == [f"X-N{MANY_HEADERS - 1}", "v"]

    [cut] = latin1["cuts"]
    index = [name for name, _ in latin1["request"]["headers"]].index("X-Name")
    assert (cut["field"], cut["reason"], cut["size"]) == (f"request.headers[{index}][1]", "not_utf8", 4)
    assert latin1["request"]["headers"][index][1] == "caf\ufffd"
    assert case.artifacts.read_bytes(cut["sha256"], 16) == b"caf\xe9"

    assert "cuts" not in after                          # a flow that fits is recorded as before
    assert [flow.request.path[:12] for flow in flows_in_stream(case.root)] == [
        flow["request"]["path"][:12] for flow in flows]     # every flow whole in flows.mitm, once
    assert not (case.root / JOURNAL_FILE).exists()
    assert verify_case(case.root).problems == []


def _ingester_pid(parent: int) -> int:
    """The ingester child of the capture command (started by this test), found through /proc."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        for child in Path(f"/proc/{parent}/task/{parent}/children").read_text().split():
            if b"auditor.capture.ingest" in Path(f"/proc/{child}/cmdline").read_bytes():
                return int(child)
        time.sleep(0.05)
    raise AssertionError("no ingester process")


def test_a_failed_ingester_fails_the_capture_and_ingest_only_recovers_each_flow_once(
        case, confdir, world, upstream, monkeypatch):
    command = CaptureCommand.start("--case", str(case.root), "--confdir", str(confdir), "--world", str(world))
    found = command.wait_for(r"proxy listening at ([\d.]+):(\d+)")
    os.kill(_ingester_pid(command.process.pid), signal.SIGKILL)
    session = Capture(case.root, confdir=str(confdir))
    session.started = {"listening": [{"addresses": [[found.group(1), int(found.group(2))]]}]}
    for path in ("/hello", "/hello?2"):
        assert fetch(session, upstream.address[1], path=path) == b"hello from upstream"
    assert command.stop() == 1
    assert "stopped: 0 flows" in command.output
    assert (f"error: the ingester failed (exit status -9): flows it did not ingest are still in "
            f"{case.root / JOURNAL_FILE}, not in the ledger") in command.output
    assert events(case, "proxy.flow") == [] and (case.root / JOURNAL_FILE).exists()

    # a ledger that refuses the event (a full disk) takes the flows.mitm record back: no try adds it twice
    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(Ledger, "append", full)
    size = (case.root / FLOWS_FILE).stat().st_size if (case.root / FLOWS_FILE).exists() else 0
    for _ in range(2):
        with pytest.raises(OSError, match="No space left"):
            Capture(case.root).catch_up()
        assert (case.root / FLOWS_FILE).stat().st_size == size
    monkeypatch.undo()

    assert Capture(case.root).catch_up() == 2
    assert Capture(case.root).catch_up() == 0
    assert [flow.request.path for flow in flows_in_stream(case.root)] == ["/hello", "/hello?2"]
    assert [event["body"]["request"]["path"] for event in events(case, "proxy.flow")] == ["/hello", "/hello?2"]
    assert verify_case(case.root).problems == []
