"""A crypto or compression operation the agent saw (hooks/src/operation.ts) as a `hook.crypto` ledger event:
both sides' bytes stored as artifacts (content-addressed, so each side's SHA-256 names its artifact), the
event carrying the hashes, sizes, algorithm, mode, key fingerprint and stack. The key itself never leaves
the agent: only its SHA-256 does."""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.case.artifacts import ArtifactStore


def _side(data: bytes, size: int, artifacts: ArtifactStore | None) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest() if artifacts is None or not data else artifacts.put_bytes(data)
    return {"sha256": digest, "size": size, "kept": len(data), "stored": artifacts is not None and bool(data)}


def operation_body(fields: dict[str, Any], sides: tuple[bytes, bytes],
                   artifacts: ArtifactStore | None) -> tuple[dict[str, Any], str | None]:
    """The event body and its ledger artifact (the input side: for an encryption, the recovered plaintext)."""
    body = {key: value for key, value in fields.items() if not key.startswith(("input_", "output_"))}
    body["input"] = _side(sides[0], fields["input_size"], artifacts)
    body["output"] = _side(sides[1], fields["output_size"], artifacts)
    return body, body["input"]["sha256"] if body["input"]["stored"] else None
