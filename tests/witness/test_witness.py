"""`capture --pcap` and `auditor witness` for real: mitmproxy, dumpcap on loopback, tshark with the proxy's key
log. Every recorded request is found on the wire; a recorded flow the wire does not show is caught."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from auditor.analyze.run import analyze
from auditor.capture.proxy import Capture
from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.seal import verify_case
from auditor.cli import cli
from auditor.errors import InputError
from auditor.witness.match import ProxyRequest, Seen, match
from auditor.witness.wire import WireRequest, _h2_requests, read_wire, run_tshark
from tests.capture.conftest import HOST, client, events, fetch, h2_posts, wait_for_event
from tests.capture.test_capture_cli import CaptureCommand

PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"      # a pcapng file starts with its Section Header Block


def witness_cli(case: Case) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["witness", str(case.root), "--json"])
    output = result.stdout
    return result.exit_code, json.loads(output[: output.rindex("}") + 1]), result.stderr


def traffic(capture: Capture, port: int) -> None:
    """Four requests on three connections: two on one keep-alive connection, one with a body."""
    conn = client(capture.listen_address, capture.ca_path, port)
    for path in ("/hello", "/hello?again=1"):
        conn.request("GET", path)
        conn.getresponse().read()
    conn.close()
    fetch(capture, port, "POST", "/echo?x=1", b'{"advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d"}')
    fetch(capture, port, "PUT", "/echo", b"\x00\xffbinary body\x80")


def test_every_recorded_flow_is_on_the_decrypted_wire(capture, case, upstream):
    traffic(capture, upstream.address[1])
    capture.stop()

    [pcap] = events(case, Kind.PROXY_PCAP)
    assert pcap["source"] == "proxy" and pcap["body"]["proxy_pid"] == capture.process.pid
    assert pcap["body"]["interface"] == "lo" and pcap["body"]["filter"] == f"port {capture.listen_address[1]}"
    assert pcap["body"]["tool"] == "dumpcap" and pcap["body"]["returncode"] == 0
    stored = case.artifacts.read_bytes(pcap["artifact"], 1 << 24)
    assert stored[:4] == PCAPNG_MAGIC and len(stored) == pcap["body"]["size"]
    [keylog] = events(case, Kind.PROXY_KEYLOG)
    secrets = case.artifacts.read_bytes(keylog["artifact"], 1 << 20).decode().split()
    # TLS 1.3, both legs (device-proxy and proxy-upstream) of three connections: five secrets each.
    assert keylog["body"]["lines"] == 30 and secrets.count("CLIENT_TRAFFIC_SECRET_0") == 6
    # Both are recorded before the session's end, and the case verifies.
    kinds = [r["kind"] for r in events(case, Kind.PROXY_PCAP) + events(case, Kind.PROXY_STOPPED)]
    assert kinds == [Kind.PROXY_PCAP, Kind.PROXY_STOPPED]
    assert verify_case(case.root).problems == []

    code, result, _ = witness_cli(case)
    assert code == 0 and result["outcome"] == "consistent" and result["unwitnessed_flows"] == 0
    [session] = result["sessions"]
    assert session["counts"] == {"both": 4, "proxy_only": 0, "wire_only": 0}
    assert (session["tunnels"], session["tls_streams"], session["undecrypted_tls_streams"]) == (3, 3, 0)
    assert session["pcap_sha256"] == pcap["artifact"] and session["keylog_sha256s"] == [keylog["artifact"]]
    flows = {f["seq"]: f["body"] for f in events(case, Kind.PROXY_FLOW)}
    assert [(m["method"], m["path"]) for m in session["matches"]] == [
        ("GET", "/hello"), ("GET", "/hello?again=1"), ("POST", "/echo?x=1"), ("PUT", "/echo")]
    for found in session["matches"]:
        recorded = flows[found["proxy_seq"]]
        assert found["host"] == HOST and found["wire_frame"] > 0
        assert found["client_port"] == recorded["client"]["port"]
        assert found["body_sha256"] == recorded["request"]["body_sha256"]
    assert session["matches"][3]["body_sha256"] == hashlib.sha256(b"\x00\xffbinary body\x80").hexdigest()
    # The result is the derived witness/witness.json, outside the seal's evidence.
    assert json.loads((case.root / "witness" / "witness.json").read_text()) == result
    assert verify_case(case.root).problems == []

    # Analysis states the second witness for the report's method: what was kept, and the witness's result.
    analyze(case.root)
    observed = json.loads((case.root / "analysis" / "observed.json").read_text())
    [kept] = observed["packet_captures"]
    assert kept == {"seq": pcap["seq"], "time": pcap["body"]["started"], "passive": False,
                    "proxy_pid": capture.process.pid,
                    "interface": "lo", "capture_filter": pcap["body"]["filter"], "pcap_sha256": pcap["artifact"],
                    "keylog_sha256": keylog["artifact"], "keylog_lines": 30}
    witness_file = (case.root / "witness" / "witness.json").read_bytes()
    assert observed["witness"] == {
        "outcome": "consistent", "witness_sha256": hashlib.sha256(witness_file).hexdigest(),
        "tshark": result["tshark"], "unwitnessed_flows": 0, "mismatches": [],
        "sessions": [{"proxy_pid": capture.process.pid, "both": 4, "proxy_only": 0, "wire_only": 0,
                      "tls_streams": 3, "undecrypted_tls_streams": 0}],
        "passive": [], "server_chains": []}          # no passive capture here (tests/unpin/test_passive.py)

    # Without the key log the wire shows the three tunnels and nothing inside them: a known unknown.
    blind = read_wire(case.artifacts.path_for(pcap["artifact"]), None)
    assert (len(blind.requests), blind.tunnels, blind.tls_streams, blind.undecrypted_tls_streams) == (0, 3, 3, 3)


def test_a_recorded_flow_the_wire_does_not_show_is_a_mismatch(capture, case, upstream):
    fetch(capture, upstream.address[1], "POST", "/echo", b"what was sent")
    [real] = wait_for_event(case, Kind.PROXY_FLOW)
    # Two records no packet supports, written into the session as a forger would: the real flow with its
    # body swapped, and a request that never crossed the wire.
    tampered = json.loads(json.dumps(real["body"]))
    tampered["request"]["body_sha256"] = hashlib.sha256(b"what was not sent").hexdigest()
    invented = json.loads(json.dumps(real["body"]))
    invented["request"]["path"] = "/never-sent"
    with case.ledger(fsync_interval=0) as ledger:
        tampered_seq = ledger.append("proxy", Kind.PROXY_FLOW, tampered)["seq"]
        invented_seq = ledger.append("proxy", Kind.PROXY_FLOW, invented)["seq"]
    capture.stop()

    code, result, stderr = witness_cli(case)
    assert code == 1 and result["outcome"] == "mismatch"
    assert stderr == "failed: the wire and the proxy disagree; see " f"{case.root / 'witness' / 'witness.json'}\n"
    [session] = result["sessions"]
    assert session["counts"] == {"both": 1, "proxy_only": 2, "wire_only": 0}
    assert [(m["proxy_seq"], m["seen"], m["wire_frame"] is None) for m in session["matches"]] == [
        (real["seq"], "both", False), (tampered_seq, "proxy_only", True), (invented_seq, "proxy_only", True)]
    analyze(case.root)
    observed = json.loads((case.root / "analysis" / "observed.json").read_text())["witness"]
    assert observed["outcome"] == "mismatch"
    assert [(m["seen"], m["path"], m["proxy_seq"], m["wire_frame"]) for m in observed["mismatches"]] == [
        ("proxy_only", "/echo", tampered_seq, None), ("proxy_only", "/never-sent", invented_seq, None)]


def test_a_request_only_on_the_wire_is_listed_after_the_proxy_s():
    recorded = [ProxyRequest(seq=7, client_port=50000, method="GET", host="a.test", path="/", body_sha256=None)]
    wire = [WireRequest(frame=9, tcp_stream=0, client_port=50000, method="GET", host="A.test", path="/",
                        body_sha256=None),
            WireRequest(frame=4, tcp_stream=1, client_port=50002, method="POST", host="b.test", path="/x",
                        body_sha256="ab" * 32)]
    [both, extra] = match(recorded, wire)
    assert (both.seen, both.proxy_seq, both.wire_frame) == (Seen.BOTH, 7, 9)
    assert (extra.seen, extra.proxy_seq, extra.wire_frame, extra.host) == (Seen.WIRE_ONLY, None, 4, "b.test")


def test_a_case_without_packets_is_refused(case):
    result = CliRunner().invoke(cli, ["witness", str(case.root)])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {case.root}: the case holds no packet capture; record one with "
                             "'auditor capture --pcap' or '--passive'\n")


def test_cli_capture_pcap_then_witness(case, confdir, world, upstream):
    command = CaptureCommand.start("--case", str(case.root), "--confdir", str(confdir), "--world", str(world),
                                   "--pcap", "--pcap-interface", "lo")
    host, port = command.wait_for(r"regular proxy listening at ([\d.]+):(\d+)").groups()
    conn = client((host, int(port)), confdir / "mitmproxy-ca-cert.pem", upstream.address[1])
    conn.request("POST", "/echo", body=b"through the command line")
    conn.getresponse().read()
    conn.close()
    wait_for_event(case, Kind.PROXY_FLOW)
    assert command.stop() == 0
    assert [e["body"]["filter"] for e in events(case, Kind.PROXY_PCAP)] == [f"port {port}"]
    code, result, _ = witness_cli(case)
    assert code == 0 and result["sessions"][0]["counts"] == {"both": 1, "proxy_only": 0, "wire_only": 0}


def test_an_interface_dumpcap_cannot_open_stops_the_capture(case, confdir, world):
    session = Capture(case.root, confdir=str(confdir), world=world, pcap_interface="nosuchif0")
    with pytest.raises(InputError, match=r"^nosuchif0: dumpcap did not start: .*nosuchif0") as raised:
        session.start()
    assert 'There is no device named "nosuchif0"' in str(raised.value)
    assert session.process is not None and session.process.returncode is not None     # the proxy is gone


def test_http2_streams_on_the_wire_match_their_flows(capture, case, upstream):
    """Three POSTs multiplexed on one HTTP/2 connection: tshark decrypts it with the proxy's key log and each
    stream (HEADERS, then its DATA frames) is the flow the proxy recorded, body hash included."""
    h2_posts(capture, upstream.address[1], ["/hello", "/echo?x=1", "/echo"])
    capture.stop()
    [pcap] = events(case, Kind.PROXY_PCAP)
    [keylog] = events(case, Kind.PROXY_KEYLOG)
    pcap_file, keylog_file = case.artifacts.path_for(pcap["artifact"]), case.artifacts.path_for(keylog["artifact"])
    wire = read_wire(pcap_file, keylog_file)
    [flow_port] = {f["body"]["client"]["port"] for f in events(case, Kind.PROXY_FLOW)}
    assert sorted((r.client_port, r.method, r.host, r.path, r.body_sha256) for r in wire.requests) == sorted(
        (flow_port, "POST", HOST, path, hashlib.sha256(b"h2 body %d" % stream).hexdigest())
        for stream, path in ((1, "/hello"), (3, "/echo?x=1"), (5, "/echo")))
    assert len({r.tcp_stream for r in wire.requests}) == 1 and wire.undecrypted_tls_streams == 0
    code, result, _ = witness_cli(case)
    [session] = result["sessions"]
    assert code == 0 and result["outcome"] == "consistent"
    assert session["counts"] == {"both": 3, "proxy_only": 0, "wire_only": 0}


def test_http2_header_blocks_split_into_continuation_frames_are_read(capture, case, upstream):
    """A header block larger than one frame (16 KiB) goes out as HEADERS + CONTINUATION frames; the wire reader
    takes each request from the reassembled block, and a GET whose HEADERS carry END_STREAM ends only when its
    block has ended."""
    bulky = ("x-bulky", "".join(f"{n:05d}" for n in range(8000)))      # 40,000 bytes, HPACK cannot shrink it much
    h2_posts(capture, upstream.address[1], ["/hello", "/echo"], extra_headers=(bulky,))
    h2_posts(capture, upstream.address[1], ["/hello?get=1"], extra_headers=(bulky,), method="GET")
    capture.stop()
    [pcap] = events(case, Kind.PROXY_PCAP)
    [keylog] = events(case, Kind.PROXY_KEYLOG)
    pcap_file, keylog_file = case.artifacts.path_for(pcap["artifact"]), case.artifacts.path_for(keylog["artifact"])
    frame_types = ",".join(run_tshark(pcap_file, keylog_file, "http2", "-T", "fields", "-e", "http2.type").split())
    assert frame_types.split(",").count("9") >= 3          # each request's block was split (9: CONTINUATION)
    wire = read_wire(pcap_file, keylog_file)
    assert sorted((r.method, r.path, r.body_sha256) for r in wire.requests) == sorted(
        [("POST", path, hashlib.sha256(b"h2 body %d" % stream).hexdigest())
         for stream, path in ((1, "/hello"), (3, "/echo"))] + [("GET", "/hello?get=1", None)])
    code, result, _ = witness_cli(case)
    assert code == 0 and result["sessions"][0]["counts"] == {"both": 3, "proxy_only": 0, "wire_only": 0}


def test_a_header_block_ended_in_a_later_packet_opens_its_stream_there():
    """When the HEADERS and its CONTINUATION arrive in different packets, tshark decodes the headers on the
    CONTINUATION only; the request (a GET: END_STREAM on the HEADERS) is complete there, not at the HEADERS."""
    def packet(number: int, *frames: dict) -> dict:
        return {"_source": {"layers": {"frame": {"frame.number": str(number)},
                                       "tcp": {"tcp.stream": "0", "tcp.srcport": "40000"},
                                       "http2": [{"http2.stream": list(frames)}]}}}
    headers = [{"http2.header.name": n, "http2.header.value": v}
               for n, v in ((":method", "GET"), (":authority", "upstream.test:443"), (":path", "/late"))]
    first = packet(7, {"http2.type": "1", "http2.streamid": "1",
                       "http2.flags_tree": {"http2.flags.end_stream": "1", "http2.flags.eh": "0"}})
    second = packet(8, {"http2.type": "9", "http2.streamid": "1", "http2.header": headers,
                        "http2.flags_tree": {"http2.flags.eh": "1"}})
    assert _h2_requests([first], {}) == []
    assert _h2_requests([first, second], {}) == [WireRequest(
        frame=8, tcp_stream=0, client_port=40000, method="GET", host="upstream.test", path="/late", body_sha256=None,
        protocol="h2", server=":", headers=tuple((h["http2.header.name"], h["http2.header.value"]) for h in headers))]
