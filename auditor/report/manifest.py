"""The report manifest (report-manifest.json): which case and seal a report was made from, the SHA-256 of
each report file, signed with the operator's ed25519 key — and `auditor verify REPORT_DIR`, which checks the
files, the signature and the link to the case: same case, same seal, the case itself verifies, and the
ledger still holds, at the recorded head, the event the report was made up to.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from auditor.case import keys
from auditor.case.bundle import read_case_json
from auditor.case.canonical import canonical_json, sha256_file
from auditor.case.layout import ANALYSIS_DIR, CASE_FILE, LEDGER_FILE, SEAL_FILE
from auditor.case.ledger_check import read_records
from auditor.case.problems import Problem
from auditor.case.seal import verify_case
from auditor.contract.files import analysis_hashes
from auditor.errors import InputError

MANIFEST_FILE = "report-manifest.json"
MANIFEST_FORMAT = "auditor-report-manifest/1"
MAX_MANIFEST_BYTES = 1 << 20
_FILE_NAME = re.compile(r"^(report\.(html|pdf|json|csv)|annex\.html|"
                        r"verify\.(sha256sums|payload\.json|signature\.bin|signer\.pem|timestamp\.tsr))$")


def write_manifest(directory: Path, model: dict[str, Any], lang: str, outputs: dict[str, tuple[str, int]],
                   key: Ed25519PrivateKey) -> dict[str, str]:
    """The signed manifest of the files written (name -> SHA-256 and size)."""
    public = key.public_key()
    payload = {
        "case_id": model["case"]["case_id"],
        "seal_sha256": model["seal"].get("seal_sha256"),
        "ledger_head": {"seq": model["ledger_head"]["seq"], "hash": model["ledger_head"]["hash"]},
        "analysis": model["analysis"]["files"],
        "lang": lang,
        "redacted": model["redaction"] is not None,
        "files": {name: {"sha256": digest, "size": size} for name, (digest, size) in sorted(outputs.items())},
        "signer": {"algorithm": "ed25519", "public_key": keys.public_key_b64(public),
                   "fingerprint": keys.fingerprint(public)},
    }
    manifest = {"format": MANIFEST_FORMAT, "payload": payload,
                "signature": base64.b64encode(key.sign(canonical_json(payload))).decode("ascii")}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    return {name: entry["sha256"] for name, entry in payload["files"].items()}


def is_report_directory(path: Path) -> bool:
    return (Path(path) / MANIFEST_FILE).is_file() and not (Path(path) / CASE_FILE).exists()


@dataclass
class ReportVerification:
    root: str
    case_id: str | None = None
    seal_sha256: str | None = None
    signer: str | None = None
    case_root: str | None = None
    case_checked: bool = False
    files_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"root": self.root, "kind": "report", "case_id": self.case_id, "seal_sha256": self.seal_sha256,
                "signer": self.signer, "case_root": self.case_root, "case_checked": self.case_checked,
                "files_checked": self.files_checked, "ok": self.ok,
                "problems": [p.as_dict() for p in self.problems], "notices": self.notices}

    def describe(self) -> str:
        lines = [f"report {self.root} of case {self.case_id or '?'}",
                 f"made from seal sha256 {self.seal_sha256}; manifest signed by {self.signer}",
                 f"report files checked: {self.files_checked}",
                 f"case: {self.case_root} ({'link checked' if self.case_checked else 'link NOT checked'})"]
        lines += [f"notice: {n}" for n in self.notices]
        lines += [f"PROBLEM [{p.code}] {p}" for p in self.problems]
        lines.append("VERIFIED" if self.ok else f"NOT VERIFIED: {len(self.problems)} problem(s)")
        return "\n".join(lines)


def _load(path: Path, result: ReportVerification) -> dict[str, Any] | None:
    if path.stat().st_size > MAX_MANIFEST_BYTES:
        result.problems.append(Problem("report.manifest_malformed", MANIFEST_FILE, "larger than the size limit"))
        return None
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
        payload = manifest["payload"]
        assert manifest["format"] == MANIFEST_FORMAT
        assert isinstance(payload["files"], dict) and isinstance(payload["ledger_head"], dict)
        public = keys.public_key_from_b64(payload["signer"]["public_key"])
        signature = base64.b64decode(manifest["signature"], validate=True)
    except (ValueError, KeyError, TypeError, AssertionError, UnicodeDecodeError) as exc:
        result.problems.append(Problem("report.manifest_malformed", MANIFEST_FILE, f"not a report manifest ({exc!r})"))
        return None
    result.signer = keys.fingerprint(public)
    try:
        public.verify(signature, canonical_json(payload))
    except InvalidSignature:
        result.problems.append(Problem("report.bad_signature", MANIFEST_FILE,
                                       "the signature does not match the manifest: it was edited"))
    return payload


def _check_files(root: Path, payload: dict[str, Any], result: ReportVerification) -> None:
    listed = payload["files"]
    for name in sorted(listed):
        if not isinstance(name, str) or not _FILE_NAME.match(name):
            result.problems.append(Problem("report.manifest_malformed", MANIFEST_FILE,
                                           f"lists a file name a report never has: {str(name)[:80]!r}"))
            continue
        path = root / name
        if not path.is_file() or path.is_symlink():
            result.problems.append(Problem("report.file_missing", name, "listed in the manifest but absent"))
            continue
        result.files_checked += 1
        if sha256_file(path)[0] != _entry_hash(listed[name]):
            result.problems.append(Problem("report.file_modified", name, "content changed since the report was made"))
    for path in sorted(root.iterdir()):
        if path.name != MANIFEST_FILE and path.name not in listed and not path.name.startswith("."):
            result.problems.append(Problem("report.file_added", path.name, "not in the manifest: added later"))


def _entry_hash(entry: Any) -> str | None:
    return entry.get("sha256") if isinstance(entry, dict) else None


def _find_case(root: Path) -> Path | None:
    """A report written to its default place, CASE/reports/NAME/, names its case by where it is."""
    candidate = root.resolve().parent.parent
    return candidate if root.resolve().parent.name == "reports" and (candidate / CASE_FILE).is_file() else None


def _check_case(case_root: Path, payload: dict[str, Any], result: ReportVerification) -> None:
    result.case_root, result.case_checked = str(case_root), True
    try:
        info = read_case_json(case_root / CASE_FILE)
    except InputError as exc:
        result.problems.append(Problem("report.other_case", str(case_root), exc.problem))
        return
    if info.get("case_id") != payload.get("case_id"):
        result.problems.append(Problem("report.other_case", MANIFEST_FILE,
                                       f"made from case {payload.get('case_id')}, not {info.get('case_id')}"))
        return
    seal_path = case_root / SEAL_FILE
    current_seal = sha256_file(seal_path)[0] if seal_path.is_file() else None
    if current_seal != payload.get("seal_sha256"):
        result.problems.append(Problem("report.other_seal", MANIFEST_FILE,
                                       f"made from seal {payload.get('seal_sha256')}, the case's seal is "
                                       f"{current_seal}"))
    case_check = verify_case(case_root)
    for problem in case_check.problems:
        result.problems.append(Problem("report.case_not_verified", f"case: {problem.where}", problem.message))
    if case_check.signer and result.signer and case_check.signer != result.signer:
        result.notices.append(f"the report was signed by {result.signer}, the case sealed by {case_check.signer}")
    head = payload["ledger_head"]
    stated = next((r["hash"] for r in read_records(case_root / LEDGER_FILE) if r["seq"] == head.get("seq")), None)
    if stated is None or stated != head.get("hash"):
        result.problems.append(Problem("report.ledger_mismatch", MANIFEST_FILE,
                                       f"the case's ledger does not hold the event the report was made up to "
                                       f"(seq {head.get('seq')})"))
    if analysis_hashes(case_root / ANALYSIS_DIR) != payload.get("analysis"):
        result.notices.append("the case's analysis has changed since this report was made (re-run of "
                              "'auditor analyze'); the report shows the earlier analysis")


def verify_report(root: Path, case_root: Path | None = None) -> ReportVerification:
    root = Path(root)
    result = ReportVerification(root=str(root))
    payload = _load(root / MANIFEST_FILE, result)
    if payload is None:
        return result
    result.case_id, result.seal_sha256 = str(payload.get("case_id")), payload.get("seal_sha256")
    _check_files(root, payload, result)
    case_root = Path(case_root) if case_root else _find_case(root)
    if case_root is None:
        result.notices.append("the case was not found next to the report: give it with --case to check the link")
    else:
        _check_case(case_root, payload, result)
    if payload.get("redacted"):
        result.notices.append("this is a redacted disclosure copy of the report")
    return result
