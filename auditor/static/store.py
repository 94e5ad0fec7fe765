"""Put an APK and its scan into a case: the evidence first, then what was derived from it.

Each APK file given (and, for a bundle, every APK inside it) is stored as an artifact with a `static.apk`
event before it is parsed, so a file the scanner rejects is still kept; the rejection is recorded as
`static.scan_failed`. The scan JSON is stored as an artifact with a `static.scan` event, and case.json gets
its `app` section. The device room's `auditor audit` calls store_apk_scan with the files it pulled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.errors import InputError
from auditor.static.budget import parse_budget
from auditor.static.container import MAX_INPUT_BYTES, open_split_files, regular_file_size
from auditor.static.scan import FORMAT, report_bytes, scan_input


def _store_file(case: Case, ledger: Ledger, path: Path) -> str:
    regular_file_size(path)
    try:
        digest, size = case.artifacts.put_file(path, max_bytes=MAX_INPUT_BYTES)
    except (OSError, ValueError) as exc:    # ValueError: larger than MAX_INPUT_BYTES
        raise InputError(path, f"cannot store: {getattr(exc, 'strerror', None) or exc}") from None
    ledger.append("static", Kind.STATIC_APK, {"sha256": digest, "size": size, "file_name": path.name}, artifact=digest)
    return digest


def store_apk_scan(case: Case, apk_paths: Path | list[Path], extra_first_party: tuple[str, ...] = ()) -> dict[str, Any]:
    """Store the APK file(s), scan them as one app, store the scan; return it. InputError for a bad APK (kept)."""
    paths = [Path(apk_paths)] if isinstance(apk_paths, (str, Path)) else [Path(p) for p in apk_paths]
    with case.ledger() as ledger:
        ledger.head()                       # a ledger that cannot record the APK refuses before it is stored
        digests = [_store_file(case, ledger, path) for path in paths]
        try:
            with parse_budget(str(paths[0])):
                apk_input = open_split_files(paths)
                for inner in apk_input.apks if apk_input.kind == "bundle" else []:
                    inner_digest = case.artifacts.put_bytes(inner.data)
                    ledger.append("static", Kind.STATIC_APK, {"sha256": inner_digest, "size": len(inner.data),
                                                              "file_name": inner.file_name, "container": digests[0]},
                                  artifact=inner_digest)
                report = scan_input(apk_input, extra_first_party)
        except InputError as exc:
            ledger.append("static", Kind.STATIC_SCAN_FAILED, {"apk_sha256": digests, "error": str(exc)})
            raise
        scan_digest = case.artifacts.put_bytes(report_bytes(report))
        ledger.append("static", Kind.STATIC_SCAN, {
            "format": FORMAT, "apk_sha256": digests, "package": report["package"],
            "version_code": report["version_code"], "version_name": report["version_name"],
            "sdks": [s["name"] for s in report["sdks"]], "api_calls": report["api_call_summary"],
        }, artifact=scan_digest)
        case.set_section("app", {
            "package": report["package"], "version_code": report["version_code"],
            "version_name": report["version_name"],
            "apk_sha256": [a["sha256"] for a in report["input"]["apks"]],
            "signing_cert_sha256": [c["sha256"] for c in report["certificates"]],
        }, ledger=ledger)
    return report
