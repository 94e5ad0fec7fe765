"""The flow journal between the proxy and the ingester: its format, a record cut short by a kill, a journal
left by a crashed session, and one proxy per case."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from mitmproxy import io as mitm_io

from auditor.capture import journal
from auditor.capture.proxy import Capture
from auditor.case.layout import JOURNAL_FILE
from auditor.case.seal import seal_case, verify_case
from auditor.errors import InputError
from tests.capture.conftest import events, fetch, wait_for_event

STATE = {"type": "http", "id": "f1", "request": {"path": b"/a", "content": b"\x00\xff"}, "n": 1.5,
         "pair": (1, None), "flags": [True, False]}


def journal_file(tmp_path: Path, *records: bytes) -> Path:
    path = tmp_path / JOURNAL_FILE
    path.write_bytes(journal.MAGIC + b"0" * 32 + b"\n" + b"".join(records))
    return path


def test_records_round_trip_and_stop_at_a_partial_one(tmp_path) -> None:
    record = journal.encode(STATE)
    with open(journal_file(tmp_path, record, record[:-3]), "rb") as handle:
        found = list(journal.records(handle, journal.HEADER_SIZE))
    assert found == [(STATE, journal.HEADER_SIZE + len(record))]
    assert type(found[0][0]["pair"]) is tuple and type(found[0][0]["request"]["path"]) is bytes


def test_a_damaged_record_is_named_not_decoded(tmp_path) -> None:
    with open(journal_file(tmp_path, journal.LENGTH.pack(4) + b"\xff\xff\xff\xff"), "rb") as handle:
        with pytest.raises(journal.DamagedRecord, match=f"journal record at {journal.HEADER_SIZE}"):
            list(journal.records(handle, journal.HEADER_SIZE))


def test_a_record_cut_short_by_a_kill_is_reported_with_its_bytes_kept(capture, case, upstream):
    assert fetch(capture, upstream.address[1]) == b"hello from upstream"
    wait_for_event(case, "proxy.flow")
    capture.kill()
    path = case.root / JOURNAL_FILE
    complete = path.stat().st_size
    torn = journal.encode({"type": "http", "cut": b"x" * 1000})[:300]   # what a kill mid-write leaves
    with open(path, "ab") as handle:
        handle.write(torn)
    capture.stop()
    [flow] = events(case, "proxy.flow")
    assert flow["body"]["journal"]["end"] == complete
    [report] = events(case, "proxy.stream_torn")
    assert report["body"]["file"] == "flows.journal"
    assert (report["body"]["offset"], report["body"]["bytes"]) == (complete, len(torn))
    assert case.artifacts.read_bytes(report["artifact"], 1 << 20) == torn
    assert not path.exists()
    assert verify_case(case.root).problems == []


def crash_leaving_a_journal(case, confdir, world, pki, upstream) -> None:
    """A session whose ingester dies first and whose proxy is then killed: one flow only in the journal."""
    first = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    first._ingester.process.kill()                  # nothing reaches the ledger from here on
    first._ingester.process.wait()
    assert fetch(first, upstream.address[1], "POST", "/echo", b"journalled") == \
        f"10 {hashlib.sha256(b'journalled').hexdigest()}".encode()
    first.kill()
    assert first.stop()["ingest_status"] == -9
    assert events(case, "proxy.flow") == []
    assert (case.root / JOURNAL_FILE).stat().st_size > journal.HEADER_SIZE


def test_a_journal_left_by_a_crashed_session_is_ingested_by_the_next_capture(case, confdir, world, pki, upstream):
    crash_leaving_a_journal(case, confdir, world, pki, upstream)
    second = Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    [flow] = events(case, "proxy.flow")             # caught up before the new proxy records anything
    assert (flow["body"]["request"]["path"], flow["body"]["stream"]["offset"]) == ("/echo", 0)
    assert fetch(second, upstream.address[1]) == b"hello from upstream"
    second.stop()
    paths = [e["body"]["request"]["path"] for e in events(case, "proxy.flow")]
    assert paths == ["/echo", "/hello"]
    with open(case.root / "flows.mitm", "rb") as handle:
        assert [f.request.path for f in mitm_io.FlowReader(handle).stream()] == ["/echo", "/hello"]
    assert not (case.root / JOURNAL_FILE).exists()
    assert verify_case(case.root).problems == []


def test_a_case_with_flows_not_yet_ingested_is_not_sealed_until_ingest_only_runs(case, confdir, world, pki,
                                                                                    upstream):
    crash_leaving_a_journal(case, confdir, world, pki, upstream)
    with pytest.raises(InputError, match="holds flows.journal: flows a capture recorded but has not ingested"):
        seal_case(case, Ed25519PrivateKey.generate())
    auditor = Path(sys.executable).parent / "auditor"
    done = subprocess.run([str(auditor), "capture", "--case", str(case.root), "--ingest-only"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "flows an earlier capture left, now ingested: 1")
    [flow] = events(case, "proxy.flow")
    assert flow["body"]["request"]["path"] == "/echo" and not (case.root / JOURNAL_FILE).exists()
    seal_case(case, Ed25519PrivateKey.generate())
    assert verify_case(case.root).problems == []


def test_a_second_capture_on_a_case_being_recorded_is_refused(capture, case, confdir, world, pki):
    with pytest.raises(InputError, match="another proxy is recording into this case"):
        Capture(case.root, confdir=str(confdir), world=world, upstream_trusted_ca=pki[0].cert_pem).start()
    assert capture.process.poll() is None           # the running capture is untouched
