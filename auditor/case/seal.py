"""Sealing a case (manifest + ed25519 signature + optional RFC 3161 token) and verifying it later.

What the seal covers: every file of the case except seal.json itself and the derived, re-creatable
directories analysis/ and reports/. The ledger is covered by its byte length, the SHA-256 of those bytes and
its head (seq, hash); lines appended after sealing (e.g. reviewers' statuses) are therefore reported as
such, while any change to the sealed part is named. All paths are relative, so a sealed case verifies after
being copied or moved.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditor.case import keys, timestamp
from auditor.case.artifacts import is_digest
from auditor.case.bundle import Case, read_case_json, write_atomic
from auditor.case.canonical import CHUNK, canonical_json, sha256_file, sha256_hex
from auditor.case.events import Kind
from auditor.case.layout import (
    ARTIFACT_HASH_DIR,
    ARTIFACTS_DIR,
    CASE_FILE,
    DERIVED_DIRS,
    INCOMING_DIR,
    JOURNAL_FILE,
    LEDGER_FILE,
    SEAL_FILE,
)
from auditor.case.ledger import utc_now
from auditor.case.ledger_check import LedgerScan, scan_ledger
from auditor.case.problems import Problem
from auditor.errors import InputError

SEAL_FORMAT = "auditor-seal/1"
MAX_SEAL_BYTES = 64 << 20


def _case_files(root: Path) -> tuple[list[str], list[str]]:
    """Relative paths of the files a seal covers, sorted; and symlinks found (never followed)."""
    files, links = [], []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        if rel_dir == Path("."):
            dirnames[:] = [d for d in dirnames if d not in DERIVED_DIRS]
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = (rel_dir / name).as_posix()
            if path.is_symlink():
                links.append(rel)
        dirnames[:] = [d for d in dirnames if not (Path(dirpath) / d).is_symlink()]
        for name in filenames:
            rel = (rel_dir / name).as_posix()
            if rel in (SEAL_FILE, LEDGER_FILE) or (Path(dirpath) / name).is_symlink():
                continue
            files.append(rel)
    return sorted(files), sorted(links)


def _derived_files(root: Path) -> dict[str, dict[str, Any]]:
    """SHA-256 and size of each file under analysis/ and reports/ (derived, re-creatable; links not followed)."""
    found = {}
    for name in sorted(DERIVED_DIRS):
        directory = root / name
        if directory.is_symlink() or not directory.is_dir():
            continue
        for path in sorted(directory.rglob("*")):
            if path.is_file() and not path.is_symlink():
                digest, size = sha256_file(path)
                found[path.relative_to(root).as_posix()] = {"sha256": digest, "size": size}
    return found


def _prefix_sha256(path: Path, length: int) -> str | None:
    digest = hashlib.sha256()
    remaining = length
    with open(path, "rb") as handle:
        while remaining > 0:
            chunk = handle.read(min(CHUNK, remaining))
            if not chunk:
                return None
            digest.update(chunk)
            remaining -= len(chunk)
    return digest.hexdigest()


def seal_case(case: Case, key: Ed25519PrivateKey, tsa_url: str | None = None) -> dict[str, Any]:
    """Write seal.json and return it. The sealing event is the ledger's last sealed line. A refused seal
    writes nothing; one that fails after its sealing event (the TSA, the disk) records `case.sealing_failed`,
    so the ledger never claims a seal that is not there, and sealing can be tried again."""
    if case.sealed:
        raise InputError(case.root, "is already sealed")
    if (case.root / JOURNAL_FILE).exists():
        raise InputError(case.root, f"holds {JOURNAL_FILE}: flows a capture recorded but has not ingested yet; "
                                    "stop the running capture, or run 'auditor capture --case DIR --ingest-only'")
    _, links = _case_files(case.root)
    if links:
        raise InputError(case.root, f"contains symbolic links, which a seal cannot cover: {', '.join(links)}")
    public = key.public_key()
    with case.ledger(fsync_interval=0) as ledger:
        ledger.head()                       # a torn ledger end refuses here, before anything is written
        if "ended" not in case.info:
            case.set_section("ended", utc_now(), ledger)
        ledger.append("case", Kind.CASE_SEALING, {"signer_fingerprint": keys.fingerprint(public)})
        try:
            return _write_seal(case, key, tsa_url)
        except BaseException as exc:
            ledger.append("case", Kind.CASE_SEALING_FAILED, {"error": f"{type(exc).__name__}: {exc}"})
            raise


def _write_seal(case: Case, key: Ed25519PrivateKey, tsa_url: str | None) -> dict[str, Any]:
    public = key.public_key()
    files, _ = _case_files(case.root)
    manifest = {}
    for rel in files:
        digest, size = sha256_file(case.root / rel)
        manifest[rel] = {"sha256": digest, "size": size}
    scan = scan_ledger(case.ledger_path)
    ledger_bytes = scan.total_bytes
    payload = {
        "case_id": case.id,
        "sealed_at": utc_now(),
        "files": manifest,
        "ledger": {
            "file": LEDGER_FILE,
            "bytes": ledger_bytes,
            "sha256": _prefix_sha256(case.ledger_path, ledger_bytes),
            "events": scan.intact_events,
            "head_seq": scan.head_seq,
            "head_hash": scan.head_hash,
            "problems_at_sealing": [p.as_dict() for p in scan.problems],
        },
        "signer": {"algorithm": "ed25519", "public_key": keys.public_key_b64(public),
                   "fingerprint": keys.fingerprint(public)},
        "derived": _derived_files(case.root),      # analysis/ and reports/ as they were: signed, not sealed
    }
    signature = key.sign(canonical_json(payload))
    seal: dict[str, Any] = {"format": SEAL_FORMAT, "payload": payload,
                            "signature": base64.b64encode(signature).decode("ascii"), "timestamp": None}
    if tsa_url:
        token = timestamp.request_token(tsa_url, hashlib.sha256(signature).digest())
        _, info = timestamp.check_token(token, hashlib.sha256(signature).digest())
        assert info is not None
        seal["timestamp"] = {"tsa": tsa_url, "token": base64.b64encode(token).decode("ascii"),
                             "imprint": "sha256 of the signature", "gen_time": info.gen_time,
                             "tsa_subject": info.tsa_subject, "tsa_cert_sha256": info.tsa_cert_sha256}
    write_atomic(case.root / SEAL_FILE, (json.dumps(seal, indent=2, sort_keys=True) + "\n").encode("utf-8"))
    return seal


@dataclass
class Verification:
    root: str
    case_id: str | None = None
    sealed: bool = False
    seal_sha256: str | None = None
    signer: str | None = None
    sealed_at: str | None = None
    timestamp: dict[str, Any] | None = None
    files_checked: int = 0
    derived_not_covered: dict[str, str] = field(default_factory=dict)     # path -> why the seal does not cover it
    ledger: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "root": self.root, "case_id": self.case_id, "sealed": self.sealed, "seal_sha256": self.seal_sha256,
            "signer": self.signer, "sealed_at": self.sealed_at, "timestamp": self.timestamp,
            "files_checked": self.files_checked, "ledger": self.ledger, "ok": self.ok,
            "derived_not_covered": self.derived_not_covered,
            "problems": [p.as_dict() for p in self.problems], "notices": self.notices,
        }


def _load_seal(path: Path, result: Verification) -> dict[str, Any] | None:
    size = path.stat().st_size
    if size > MAX_SEAL_BYTES:
        result.problems.append(Problem("seal.malformed", SEAL_FILE, f"{size} bytes exceeds the size limit"))
        return None
    raw = path.read_bytes()
    result.seal_sha256 = sha256_hex(raw)
    try:
        seal = json.loads(raw.decode("utf-8"))
        _check_shape(seal)
        base64.b64decode(seal["signature"], validate=True)
        keys.public_key_from_b64(seal["payload"]["signer"]["public_key"])
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        result.problems.append(Problem("seal.malformed", SEAL_FILE, f"not a valid seal file ({exc})"))
        return None
    return seal


def _expect(value: Any, kind: type | tuple[type, ...], where: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{where} is {type(value).__name__}, not {getattr(kind, '__name__', kind)}")
    return value


_SEALED_FILE = {"sha256": str, "size": int}
_SEALED_LEDGER = {"bytes": int, "events": int, "head_seq": int, "head_hash": str, "sha256": (str, type(None)),
                  "problems_at_sealing": list}


def _check_shape(seal: Any) -> None:
    """Every member verify reads, of the type it reads it as (ValueError naming the first that is not)."""
    _expect(seal, dict, "the seal")
    if seal.get("format") != SEAL_FORMAT:
        raise ValueError(f"format is {seal.get('format')!r}, not {SEAL_FORMAT!r}")
    _expect(seal.get("signature"), str, "signature")
    _expect(seal.get("timestamp"), (dict, type(None)), "timestamp")
    payload = _expect(seal.get("payload"), dict, "payload")
    _expect(payload.get("case_id"), str, "payload.case_id")
    _expect(payload.get("sealed_at"), str, "payload.sealed_at")
    signer = _expect(payload.get("signer"), dict, "payload.signer")
    for member in ("public_key", "fingerprint"):
        _expect(signer.get(member), str, f"payload.signer.{member}")
    ledger = _expect(payload.get("ledger"), dict, "payload.ledger")
    for member, kind in _SEALED_LEDGER.items():
        _expect(ledger.get(member), kind, f"payload.ledger.{member}")
    for section in ("files", "derived"):
        if section == "derived" and section not in payload:
            continue                                # seals made before derived files were signed
        for rel, entry in _expect(payload.get(section), dict, f"payload.{section}").items():
            _expect(entry, dict, f"payload.{section}[{rel!r}]")
            for member, kind in _SEALED_FILE.items():
                _expect(entry.get(member), kind, f"payload.{section}[{rel!r}].{member}")


def _check_signature(seal: dict[str, Any], result: Verification, expect_signer: str | None) -> bytes:
    payload = seal["payload"]
    public = keys.public_key_from_b64(payload["signer"]["public_key"])
    signature = base64.b64decode(seal["signature"])
    result.signer = keys.fingerprint(public)
    result.sealed_at = payload.get("sealed_at")
    if payload["signer"].get("fingerprint") != result.signer:
        result.problems.append(Problem("seal.bad_signer", SEAL_FILE, "the stated fingerprint is not the key's"))
    try:
        public.verify(signature, canonical_json(payload))
    except InvalidSignature:
        result.problems.append(Problem("seal.bad_signature", SEAL_FILE,
                                       "the signature does not match the seal's content: seal.json was edited "
                                       "or signed with another key"))
    if expect_signer and expect_signer != result.signer:
        result.problems.append(Problem("seal.unexpected_signer", SEAL_FILE,
                                       f"signed by {result.signer}, not by the expected {expect_signer}"))
    return signature


def _check_timestamp(seal: dict[str, Any], signature: bytes, result: Verification,
                     tsa_ca: x509.Certificate | None) -> None:
    stamp = seal.get("timestamp")
    if not stamp:
        result.notices.append("no trusted timestamp: the sealing time rests on the operator's clock")
        return
    try:
        token = base64.b64decode(stamp["token"], validate=True)
    except (ValueError, KeyError, TypeError):
        result.problems.append(Problem("timestamp.malformed", SEAL_FILE, "the timestamp token is not base64"))
        return
    problems, info = timestamp.check_token(token, hashlib.sha256(signature).digest(), tsa_ca)
    for message in problems:
        result.problems.append(Problem("timestamp.invalid", SEAL_FILE, message))
    if info is not None:
        result.timestamp = {"gen_time": info.gen_time, "tsa_subject": info.tsa_subject,
                            "tsa_cert_sha256": info.tsa_cert_sha256, "tsa": stamp.get("tsa"),
                            "valid": not problems, "ca_checked": tsa_ca is not None}
        if tsa_ca is None:
            result.notices.append("the TSA certificate was not checked against a CA (use --tsa-ca)")


def _check_files(root: Path, sealed: dict[str, Any] | None, result: Verification) -> None:
    files, links = _case_files(root)
    for rel in links:
        result.problems.append(Problem("file.symlink", rel, "a symbolic link inside the case"))
    for rel in files:
        digest, size = sha256_file(root / rel)
        result.files_checked += 1
        parts = rel.split("/")
        if parts[0] == ARTIFACTS_DIR and len(parts) == 4 and parts[1] == ARTIFACT_HASH_DIR and is_digest(parts[3]) \
                and parts[3] != digest:
            result.problems.append(Problem("artifact.name_mismatch", rel,
                                           "content does not match the artifact's name (altered or swapped)"))
        if parts[0] == ARTIFACTS_DIR and parts[1:2] == [INCOMING_DIR]:
            result.notices.append(f"{rel}: an artifact write that never completed (interrupted)")
        if sealed is None:
            continue
        entry = sealed.get(rel)
        if entry is None:
            result.problems.append(Problem("file.added", rel, "not in the seal: added after sealing"))
        elif entry.get("sha256") != digest:
            result.problems.append(Problem("file.modified", rel,
                                           f"content changed since sealing ({size} bytes now, "
                                           f"{entry.get('size')} sealed)"))
    if sealed is not None:
        for rel in sorted(set(sealed) - set(files)):
            result.problems.append(Problem("file.missing", rel, "sealed but no longer present"))


def _check_ledger(root: Path, sealed: dict[str, Any] | None, result: Verification) -> LedgerScan | None:
    path = root / LEDGER_FILE
    if not path.is_file():
        result.problems.append(Problem("file.missing", LEDGER_FILE, "the ledger is missing"))
        return None
    scan = scan_ledger(path)
    result.ledger = {"events": scan.intact_events, "lines": scan.lines, "intact_bytes": scan.intact_bytes,
                     "bytes": scan.total_bytes, "head_seq": scan.head_seq, "head_hash": scan.head_hash}
    if scan.problem_count:
        result.ledger["intact_through_seq"] = scan.head_seq
        result.problems.extend(scan.problems)
        if scan.problem_count > len(scan.problems):
            result.notices.append(f"{scan.problem_count - len(scan.problems)} further ledger problems not listed")
    if sealed is None:
        return scan
    sealed_bytes = int(sealed.get("bytes", -1))
    sealed_events = int(sealed.get("events", -1))
    if scan.total_bytes < sealed_bytes:
        missing = sealed_events - scan.intact_events if not scan.problem_count else None
        detail = f"; {missing} sealed event(s) missing at the end" if missing else ""
        result.problems.append(Problem("ledger.truncated", LEDGER_FILE,
                                       f"{scan.total_bytes} bytes, but {sealed_bytes} were sealed{detail}"))
    elif _prefix_sha256(path, sealed_bytes) != sealed.get("sha256") and not scan.problem_count:
        result.problems.append(Problem("ledger.rewritten", LEDGER_FILE,
                                       "the sealed part of the ledger differs from what was sealed, though it "
                                       "chains: it was rewritten"))
    elif scan.total_bytes > sealed_bytes:
        result.notices.append(f"{scan.intact_events - sealed_events} ledger event(s) were appended after "
                              f"sealing (after seq {sealed.get('head_seq')})")
    for item in sealed.get("problems_at_sealing") or []:
        result.notices.append(f"known when sealed: {item.get('where')}: {item.get('message')}")
    return scan


def verify_case(root: Path, tsa_ca_file: Path | None = None, expect_signer: str | None = None) -> Verification:
    root = Path(root)
    if not root.is_dir():
        raise InputError(root, "no such case directory")
    result = Verification(root=str(root))
    try:
        result.case_id = read_case_json(root / CASE_FILE).get("case_id")
    except InputError as exc:
        result.problems.append(Problem("case.bad_case_json", CASE_FILE, exc.problem))
    tsa_ca = None
    if tsa_ca_file is not None:
        try:
            tsa_ca = x509.load_pem_x509_certificate(Path(tsa_ca_file).read_bytes())
        except (OSError, ValueError) as exc:
            raise InputError(tsa_ca_file, f"not a PEM certificate ({exc})") from None
    seal = None
    if (root / SEAL_FILE).is_file():
        seal = _load_seal(root / SEAL_FILE, result)
        result.sealed = True
    else:
        result.notices.append("the case is not sealed: only the ledger chain and artifact names were checked")
    if seal is not None:
        signature = _check_signature(seal, result, expect_signer)
        _check_timestamp(seal, signature, result, tsa_ca)
        if seal["payload"].get("case_id") != result.case_id:
            result.problems.append(Problem("seal.other_case", SEAL_FILE, "the seal names another case"))
    _check_files(root, seal["payload"]["files"] if seal else None, result)
    scan = _check_ledger(root, seal["payload"]["ledger"] if seal else None, result)
    if scan is not None:
        _check_referenced_artifacts(root, scan, result)
        _check_recorded_state(root, scan, seal, result)
    _check_derived(root, seal["payload"].get("derived", {}) if seal else {}, result)
    return result


def _check_recorded_state(root: Path, scan: LedgerScan, seal: dict[str, Any] | None,
                          result: Verification) -> None:
    """What the ledger says the case is must be what it is: case.json as last recorded, and a seal for each
    sealing it records (one: a second sealing means a seal was removed and the case sealed again). case.json is
    checked against a ledger that is intact to its end (a damaged one is named already, and its prefix ends
    before case.json's last change)."""
    if scan.case_json is not None and not scan.problem_count and (root / CASE_FILE).is_file():
        seq, recorded = scan.case_json
        if sha256_file(root / CASE_FILE)[0] != recorded:
            result.problems.append(Problem("case.json_changed", CASE_FILE,
                                           f"does not match the SHA-256 the ledger last recorded for it (seq {seq}): "
                                           "edited outside auditor"))
    if not scan.sealings:
        return
    last = scan.sealings[-1]
    if not (root / SEAL_FILE).exists():
        result.problems.append(Problem("seal.missing", SEAL_FILE,
                                       f"the ledger records a sealing by {last.signer} at seq {last.seq}, but the "
                                       "case has no seal: seal.json was removed, or the sealing was cut short "
                                       "before it could record its failure"))
    signers = {sealing.signer for sealing in scan.sealings} | ({result.signer} if seal else set())
    for earlier in scan.sealings[:-1]:
        other = " (another key than the last)" if len(signers) > 1 else ""
        result.problems.append(Problem("seal.resealed", f"{LEDGER_FILE} seq {earlier.seq}",
                                       f"an earlier sealing by {earlier.signer}{other}: that seal was removed and "
                                       "the case sealed again"))


def _check_derived(root: Path, signed: dict[str, Any], result: Verification) -> None:
    """analysis/ and reports/ are derived, so outside the seal; each file the seal did not sign as it now is
    is named, so an edited verdicts.json never passes unmentioned."""
    present = _derived_files(root)
    for rel, entry in present.items():
        if rel not in signed:
            result.derived_not_covered[rel] = "made after sealing" if result.sealed else "the case is not sealed"
        elif signed[rel]["sha256"] != entry["sha256"]:
            result.derived_not_covered[rel] = "changed since sealing"
    for rel in sorted(set(signed) - set(present)):
        result.derived_not_covered[rel] = "removed since sealing"
    if result.sealed and result.derived_not_covered:
        result.notices.append(f"{len(result.derived_not_covered)} derived file(s) not covered by the seal "
                              "(re-create them from the sealed evidence with 'auditor analyze'): "
                              + ", ".join(f"{rel} ({why})" for rel, why in result.derived_not_covered.items()))


def _check_referenced_artifacts(root: Path, scan: LedgerScan, result: Verification) -> None:
    for digest, seq in sorted(scan.artifacts.items(), key=lambda item: item[1]):
        rel = f"{ARTIFACTS_DIR}/{ARTIFACT_HASH_DIR}/{digest[:2]}/{digest}"
        if not is_digest(digest) or not (root / rel).is_file():
            result.problems.append(Problem("artifact.missing", rel, f"referenced by ledger seq {seq} but absent"))
