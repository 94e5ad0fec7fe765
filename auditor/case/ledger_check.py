"""Reading a ledger back line by line and saying exactly where it is intact and what is wrong after that."""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from auditor.case.canonical import sha256_hex
from auditor.case.events import Kind
from auditor.case.layout import LEDGER_FILE
from auditor.case.ledger import _HEX64, GENESIS, MAX_LINE_BYTES, RECORD_KEYS, split_line
from auditor.case.problems import Problem

RECENT_LINES = 4096


@dataclass
class LineResult:
    lineno: int
    offset: int
    length: int
    record: dict[str, Any] | None
    stated_hash: str | None
    problem: Problem | None


@dataclass(frozen=True)
class Sealing:
    """A `case.sealing` event of the intact prefix not followed by its `case.sealing_failed`."""
    seq: int
    signer: str


@dataclass
class LedgerScan:
    lines: int = 0
    intact_events: int = 0
    intact_bytes: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    total_bytes: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    artifacts: dict[str, int] = field(default_factory=dict)  # referenced digest -> first seq
    case_json: tuple[int, str] | None = None    # (seq, SHA-256) of case.json as last recorded
    sealings: list[Sealing] = field(default_factory=list)


def _note_case_event(scan: LedgerScan, record: dict[str, Any]) -> None:
    """What verify checks the files against: case.json's last recorded hash, the sealings that completed."""
    kind, body = record["kind"], record["body"] if isinstance(record["body"], dict) else {}
    if kind in (Kind.CASE_CREATED, Kind.CASE_UPDATED) and isinstance(body.get("case_json_sha256"), str):
        scan.case_json = (record["seq"], body["case_json_sha256"])
    elif kind == Kind.CASE_SEALING:
        scan.sealings.append(Sealing(record["seq"], str(body.get("signer_fingerprint"))))
    elif kind == Kind.CASE_SEALING_FAILED and scan.sealings:
        scan.sealings.pop()


def _where(lineno: int, offset: int, seq: object = None) -> str:
    suffix = f", seq {seq}" if isinstance(seq, int) else ""
    return f"{LEDGER_FILE} line {lineno} (byte {offset}{suffix})"


def _decode(raw: bytes, lineno: int, offset: int) -> tuple[dict[str, Any] | None, str | None, Problem | None]:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, None, Problem("ledger.not_utf8", _where(lineno, offset), f"not valid UTF-8 at column {exc.start}")
    try:
        record = json.loads(text)
    except ValueError as exc:
        return None, None, Problem("ledger.bad_json", _where(lineno, offset),
                                   f"not valid JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return None, None, Problem("ledger.bad_json", _where(lineno, offset),
                                   "JSON nested too deeply to be a ledger record")
    if not isinstance(record, dict) or set(record) != RECORD_KEYS:
        return None, None, Problem("ledger.bad_record", _where(lineno, offset), "not a ledger record (wrong members)")
    seq, prev = record["seq"], record["prev"]
    if not isinstance(seq, int) or seq < 1 or not isinstance(prev, str) or not _HEX64.match(prev):
        return None, None, Problem("ledger.bad_record", _where(lineno, offset), "not a ledger record (bad seq or prev)")
    parts = split_line(raw)
    if parts is None:
        return None, None, Problem("ledger.bad_record", _where(lineno, offset, seq),
                                   "the hash is not the line's last member: the line was rewritten")
    hashed, stated = parts
    if sha256_hex(hashed) != stated:
        return record, stated, Problem("ledger.hash_mismatch", _where(lineno, offset, seq),
                                       "content does not match its hash: the line was altered")
    return record, stated, None


def _chain_problem(record: dict[str, Any], prev_seq: int, prev_hash: str, recent: dict[str, int],
                   lineno: int, offset: int) -> Problem | None:
    """What is wrong with this line's place in the chain; None if it follows its neighbour or its true
    predecessor seen a few lines earlier (then only the displaced line is named, not every line after it)."""
    seq = record["seq"]
    if record["prev"] == prev_hash and seq == prev_seq + 1:
        return None
    if recent.get(record["prev"]) == seq - 1 and seq > prev_seq:
        return None
    where = _where(lineno, offset, seq)
    if seq > prev_seq + 1:
        missing = seq - prev_seq - 1
        return Problem("ledger.seq_gap", where, f"seq {seq} follows seq {prev_seq}: {missing} event(s) missing "
                                                 "(removed or moved)")
    if seq <= prev_seq:
        return Problem("ledger.reordered", where, f"seq {seq} follows seq {prev_seq}: line reordered or duplicated")
    return Problem("ledger.chain_break", where, "does not chain to the line before: that line was altered, "
                                                "or this line was inserted or replaced")


def read_records(path: Path) -> Iterator[dict[str, Any]]:
    """The records of the ledger's intact prefix, in order; stops at the first damaged line.

    Readers that must report damage use scan_ledger instead.
    """
    for _offset, _length, record in read_located(path):
        yield record


def read_located(path: Path) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """(offset, length, record) of each line of the ledger's intact prefix, for readers that read a line again
    later instead of holding it (the report's flows)."""
    for result in _walk(path):
        if result.problem is not None or result.record is None:
            return
        yield result.offset, result.length, result.record


def _walk(path: Path) -> Iterator[LineResult]:
    prev_seq, prev_hash = 0, GENESIS
    recent: OrderedDict[str, int] = OrderedDict()  # hash -> seq of the last RECENT_LINES good lines
    offset = 0
    lineno = 0
    with open(path, "rb") as handle:
        while raw := handle.readline(MAX_LINE_BYTES + 1):
            lineno += 1
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                length = len(raw)
                while more := handle.readline(MAX_LINE_BYTES + 1):
                    length += len(more)
                    if more.endswith(b"\n"):
                        break
                yield LineResult(lineno, offset, length, None, None, Problem(
                    "ledger.line_too_long", _where(lineno, offset),
                    f"line of {length} bytes exceeds the {MAX_LINE_BYTES}-byte limit"))
                offset += length
                prev_hash = None  # type: ignore[assignment]
                continue
            if not raw.endswith(b"\n"):
                yield LineResult(lineno, offset, len(raw), None, None, Problem(
                    "ledger.torn_tail", _where(lineno, offset),
                    f"incomplete last line of {len(raw)} bytes: the write was interrupted (crash)"))
                return
            record, stated, problem = _decode(raw, lineno, offset)
            if record is not None and problem is None and prev_hash is not None:
                problem = _chain_problem(record, prev_seq, prev_hash, recent, lineno, offset)
            yield LineResult(lineno, offset, len(raw), record, stated, problem)
            offset += len(raw)
            if record is not None:
                prev_seq, prev_hash = record["seq"], stated  # type: ignore[assignment]
                recent[stated] = record["seq"]  # type: ignore[index]
                if len(recent) > RECENT_LINES:
                    recent.popitem(last=False)
            else:
                prev_hash = None  # type: ignore[assignment]


def scan_ledger(path: Path, max_listed: int = 50) -> LedgerScan:
    """Check every line; the intact prefix ends at the first problem. At most max_listed problems are kept."""
    scan = LedgerScan()
    for result in _walk(path):
        scan.lines += 1
        scan.total_bytes = result.offset + result.length
        if result.problem is not None:
            scan.problem_count += 1
            if len(scan.problems) < max_listed:
                scan.problems.append(result.problem)
        elif scan.problem_count == 0 and result.record is not None:
            scan.intact_events += 1
            scan.intact_bytes = scan.total_bytes
            scan.head_seq = result.record["seq"]
            scan.head_hash = result.stated_hash or GENESIS
            _note_case_event(scan, result.record)
        if result.record is not None and isinstance(result.record.get("artifact"), str):
            scan.artifacts.setdefault(result.record["artifact"], result.record["seq"])
    return scan
