"""`auditor case declare`: the declaration forms checked and recorded in the case's ledger — each form's
file name, SHA-256 and text in one `case.declared` event (after the seal too, as reviews are: the
declaration is the operator's input about the app, not captured evidence). The latest such event is what
analysis compares with what was observed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.declared.forms import DataSafety, FormFile, Policy, read_data_safety, read_policy
from auditor.errors import InputError


@dataclass(frozen=True)
class Declared:
    data_safety: DataSafety | None
    policy: Policy | None
    data_safety_sha256: str | None
    policy_sha256: str | None
    seq: int


def _entry(form: FormFile) -> dict[str, Any]:
    return {"file_name": form.name, "sha256": hashlib.sha256(form.raw).hexdigest(), "syntax":
            "json" if form.json else "yaml", "text": form.raw.decode("utf-8", "replace")}


def declare(case_dir: Path, data_safety: Path | None, policy: Path | None) -> dict[str, Any]:
    if data_safety is None and policy is None:
        raise InputError("declare", "give --data-safety FILE, --policy FILE or both")
    case = Case.open(case_dir)
    body: dict[str, Any] = {}
    for name, path, reader in (("data_safety", data_safety, read_data_safety), ("policy", policy, read_policy)):
        if path is not None:
            form = FormFile.read(path)
            reader(form)                       # refused here, not at analysis, when it does not check
            body[name] = _entry(form)
        else:
            body[name] = None
    with case.ledger(fsync_interval=0, after_seal=True) as ledger:
        return ledger.append("case", Kind.CASE_DECLARED, body)


def from_record(record: dict[str, Any]) -> Declared:
    """A `case.declared` event read back into the forms."""
    body = record["body"]

    def form(name: str) -> FormFile | None:
        entry = body.get(name)
        if not isinstance(entry, dict):
            return None
        return FormFile(f"ledger seq {record['seq']} {name} ({entry.get('file_name')})",
                        str(entry.get("text", "")).encode("utf-8"), entry.get("syntax") == "json")

    safety, policy = form("data_safety"), form("policy")
    return Declared(read_data_safety(safety) if safety else None, read_policy(policy) if policy else None,
                    body["data_safety"]["sha256"] if safety else None, body["policy"]["sha256"] if policy else None,
                    record["seq"])
