"""HAR: export of a captured case (round trip through import), and import of a real HAR with its warnings."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from click.testing import CliRunner

from auditor.case.bundle import Case
from auditor.cli import cli
from tests.capture.conftest import UPSTREAM_IP, client, events

REAL_HAR = Path(__file__).parent / "data" / "reporthar-android-first-run.har"


def test_har_round_trip_of_a_captured_case(capture, case, upstream, tmp_path):
    conn = client(capture.listen_address, capture.ca_path, upstream.address[1])
    conn.request("GET", "/hello")
    assert conn.getresponse().read() == b"hello from upstream"
    conn.request("POST", "/echo", body=b"email=alice%40example.org")
    conn.getresponse().read()
    conn.close()
    capture.stop()

    runner = CliRunner()
    first, second = tmp_path / "a.har", tmp_path / "b.har"
    for target in (first, second):
        result = runner.invoke(cli, ["export", "har", str(case.root), "-o", str(target)])
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()            # same case, same bytes
    har = json.loads(first.read_text())
    assert har["log"]["version"] == "1.2"
    entries = har["log"]["entries"]
    assert [e["request"]["method"] for e in entries] == ["GET", "POST"]
    assert {e["serverIPAddress"] for e in entries} == {UPSTREAM_IP}
    assert all(e["timings"]["wait"] >= 0 and e["timings"]["send"] >= 0 for e in entries)
    assert entries[0]["response"]["content"]["text"] == "hello from upstream"

    other = Case.create(tmp_path / "imported")
    result = runner.invoke(cli, ["import", "har", str(first), "--case", str(other.root), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["entries"] == 2 and summary["warnings"] == [] and summary["creator"]["name"] == "mitmproxy"
    assert summary["file_sha256"] == hashlib.sha256(first.read_bytes()).hexdigest()
    imported = [e["body"] for e in events(other, "import.flow")]
    captured = [e["body"] for e in events(case, "proxy.flow")]
    assert [(i["request"]["method"], i["request"]["path"], i["server"]["ip"]) for i in imported] == \
        [(c["request"]["method"], c["request"]["path"], c["server"]["ip"]) for c in captured]
    assert imported[1]["request"]["body_sha256"] == captured[1]["request"]["body_sha256"]


def test_import_of_a_real_har_records_hash_creator_window_and_warnings(tmp_path):
    case = Case.create(tmp_path / "case")
    result = CliRunner().invoke(cli, ["import", "har", str(REAL_HAR), "--case", str(case.root), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["entries"] == 16
    assert summary["creator"] == {"name": "mitmproxy har_dump", "version": "0.1",
                                  "comment": "mitmproxy version mitmproxy 9.0.1"}
    assert summary["stated_window"] == {"start": "2024-06-21T11:01:03.789000Z", "end": "2024-06-21T11:01:38.428000Z",
                                        "stated_in": "log._tweasel"}
    # Its entries are dated 2023-04-07, more than a year before the window the file itself states.
    assert summary["warning_counts"] == {"entry_outside_stated_window": 16}
    [har_event] = events(case, "import.har")
    assert har_event["artifact"] == hashlib.sha256(REAL_HAR.read_bytes()).hexdigest()
    flows = events(case, "import.flow")
    assert len(flows) == 16 and flows[0]["body"]["server"] == {"ip": "157.240.20.15", "port": 443}
    assert Case.open(case.root).info["imports"][0]["file_sha256"] == har_event["artifact"]


def test_import_warns_on_duplicates_missing_addresses_and_bad_times(tmp_path):
    entry = {"startedDateTime": "2026-01-01T10:00:00.000Z", "time": 5, "serverIPAddress": "203.0.113.9",
             "request": {"method": "GET", "url": "https://a.example/x", "httpVersion": "HTTP/1.1", "headers": []},
             "response": {"status": 200, "httpVersion": "HTTP/1.1", "headers": [], "content": {"text": "ok"}}}
    no_address = {**entry, "serverIPAddress": ""}
    undated = {**entry, "startedDateTime": "yesterday"}
    har = tmp_path / "crafted.har"
    har.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
                                       "entries": [entry, entry, no_address, undated]}}))
    case = Case.create(tmp_path / "case")
    result = CliRunner().invoke(cli, ["import", "har", str(har), "--case", str(case.root), "--json"])
    warnings = [(w["entry"], w["code"]) for w in json.loads(result.output)["warnings"]]
    assert warnings == [(1, "duplicate_entry"), (2, "server_address_missing"), (3, "entry_time_invalid")]


def test_a_file_that_is_not_har_is_refused_with_exit_2(tmp_path):
    bogus = tmp_path / "x.har"
    bogus.write_text('{"log": {"entries": 5}}')
    case = Case.create(tmp_path / "case")
    result = CliRunner().invoke(cli, ["import", "har", str(bogus), "--case", str(case.root)])
    assert result.exit_code == 2 and "no log.entries list" in result.output
    assert events(case, "import.har") == []


def test_export_of_a_case_of_imported_flows_gives_back_every_entry(tmp_path):
    source = Path(__file__).parent / "data" / "reporthar-android-first-run.har"
    original = json.loads(source.read_text("utf-8"))["log"]["entries"]
    runner = CliRunner()
    assert runner.invoke(cli, ["import", "har", str(source), "--case", str(tmp_path / "case")]).exit_code == 0
    out = tmp_path / "out.har"
    result = runner.invoke(cli, ["export", "har", str(tmp_path / "case"), "-o", str(out), "--json"])
    assert result.exit_code == 0, result.output
    exported = json.loads(out.read_text("utf-8"))["log"]["entries"]
    assert len(exported) == len(original) == 16
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert [e.pop("_auditor_imported_from")["index"] for e in exported] == list(range(16))
    assert exported == original                                   # the entries as the imported file holds them
    again = runner.invoke(cli, ["import", "har", str(out), "--case", str(tmp_path / "again"), "--json"])
    assert again.exit_code == 0 and json.loads(again.output)["entries"] == 16
    assert digest in Case.open(tmp_path / "case").artifacts
