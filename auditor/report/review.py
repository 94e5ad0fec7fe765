"""`auditor review`: a reviewer's status for one verdict (pending / confirmed / dismissed, with a comment),
appended to the case ledger as a `review.status` event — allowed after sealing, and reported by verify as
appended after sealing. Verdicts themselves stay re-creatable; the latest status per verdict id is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.case.bundle import Case, _user
from auditor.case.events import Kind
from auditor.case.layout import ANALYSIS_DIR
from auditor.contract.document import read_document
from auditor.contract.files import VERDICTS_FILE
from auditor.contract.verdicts import Verdicts
from auditor.contract.vocabulary import ReviewStatus
from auditor.errors import InputError

STATUSES = tuple(s.value for s in ReviewStatus)

MAX_COMMENT = 10_000


def record_review(case_dir: Path, verdict_id: str, status: str, comment: str,
                  reviewer: str | None = None) -> dict[str, Any]:
    if status not in STATUSES:
        raise InputError("--status", f"choose from {', '.join(STATUSES)}")
    if len(comment) > MAX_COMMENT:
        raise InputError("--comment", f"{len(comment)} characters exceeds the {MAX_COMMENT}-character limit")
    case = Case.open(case_dir)
    known = {v.id for v in read_document(Verdicts, case.root / ANALYSIS_DIR / VERDICTS_FILE).verdicts}
    if verdict_id not in known:
        raise InputError(verdict_id, f"no such verdict in {case.root}/analysis/verdicts.json "
                                     f"({len(known)} verdict(s) there)")
    body = {"verdict_id": verdict_id, "status": status, "comment": comment,
            "reviewer": reviewer or _user()}
    with case.ledger(fsync_interval=0, after_seal=True) as ledger:
        return ledger.append("review", Kind.REVIEW_STATUS, body)

