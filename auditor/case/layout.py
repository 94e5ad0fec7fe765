"""The names of a case's files and directories, defined once (docs/case-format.md describes each).

Everything is relative to the case root, so a case verifies after being copied or moved.
"""

from __future__ import annotations

CASE_FILE = "case.json"             # who, what, when; sections added by the rooms
LEDGER_FILE = "ledger.jsonl"        # the hash-chained event log
SEAL_FILE = "seal.json"             # manifest, signature, optional RFC 3161 token (`auditor seal`)
FLOWS_FILE = "flows.mitm"           # mitmproxy's own stream file, written by the capture's ingester
JOURNAL_FILE = "flows.journal"      # flows a capture recorded and has not ingested yet (docs/capture.md)
ARTIFACTS_DIR = "artifacts"         # content-addressed raw evidence: artifacts/sha256/ab/<digest>
ARTIFACT_HASH_DIR = "sha256"        # under ARTIFACTS_DIR: the algorithm that names the artifacts
INCOMING_DIR = ".incoming"          # under ARTIFACTS_DIR: artifact writes not yet renamed into place
ANALYSIS_DIR = "analysis"           # derived by `auditor analyze`; not sealed
REPORTS_DIR = "reports"             # derived by `auditor report`; not sealed
WITNESS_DIR = "witness"             # derived by `auditor witness`; not sealed
WITNESS_FILE = "witness.json"       # under WITNESS_DIR: the wire checked against the proxy (docs/witness.md)
DERIVED_DIRS = frozenset({ANALYSIS_DIR, REPORTS_DIR, WITNESS_DIR})   # re-creatable from the rest, so outside the seal
