"""Shared helpers for the static room's tests: where the real APKs are, and one scan per APK per run."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
# tests may read the project's shared data (../shared next to the checkout); the product never does
SHARED = Path(os.environ.get("AUDITOR_SHARED_DATA", ROOT.parent / "shared" / "data"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data")
REAL_APKS = SHARED / "apks"
REFERENCE_APK = ROOT / "auditor" / "reference" / "data" / "reference.apk"


@cache
def scanned(path: Path) -> dict[str, Any]:
    from auditor.static.scan import scan_apk

    return scan_apk(path)


def short_calls(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """(API class.method, category, caller class, caller method name, offset, attribution, sdk, callers reaching it)."""
    return [(call["api"].rsplit(".", 2)[-2] + "." + call["api"].rsplit(".", 1)[1], call["category"], call["caller"],
             call["caller_method"].split("(")[0], call["offset"], call["attribution"], call["sdk"],
             call["reachable_from_total"]) for call in report["api_calls"]]
