"""HTTP/3 on a passive capture, for real: an aioquic server and client on loopback, `auditor capture --passive`
recording the QUIC packets, the client's NSS key log standing in for the one the agent takes from an app's
BoringSSL (instrument --keylog writes the same labels, as `hook.keylog`). `auditor witness` reads the h3
requests (QPACK decoded, dynamic table included), a QUIC connection without keys is counted as not
decrypted, and `auditor import passive` + `auditor analyze` find the planted value in the imported flow."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

import pylsqpack
import pytest
from click.testing import CliRunner
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from auditor.analyze.run import analyze
from auditor.case.events import Kind
from auditor.case.seal import verify_case
from auditor.cli import cli
from auditor.exporters.har import case_to_har
from auditor.report.model import build_model
from auditor.report.render import render_html
from auditor.witness.h3 import (
    DATA,
    HEADERS,
    QPACK_BLOCKED_STREAMS,
    QPACK_MAX_TABLE_CAPACITY,
    SETTINGS,
    StreamFrame,
    h3_requests,
)
from tests.capture.conftest import HOST, UPSTREAM_IP, events
from tests.unpin.test_passive import passive_capture
from tests.witness.h3_peers import H3Server, h3_session

PLANTED = "quic.planted@example.org"
BODY = json.dumps({"email": PLANTED, "pad": "x" * 3000}).encode()     # three QUIC packets of STREAM data
DECOY = json.dumps({"email": "quic.planted@example.net"}).encode()       # another domain: not the planted value
UNKEYED = json.dumps({"email": PLANTED, "unkeyed": True}).encode()


@pytest.fixture
def h3_server(pki) -> Iterator[H3Server]:
    _, cert, key = pki
    server = H3Server(UPSTREAM_IP, cert, key)
    yield server
    server.close()


def cli_json(*argv: str) -> dict:
    result = CliRunner().invoke(cli, [*argv, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_h3_requests_on_a_passive_capture_are_read_imported_and_analysed(case, pki, h3_server, tmp_path):
    ca = pki[0].cert_pem
    keylog = tmp_path / "app-keys.log"
    with passive_capture(case.root, h3_server.port, "udp"):
        # one keyed connection: the planted value, a body-less GET, the decoy; the QPACK dynamic table is used
        assert h3_session(UPSTREAM_IP, h3_server.port, HOST, ca, keylog, [
            ("POST", "/collect?v=1", BODY), ("GET", "/config", b""), ("POST", "/decoy", DECOY)]) == [200] * 3
        # one connection whose secrets nobody logged
        assert h3_session(UPSTREAM_IP, h3_server.port, HOST, ca, None, [("POST", "/unkeyed", UNKEYED)]) == [200]
    with case.ledger() as ledger:
        ledger.append("hook", Kind.HOOK_KEYLOG, {"format": "NSS key log", "lines": 4, "pids": []},
                      artifact=case.artifacts.put_bytes(keylog.read_bytes()))
    [pcap] = events(case, Kind.PASSIVE_PCAP)
    [app_keys] = events(case, Kind.HOOK_KEYLOG)

    witnessed = cli_json("witness", str(case.root))
    [passive] = witnessed["passive"]
    expected = [("h3", "POST", HOST, "/collect?v=1", hashlib.sha256(BODY).hexdigest()),
                ("h3", "GET", HOST, "/config", None), ("h3", "POST", HOST, "/decoy", hashlib.sha256(DECOY).hexdigest())]
    assert [(r["protocol"], r["method"], r["host"], r["path"], r["body_sha256"]) for r in passive["requests"]] \
        == expected
    assert {r["server"] for r in passive["requests"]} == {f"{UPSTREAM_IP}:{h3_server.port}"}
    assert (passive["quic_connections"], passive["undecrypted_quic_connections"], passive["unread_h3_streams"],
            passive["tls_streams"]) == (2, 1, 0, 0)
    # QUIC's handshake is always encrypted: the server's own chain is read on the keyed connection only
    [chain] = passive["server_chains"]
    leaf = x509.load_pem_x509_certificate(pki[1].read_bytes()).public_bytes(serialization.Encoding.DER)
    keyed_connection = passive["requests"][0]["quic_connection"]
    assert (chain["server"], chain["sni"], chain["tcp_stream"], chain["quic_connection"]) == (
        f"{UPSTREAM_IP}:{h3_server.port}", HOST, None, keyed_connection)
    assert chain["certificates"] == [{"sha256": hashlib.sha256(leaf).hexdigest(), "subject": "CN=upstream.test",
                                      "issuer": "CN=auditor test CA"}]

    imported = cli_json("import", "passive", str(case.root))
    [read] = imported["captures"]
    assert (imported["flows_added"], read["pcap_seq"], read["pcap_sha256"], read["keylog_sha256s"]) == (
        3, pcap["seq"], pcap["artifact"], [app_keys["artifact"]])
    assert (read["requests_by_protocol"], read["quic_connections"], read["undecrypted_quic_connections"]) == (
        {"h3": 3}, 2, 1)
    flows = events(case, Kind.IMPORT_FLOW)
    assert [(f["body"]["request"]["method"], f["body"]["request"]["path"], f["body"]["request"]["body_sha256"],
             f["artifact"], f["body"]["passive"]["protocol"]) for f in flows] == [
        (m, p, h, pcap["artifact"], "h3") for _, m, _, p, h in expected]
    assert case.artifacts.read_bytes(flows[0]["body"]["request"]["body_sha256"], 1 << 20) == BODY
    assert ["user-agent", "auditor-h3-test"] in flows[0]["body"]["request"]["headers"]
    # a second import reads nothing again and adds nothing
    lines = case.ledger_path.read_bytes()
    again = cli_json("import", "passive", str(case.root))
    assert (again["flows_added"], again["captures_unchanged"], again["captures"]) == (0, 1, [])
    assert case.ledger_path.read_bytes() == lines
    assert verify_case(case.root).problems == []

    CliRunner().invoke(cli, ["case", "plant", str(case.root), "--value", f"email={PLANTED}"], catch_exceptions=False)
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    found = {(f["type"], e["ledger_seq"], v["source"], v["location"], v["value"])
             for f in findings for e in f["evidence"]["shown"] for v in e["values"]}
    planted, config, decoy = (flow["seq"] for flow in flows)
    # the planted value, found where it was sent: in the first imported flow's body
    assert {(kind, seq, where) for kind, seq, source, where, value in found if source == "planted"} == {
        (kind, planted, where) for kind in ("personal_data_transmitted", "recipient_contacted")
        for where in ("body", "body.email")}
    assert {value for _, seq, source, _, value in found if seq == planted} == {PLANTED}
    # the decoy's address is an e-mail address, but not the planted one; the GET carried nothing
    assert {(source, value) for _, seq, source, _, value in found if seq == decoy} == {
        ("recognised", "quic.planted@example.net")}
    assert not any(seq == config for _, seq, _, _, _ in found)
    observed = json.loads((case.root / "analysis" / "observed.json").read_text())
    assert observed["witness"]["server_chains"] == [{"pcap_seq": pcap["seq"], "server": chain["server"],
                                                     "sni": HOST, "transport": "quic",
                                                     "certificates": chain["certificates"]}]
    [row] = observed["passive_imports"]
    assert (row["pcap_seq"], row["requests_by_protocol"], row["flows_added"], row["quic_connections"],
            row["undecrypted_quic_connections"]) == (pcap["seq"], {"h3": 3}, 3, 2, 1)
    # the method states the choice and what was read, in both languages
    for lang, sentence in (("en", "3 HTTP/3 requests were read from 2 QUIC connections; 1 of those"),
                           ("nl", "Uit 2 QUIC-verbindingen zijn 3 HTTP/3-verzoeken gelezen; 1 van die")):
        model = build_model(case, lang=lang)
        assert model["method"]["tls"]["quic"] == {"blocked": 0, "passive_captures": 1, "imported": True,
                                                  "h3_requests": 3, "connections": 2, "undecrypted": 1}
        assert sentence in render_html(model, lang)
        # the chain of custody names the read that put the flows into the case
        [custody] = [e for e in model["custody"]["events"] if e["kind"] == "import.passive"]
        assert custody["detail"] == f"pcap_sha256 {pcap['artifact']}; flows_added 3; tshark {row['tshark']}"
    # `auditor export har` lists the imported requests as entries naming their pcapng and frame, without a response
    entries = case_to_har(case)["log"]["entries"]
    assert [(e["request"]["method"], e["request"]["url"], e["request"]["httpVersion"], e["response"]["status"],
             e["_auditor_imported_from"]) for e in entries] == [
        (f["body"]["request"]["method"], f"https://{HOST}:{h3_server.port}{f['body']['request']['path']}", "h3", 0,
         {"pcap_sha256": pcap["artifact"], "frame": f["body"]["passive"]["frame"], "protocol": "h3",
          "ledger_seq": f["seq"]}) for f in flows]
    assert entries[0]["request"]["postData"] == {"mimeType": "application/json", "text": BODY.decode()}


def _varint(value: int) -> bytes:
    return bytes([value]) if value < 64 else (0x4000 | value).to_bytes(2, "big")


def _frame(kind: int, payload: bytes) -> bytes:
    return _varint(kind) + _varint(len(payload)) + payload


def test_a_header_block_waiting_for_encoder_instructions_and_stream_data_out_of_order_are_read():
    """The request stream's second half arrives first, then its HEADERS, whose dynamic-table references the
    encoder stream has not yet delivered (QPACK's blocked stream): the request is complete when they arrive."""
    encoder = pylsqpack.Encoder()
    capacity = encoder.apply_settings(max_table_capacity=4096, blocked_streams=16)
    headers = [(b":method", b"PUT"), (b":scheme", b"https"), (b":authority", b"h3.test"), (b":path", b"/late"),
               (b"x-id", b"38400000-8cf0-11bd-b23e-10b96e40000d")]
    _, first_block = encoder.encode(0, headers)        # literals; the encoder inserts them for the next request
    instructions, block = encoder.encode(4, headers)
    assert instructions and len(block) < 8              # the dynamic table is used: the block can block
    first = _frame(HEADERS, first_block)
    request = _frame(HEADERS, block) + _frame(DATA, b"first ") + _frame(DATA, b"second")
    settings = _frame(SETTINGS, bytes([QPACK_MAX_TABLE_CAPACITY]) + _varint(4096) + bytes([QPACK_BLOCKED_STREAMS, 16]))
    client, server = "10.0.0.2:50000", "10.0.0.1:443"

    def frame(packet: int, sender: str, stream_id: int, offset: int, data: bytes, fin: bool = False) -> StreamFrame:
        return StreamFrame(packet, float(packet), 0, sender, stream_id, offset, data, fin)
    cut = len(request) - 4
    frames_in_order = [frame(1, server, 3, 0, b"\x00" + settings),
                       frame(2, client, 6, 0, b"\x02" + capacity),
                       frame(2, client, 0, 0, first, fin=True),
                       frame(3, client, 4, cut, request[cut:], fin=True),
                       frame(4, client, 4, 0, request[:cut]),
                       frame(5, client, 6, 1 + len(capacity), instructions)]
    read = h3_requests(frames_in_order, {0: client})
    assert read.unread_streams == 0
    text = tuple((name.decode(), value.decode()) for name, value in headers)
    assert [(r.packet, r.client, r.server, r.stream_id, r.headers, r.body) for r in read.requests] == [
        (2, client, server, 0, text, b""), (5, client, server, 4, text, b"first second")]
    # without the encoder stream's instructions the header block stays blocked: no request is made up, the
    # stream is counted as unread; so is a stream the capture holds no end of
    blocked = h3_requests(frames_in_order[:5], {0: client})
    assert ([r.stream_id for r in blocked.requests], blocked.unread_streams) == ([0], 1)
    unended = h3_requests([f for f in frames_in_order if f.packet != 3], {0: client})
    assert ([r.stream_id for r in unended.requests], unended.unread_streams) == ([0], 1)
    # a header block QPACK refuses (a Required Insert Count beyond the table) makes no request either
    refused = h3_requests([*frames_in_order, frame(6, client, 8, 0, _frame(HEADERS, b"\xff\xff\xff\x00"), fin=True)],
                          {0: client})
    assert ([r.stream_id for r in refused.requests], refused.unread_streams) == ([0, 4], 1)


def test_a_case_without_a_passive_capture_is_refused(case):
    result = CliRunner().invoke(cli, ["import", "passive", str(case.root)])
    assert result.exit_code == 2 and "the case holds no passive capture" in result.stderr
    assert events(case, Kind.IMPORT_PASSIVE) == [] and events(case, Kind.IMPORT_FLOW) == []
