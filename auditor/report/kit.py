"""The verification kit: the seal taken apart into files that a third party checks with standard tools
(sha256sum, openssl, POSIX shell), without auditor — and the steps to do it, which the report prints.

seal.json signs canonical_json(payload) (auditor/case/canonical.py). The kit holds those exact bytes, the raw
ed25519 signature, the signer's public key as PEM, the sealed files as a sha256sum list and, when the seal
was timestamped, the RFC 3161 token (its imprint is the SHA-256 of the signature).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization

from auditor.case import keys
from auditor.case.canonical import canonical_json

SUMS = "verify.sha256sums"
PAYLOAD = "verify.payload.json"
SIGNATURE = "verify.signature.bin"
SIGNER = "verify.signer.pem"
TOKEN = "verify.timestamp.tsr"


@dataclass(frozen=True)
class Step:
    key: str            # catalogue key "verify.step.<key>" says what the step shows
    command: str        # run in the report directory; CASE and REPORT are the two directories' full paths


def kit_files(seal: dict[str, Any]) -> dict[str, bytes]:
    """The kit's files for a seal (seal.json as loaded); the seal verified or not, the kit shows its bytes."""
    payload = seal["payload"]
    public = keys.public_key_from_b64(payload["signer"]["public_key"])
    sums = "".join(f"{entry['sha256']}  {path}\n" for path, entry in sorted(payload["files"].items())
                   if isinstance(entry, dict) and "\n" not in path)
    files = {SUMS: sums.encode("utf-8"), PAYLOAD: canonical_json(payload),
             SIGNATURE: base64.b64decode(seal["signature"]),
             SIGNER: public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)}
    stamp = seal.get("timestamp")
    if isinstance(stamp, dict) and isinstance(stamp.get("token"), str):
        files[TOKEN] = base64.b64decode(stamp["token"])
    return files


def steps(seal: dict[str, Any]) -> list[Step]:
    """The commands, in order. Each prints its result; none needs network access or auditor."""
    ledger = seal["payload"].get("ledger") or {}
    out = [
        Step("files", f"(cd CASE && sha256sum --strict -c REPORT/{SUMS})"),
        Step("listed", f"while read -r h p; do grep -qF \"\\\"$p\\\":{{\\\"sha256\\\":\\\"$h\\\"\" {PAYLOAD} "
                       f"|| echo \"not signed: $p\"; done < {SUMS}; echo checked $(wc -l < {SUMS}) files"),
        Step("ledger", f"head -c {int(ledger.get('bytes') or 0)} CASE/ledger.jsonl | sha256sum"),
        Step("signature", f"openssl pkeyutl -verify -pubin -inkey {SIGNER} -rawin -in {PAYLOAD} "
                          f"-sigfile {SIGNATURE}"),
        Step("signer", f"openssl pkey -pubin -in {SIGNER} -outform DER | tail -c 32 | sha256sum"),
    ]
    if isinstance(seal.get("timestamp"), dict):
        out.append(Step("timestamp", f"openssl ts -verify -token_in -in {TOKEN} -digest "
                                     f"$(sha256sum {SIGNATURE} | cut -d' ' -f1) -CAfile TSA-CA.pem"))
    return out


def usable(seal: dict[str, Any] | None) -> bool:
    """Whether a kit can be made: a seal with files, a signer's key and a signature (a damaged seal.json is
    reported by verification on the cover; the kit is then left out)."""
    try:
        kit_files(seal)  # type: ignore[arg-type]
    except (KeyError, TypeError, AttributeError, ValueError):   # binascii.Error is a ValueError
        return False
    return True


def kit_section(seal: dict[str, Any] | None) -> dict[str, Any]:
    """What the report prints about the kit: the steps and the values each must show."""
    if seal is None or not usable(seal):
        return {"sealed": seal is not None, "steps": [], "expect": {}}
    payload = seal["payload"]
    ledger = payload.get("ledger") or {}
    fingerprint = keys.fingerprint(keys.public_key_from_b64(payload["signer"]["public_key"]))
    return {"sealed": True, "steps": [{"key": s.key, "command": s.command} for s in steps(seal)],
            "expect": {"files": len(payload.get("files") or {}), "ledger_sha256": str(ledger.get("sha256") or ""),
                       "ledger_bytes": ledger.get("bytes"), "signer": fingerprint.removeprefix("SHA256:"),
                       "timestamp": isinstance(seal.get("timestamp"), dict)}}
