"""What the agent sends with binary data, as ledger events whose bytes are artifacts (content-addressed, so
each one's SHA-256 names it): a crypto or compression operation (hooks/src/operation.ts) as `hook.crypto`,
both sides' bytes stored, the event carrying the hashes, sizes, algorithm, mode, key fingerprint and stack
(the key itself never leaves the agent: only its SHA-256 does); a web view event (hooks/src/webview.ts) as
`hook.webview`, an injected script's text stored."""

from __future__ import annotations

import hashlib
from typing import Any

from auditor.case.artifacts import ArtifactStore


def _side(data: bytes, size: int, artifacts: ArtifactStore | None) -> dict[str, Any]:
    digest = hashlib.sha256(data).hexdigest() if artifacts is None or not data else artifacts.put_bytes(data)
    return {"sha256": digest, "size": size, "kept": len(data), "stored": artifacts is not None and bool(data)}


def operation_body(fields: dict[str, Any], data: bytes,
                   artifacts: ArtifactStore | None) -> tuple[dict[str, Any], str | None]:
    """The event body and its ledger artifact (the input side: for an encryption, the recovered plaintext).
    `data`: the input's kept bytes, then the output's."""
    body = {key: value for key, value in fields.items() if not key.startswith(("input_", "output_"))}
    body["input"] = _side(data[:fields["input_kept"]], fields["input_size"], artifacts)
    body["output"] = _side(data[fields["input_kept"]:], fields["output_size"], artifacts)
    return body, body["input"]["sha256"] if body["input"]["stored"] else None


def webview_body(fields: dict[str, Any], data: bytes,
                 artifacts: ArtifactStore | None) -> tuple[dict[str, Any], str | None]:
    """A hook.webview body: an injected script's text as an artifact (its SHA-256 and sizes in the body)."""
    body = {key: value for key, value in fields.items() if not key.startswith("script_")}
    if fields["kind"] != "script":
        return body, None
    body["script"] = _side(data, fields["script_size"], artifacts)
    return body, body["script"]["sha256"] if body["script"]["stored"] else None
