"""Reading the raw evidence a report shows — seal.json, the ledger's flows, stacks and reviews, request bodies —
with size limits and shape checks, so a damaged or hostile file gives a clear error naming it. The analysis
documents are read through auditor/contract/files.py."""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import zstandard

from auditor.case.bundle import Case
from auditor.case.canonical import sha256_hex
from auditor.case.events import FLOW_KINDS, Kind
from auditor.case.layout import SEAL_FILE
from auditor.case.ledger import split_line
from auditor.case.ledger_check import read_located
from auditor.errors import InputError
from auditor.inputs import read_bounded

MAX_SEAL_BYTES = 64 << 20
BODY_READ_LIMIT = 256 << 10       # raw body bytes read for an evidence excerpt
BODY_DECODED_LIMIT = 1 << 20      # decoded bytes kept from a compressed body (bounds zip bombs)


def load_json_file(path: Path, limit: int, what: str) -> Any:
    raw = read_bounded(path, limit, what)
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 (byte {exc.start})") from None
    except ValueError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None


def load_seal(case: Case) -> dict[str, Any] | None:
    path = case.root / SEAL_FILE
    if not path.is_file():
        return None
    seal = load_json_file(path, MAX_SEAL_BYTES, "seal")
    if not isinstance(seal, dict) or not isinstance(seal.get("payload"), dict):
        raise InputError(path, "not a seal file")
    return seal


class FlowRecords(Mapping[int, dict[str, Any]]):
    """The ledger's flow records by seq, read from the ledger file each time one is looked up rather than held:
    a case of 20,000 exchanges would otherwise keep every request's headers in memory. Each line read again
    must still hash to the value the chain check read (the ledger's own line hash), so a line changed while
    the report is made is an error naming the ledger, never different evidence."""

    def __init__(self, path: Path):
        self.path = path
        self._lines: dict[int, tuple[int, int, str]] = {}      # seq -> offset, length, hash

    def add(self, offset: int, length: int, record: dict[str, Any]) -> None:
        self._lines[record["seq"]] = (offset, length, record["hash"])

    def __getitem__(self, seq: int) -> dict[str, Any]:
        offset, length, stated = self._lines[seq]
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            raw = handle.read(length)
        parts = split_line(raw)
        if parts is None or parts[1] != stated or sha256_hex(parts[0]) != stated:
            raise InputError(self.path, f"the line of seq {seq} changed while the report was being made")
        record: dict[str, Any] = json.loads(raw.decode("utf-8"))
        return record

    def __contains__(self, seq: object) -> bool:
        return seq in self._lines

    def __iter__(self) -> Iterator[int]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


@dataclass
class LedgerView:
    """The raw exhibits a report shows beside analysis's statements: the flows, the hook events' Java stacks,
    the reviewers' statuses and the static scans, in ledger order."""

    flows: Mapping[int, dict[str, Any]] = field(default_factory=dict)       # seq -> record (FlowRecords)
    hook_stacks: dict[int, list[str]] = field(default_factory=dict)        # seq -> Java stack as recorded
    reviews: list[dict[str, Any]] = field(default_factory=list)
    static_scans: list[dict[str, Any]] = field(default_factory=list)
    custody: list[dict[str, Any]] = field(default_factory=list)             # provenance events and all after seal
    head_seq: int = 0
    head_hash: str = ""
    analysed_hash: str | None = None          # the hash of the line the analysis was made up to, as it is now
    after_analysis: dict[str, int] = field(default_factory=dict)           # kinds recorded after it, counted


def flow_time(record: dict[str, Any]) -> str:
    """When an exchange started as its capture states it (timestamps.start; a HAR entry's own time), else when
    it was logged — the time analysis gives its findings (auditor/analyze/observations.py)."""
    body = record["body"] if isinstance(record["body"], dict) else {}
    stamps = body.get("timestamps") if isinstance(body.get("timestamps"), dict) else {}
    stated = stamps.get("start")
    return stated if isinstance(stated, str) and stated else str(record["t_wall"])


def read_ledger(case: Case, custody_kinds: frozenset[str] = frozenset(), sealed_head: int | None = None,
                analysed_head: int | None = None) -> LedgerView:
    """The ledger's exhibits; `custody` keeps records of custody_kinds and every record after sealed_head; what
    was recorded after analysed_head (the line inputs.json names) is counted by kind."""
    flows = FlowRecords(case.ledger_path)
    view = LedgerView(flows=flows)
    for offset, length, record in read_located(case.ledger_path):
        kind, body = record["kind"], record["body"]
        view.head_seq, view.head_hash = record["seq"], record["hash"]
        if analysed_head is not None and record["seq"] == analysed_head:
            view.analysed_hash = record["hash"]
        elif analysed_head is not None and record["seq"] > analysed_head:
            view.after_analysis[kind] = view.after_analysis.get(kind, 0) + 1
        if kind in custody_kinds or (sealed_head is not None and record["seq"] > sealed_head):
            view.custody.append(record)
        if not isinstance(body, dict):
            continue
        if kind in FLOW_KINDS:
            flows.add(offset, length, record)
        elif kind == Kind.HOOK_EVENT:
            view.hook_stacks[record["seq"]] = [s for s in body.get("stack") or [] if isinstance(s, str)]
        elif kind == Kind.REVIEW_STATUS:
            view.reviews.append(record)
        elif kind == Kind.STATIC_SCAN:
            view.static_scans.append(record)
    return view


def _decode(raw: bytes, encoding: str) -> bytes | None:
    """A content-encoded body decoded to at most BODY_DECODED_LIMIT bytes; None if it does not decode."""
    try:
        if encoding in ("gzip", "x-gzip"):
            return gzip.GzipFile(fileobj=io.BytesIO(raw)).read(BODY_DECODED_LIMIT)
        if encoding == "deflate":
            try:
                return zlib.decompressobj().decompress(raw, BODY_DECODED_LIMIT)
            except zlib.error:
                return zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, BODY_DECODED_LIMIT)
        if encoding == "br":
            # brotli 1.1 cannot cap its output: feed small input steps and stop once past the limit.
            decoder, out = brotli.Decompressor(), bytearray()
            for start in range(0, len(raw), 64):
                out += decoder.process(raw[start : start + 64])
                if len(out) >= BODY_DECODED_LIMIT:
                    break
            return bytes(out[:BODY_DECODED_LIMIT])
        if encoding == "zstd":
            reader = zstandard.ZstdDecompressor().stream_reader(raw)
            return reader.read(BODY_DECODED_LIMIT)
    except (OSError, EOFError, zlib.error, brotli.error, zstandard.ZstdError):
        return None
    return raw


def request_body(case: Case, request: dict[str, Any]) -> bytes | None:
    """The request body as sent, decoded from its Content-Encoding where possible, bounded."""
    digest = request.get("body_sha256")
    if not isinstance(digest, str) or digest not in case.artifacts:
        return None
    with case.artifacts.open(digest) as handle:
        raw = handle.read(BODY_READ_LIMIT)
    encoding = ""
    for pair in request.get("headers") or []:
        if isinstance(pair, list) and len(pair) == 2 and str(pair[0]).lower() == "content-encoding":
            encoding = str(pair[1]).strip().lower()
    decoded = _decode(raw, encoding) if encoding and encoding != "identity" else raw
    return decoded if decoded is not None else raw
