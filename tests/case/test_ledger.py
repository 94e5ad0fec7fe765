"""The ledger: hash chain, several writers, crash behaviour, hostile lines."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from auditor.case.canonical import canonical_json, sha256_hex
from auditor.case.events import Kind
from auditor.case.ledger import GENESIS, Ledger, LedgerDamaged
from auditor.case.ledger_check import read_records, scan_ledger


def test_lines_chain_and_hash_their_canonical_content(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        first = ledger.append("operator", "operator.note", {"text": "één"})
        second = ledger.append("proxy", "proxy.flow", {"n": 2}, artifact="ab" * 32)
    lines = path.read_bytes().splitlines(keepends=True)
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["seq"] for r in records] == [1, 2]
    assert records[0]["prev"] == GENESIS and records[1]["prev"] == first["hash"]
    unsigned = {k: v for k, v in records[1].items() if k != "hash"}
    assert records[1]["hash"] == sha256_hex(canonical_json(unsigned)) == second["hash"]
    assert lines[1].endswith(b',"hash":"' + second["hash"].encode() + b'"}\n')
    assert records[0]["body"] == {"text": "één"}
    scan = scan_ledger(path)
    assert (scan.intact_events, scan.head_seq, scan.head_hash, scan.problem_count) == (2, 2, second["hash"], 0)


def test_a_batch_is_the_lines_appends_one_by_one_would_write_and_all_or_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        ledger.append("operator", "operator.note", {"text": "before"})
        records = ledger.append_many("import", [(Kind.IMPORT_HAR, {"n": 0}, "ab" * 32),
                                                (Kind.IMPORT_FLOW, {"n": 1}, None), (Kind.IMPORT_FLOW, {"n": 2}, None)])
        with pytest.raises(ValueError, match="store large content as an artifact"):
            ledger.append_many("import", [(Kind.IMPORT_FLOW, {"n": 3}, None),
                                          (Kind.IMPORT_FLOW, {"blob": "x" * (1 << 20)}, None)])
        after = ledger.append("operator", "operator.note", {"text": "after"})
    lines = path.read_bytes().splitlines(keepends=True)
    assert [r["seq"] for r in records] == [2, 3, 4] and after["seq"] == 5 and len(lines) == 5
    for line, record in zip(lines[1:4], records, strict=True):
        unsigned = {k: v for k, v in record.items() if k != "hash"}
        assert line == canonical_json(unsigned)[:-1] + b',"hash":"' + record["hash"].encode() + b'"}\n'
    assert [r["prev"] for r in records[1:]] == [r["hash"] for r in records[:2]] and after["prev"] == records[2]["hash"]
    scan = scan_ledger(path)
    assert (scan.intact_events, scan.head_seq, scan.problem_count) == (5, 5, 0)


def test_append_rejects_bad_names_bodies_and_oversized_events(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.jsonl") as ledger:
        with pytest.raises(ValueError, match="short lower-case names"):
            ledger.append("Proxy!", "x", {})
        with pytest.raises(ValueError, match="JSON object"):
            ledger.append("proxy", "proxy.flow", ["not", "an", "object"])  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="SHA-256 hex digest"):
            ledger.append("proxy", "proxy.flow", {}, artifact="../../etc/passwd")
        with pytest.raises(ValueError, match="store large content as an artifact"):
            ledger.append("proxy", "proxy.flow", {"blob": "x" * (1 << 20)})
    assert (tmp_path / "ledger.jsonl").read_bytes() == b""


def test_append_refuses_a_kind_events_py_does_not_define(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        with pytest.raises(ValueError, match=r"^unknown ledger event kind 'proxy\.flows': define it in "
                                             r"auditor/case/events\.py first$"):
            ledger.append("proxy", "proxy.flows", {})
        record = ledger.append("proxy", Kind.PROXY_FLOW, {})
    assert type(record["kind"]) is str and record["kind"] == "proxy.flow"
    assert [r["kind"] for r in read_records(path)] == ["proxy.flow"]


def _write_many(path: str, source: str, count: int) -> None:
    with Ledger(Path(path)) as ledger:
        for i in range(count):
            ledger.append(source, Kind.OPERATOR_NOTE, {"i": i})


def test_concurrent_processes_and_threads_form_one_chain(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(path), f"writer{n}", 400)) for n in range(3)]
    for proc in procs:
        proc.start()
    threads = [threading.Thread(target=_write_many, args=(str(path), f"thread{n}", 300)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    scan = scan_ledger(path)
    assert scan.problem_count == 0
    assert scan.intact_events == scan.head_seq == 3 * 400 + 2 * 300
    records = list(read_records(path))
    per_source: dict[str, list[int]] = {}
    for record in records:
        per_source.setdefault(record["source"], []).append(record["body"]["i"])
    assert {k: len(v) for k, v in per_source.items()} == {
        "writer0": 400, "writer1": 400, "writer2": 400, "thread0": 300, "thread1": 300}
    assert all(v == sorted(v) for v in per_source.values())  # each writer's own order is kept
    monotonic = [r["t_mono_ns"] for r in records]
    assert monotonic == sorted(monotonic)  # clocks are read under the lock


BURST = """
import sys
from pathlib import Path
from auditor.case.ledger import Ledger
ledger = Ledger(Path(sys.argv[1]))
i = 0
while True:
    record = ledger.append("proxy", "proxy.flow", {"i": i, "pad": "p" * 200})
    sys.stdout.write(f"{record['seq']}\\n")
    sys.stdout.flush()
    i += 1
"""


def test_sigkill_mid_burst_loses_no_acknowledged_event(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    proc = subprocess.Popen([sys.executable, "-c", BURST, str(path)], stdout=subprocess.PIPE, text=True)
    acknowledged = 0
    deadline = time.monotonic() + 60
    assert proc.stdout is not None
    while acknowledged < 2000 and time.monotonic() < deadline:
        acknowledged = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert acknowledged == 2000
    scan = scan_ledger(path)
    # Every event whose append returned is on disk and chained; at most one line after it may be torn.
    assert scan.intact_events >= acknowledged
    assert scan.problem_count <= 1
    if scan.problem_count:
        assert scan.problems[0].code == "ledger.torn_tail"
    assert [r["body"]["i"] for r in read_records(path)] == list(range(scan.intact_events))


def test_torn_tail_is_located_and_blocks_further_writers(tmp_path: Path) -> None:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        for i in range(5):
            ledger.append("proxy", Kind.PROXY_FLOW, {"i": i})
    intact = path.stat().st_size
    with open(path, "ab") as handle:
        handle.write(b'{"artifact":null,"body":{"i":5')  # a write cut short by a crash
    scan = scan_ledger(path)
    assert (scan.intact_events, scan.head_seq, scan.intact_bytes) == (5, 5, intact)
    assert [(p.code, p.where) for p in scan.problems] == [
        ("ledger.torn_tail", f"ledger.jsonl line 6 (byte {intact})")]
    assert "30 bytes" in scan.problems[0].message
    with pytest.raises(LedgerDamaged, match=f"incomplete line at byte {intact + 30}"):
        with Ledger(path) as ledger:
            ledger.append("proxy", Kind.PROXY_FLOW, {"i": 5})
    assert path.stat().st_size == intact + 30  # the refusing writer changed nothing


def _ledger_with(tmp_path: Path, count: int) -> tuple[Path, list[bytes]]:
    path = tmp_path / "ledger.jsonl"
    with Ledger(path) as ledger:
        for i in range(count):
            ledger.append("proxy", Kind.PROXY_FLOW, {"i": i})
    return path, path.read_bytes().splitlines(keepends=True)


@pytest.mark.parametrize("damage, expected", [
    (lambda ls: ls[:2] + [b'{"broken json\n'] + ls[3:], [("ledger.bad_json", 3)]),
    (lambda ls: ls[:2] + [b"\xff\xfe not utf-8\n"] + ls[3:], [("ledger.not_utf8", 3)]),
    (lambda ls: ls[:2] + [b'{"a":1}\n'] + ls[3:], [("ledger.bad_record", 3)]),
    (lambda ls: ls[:2] + [ls[2].replace(b'"i":2', b'"i":9')] + ls[3:], [("ledger.hash_mismatch", 3)]),
    (lambda ls: ls[:2] + ls[3:], [("ledger.seq_gap", 3)]),
    (lambda ls: ls[:2] + [ls[3], ls[2]] + ls[4:], [("ledger.seq_gap", 3), ("ledger.reordered", 4)]),
    (lambda ls: ls[:3] + [ls[2]] + ls[3:], [("ledger.reordered", 4)]),
])
def test_damage_is_named_at_its_line(tmp_path: Path, damage, expected) -> None:  # type: ignore[no-untyped-def]
    path, lines = _ledger_with(tmp_path, 5)
    path.write_bytes(b"".join(damage(lines)))
    scan = scan_ledger(path)
    assert [(p.code, int(p.where.split()[2])) for p in scan.problems] == expected
    assert scan.intact_events == expected[0][1] - 1


def test_huge_line_is_reported_without_reading_it_whole(tmp_path: Path) -> None:
    path, lines = _ledger_with(tmp_path, 3)
    path.write_bytes(lines[0] + b"x" * (3 << 20) + b"\n" + lines[1] + lines[2])
    scan = scan_ledger(path)
    assert scan.problems[0].code == "ledger.line_too_long"
    assert f"{(3 << 20) + 1} bytes" in scan.problems[0].message
    assert scan.intact_events == 1
