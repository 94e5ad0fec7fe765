"""After a crash of the proxy: rebuild from flows.mitm the `proxy.flow` events it had no time to write.

The proxy appends each finished flow to flows.mitm before the client sees the response, and writes the
flow's artifacts and ledger event a moment later from a writer thread. A SIGKILL in between leaves flows
in the stream file without an event; this reads the file, finds the records no `proxy.flow` event points
to, and records them with the same facts (marked `recovered_from_stream`). A torn last record (killed
mid-write) is reported as `proxy.stream_torn` with its offset and size: that flow was not yet complete.
"""

from __future__ import annotations

from pathlib import Path

from mitmproxy import http
from mitmproxy import io as mitm_io

from auditor.capture.addons.recorder import describe_flow
from auditor.capture.addons.sink import STREAM_FILE
from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.case.ledger_check import read_records


def recorded_offsets(case: Case) -> set[int]:
    offsets: set[int] = set()
    for record in read_records(case.ledger_path):
        stream = record["body"].get("stream") if record.get("kind") == "proxy.flow" else None
        if isinstance(stream, dict) and stream.get("file") == STREAM_FILE:
            offsets.add(stream["offset"])
    return offsets


def recover_flows(case: Case, ledger: Ledger, trusted_ca_file: str) -> int:
    """Record the stream file's flows that have no event yet; returns how many were recovered."""
    path = case.root / STREAM_FILE
    if not path.exists():
        return 0
    known = recorded_offsets(case)
    recovered = 0
    with open(path, "rb") as handle:
        reader = mitm_io.FlowReader(handle)
        offset = 0
        try:
            for flow in reader.stream():
                end = handle.tell()
                if offset not in known and isinstance(flow, http.HTTPFlow):
                    handle.seek(offset)
                    record = handle.read(end - offset)
                    body = describe_flow(flow, trusted_ca_file, case.artifacts.put_bytes)
                    body["stream"] = {"file": STREAM_FILE, "offset": offset, "length": end - offset}
                    body["recovered_from_stream"] = True
                    ledger.append("proxy", "proxy.flow", body, artifact=case.artifacts.put_bytes(record))
                    recovered += 1
                offset = end
        except Exception as exc:      # a record cut short by the kill: everything before it was read
            size = Path(path).stat().st_size
            ledger.append("proxy", "proxy.stream_torn", {"file": STREAM_FILE, "offset": offset,
                                                          "bytes": size - offset, "error": str(exc)[:500]})
    return recovered
