"""Writes stay inside the case: a path auditor writes to in a case may not be a symbolic link.

A case is handed around (copied, unpacked from an archive, prepared by someone else); a link planted at
analysis/, artifacts/.incoming or ledger.jsonl would make a command write wherever it points. So the places a
command writes are checked before it writes anything, and a link there is refused, never followed.
"""

from __future__ import annotations

import os
from pathlib import Path

from auditor.case.layout import (
    ANALYSIS_DIR,
    ARTIFACT_HASH_DIR,
    ARTIFACTS_DIR,
    CASE_FILE,
    FLOWS_FILE,
    INCOMING_DIR,
    JOURNAL_FILE,
    LEDGER_FILE,
    REPORTS_DIR,
    SEAL_FILE,
)
from auditor.errors import InputError

WRITTEN = (CASE_FILE, LEDGER_FILE, SEAL_FILE, FLOWS_FILE, JOURNAL_FILE, ARTIFACTS_DIR,
           f"{ARTIFACTS_DIR}/{INCOMING_DIR}", f"{ARTIFACTS_DIR}/{ARTIFACT_HASH_DIR}", ANALYSIS_DIR, REPORTS_DIR)


def refuse_link(path: Path) -> None:
    if path.is_symlink():
        raise InputError(path, f"is a symbolic link (to {os.readlink(path)}): auditor does not write through a "
                               "link, which could lead out of the case; replace it with a real file or directory")


def refuse_links(root: Path) -> None:
    """Refuse a case where any place auditor writes is a link."""
    for relative in WRITTEN:
        refuse_link(root / relative)


def writable_dir(root: Path, name: str) -> Path:
    """The case's derived directory `name` (analysis/, reports/), made if absent, for writing: refused when it
    or an entry in it is a link, or when the case cannot be written."""
    directory = root / name
    refuse_link(directory)
    if not os.access(root, os.W_OK) or (directory.is_dir() and not os.access(directory, os.W_OK)):
        raise InputError(root, f"the case is read-only (or not writable by this user): {name}/ cannot be "
                               "written; nothing was changed")
    directory.mkdir(exist_ok=True)
    for entry in directory.iterdir():
        refuse_link(entry)
    return directory
