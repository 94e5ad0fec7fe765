"""The case directory: case.json (who, what, when), the ledger, the artifact store, and the seal.

case.json is small and rewritten atomically (temporary file, fsync, rename) under a lock on the case
directory, so several processes may add their section (app identity, device attestation, datasets). Each
rewrite is recorded in the ledger with the new file's SHA-256, so its history is part of the evidence.
"""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import platform
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import auditor
from auditor.case.artifacts import ArtifactStore
from auditor.case.canonical import sha256_hex
from auditor.case.confine import refuse_links
from auditor.case.events import Kind
from auditor.case.layout import ARTIFACTS_DIR, CASE_FILE, LEDGER_FILE, SEAL_FILE
from auditor.case.ledger import Ledger, utc_now
from auditor.errors import InputError

CASE_FORMAT = "auditor-case/1"
MAX_CASE_JSON_BYTES = 4 << 20
# Sections other parts of auditor may set in case.json; anything else is a programming error.
SECTIONS = frozenset({"app", "device", "capture", "instrumentation", "datasets", "rulesets", "persona",
                      "scenario", "controller", "planted", "imports", "ended"})


def tool_provenance() -> dict[str, str]:
    """Which auditor, on which Python and platform: recorded in every case."""
    source_dir = Path(auditor.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(source_dir), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(source_dir), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        if dirty:
            commit += "+modified"
    except (OSError, subprocess.SubprocessError):
        commit = "unknown"
    return {
        "name": "auditor",
        "version": auditor.__version__,
        "git_commit": commit,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def write_atomic(path: Path, data: bytes) -> None:
    """The file whole with its new content, or as it was (a failure, a full disk, leaves no partial file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        with open(tmp, "xb") as handle:             # created afresh: never through a planted link
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:                          # a failed write() names no file: name the one written
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    finally:
        tmp.unlink(missing_ok=True)


def _pretty(info: dict[str, Any]) -> bytes:
    return (json.dumps(info, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def read_case_json(path: Path) -> dict[str, Any]:
    """case.json parsed and checked; a clear InputError for anything else."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(path.parent, "not an auditor case: it has no case.json") from None
    if size > MAX_CASE_JSON_BYTES:
        raise InputError(path, f"case.json of {size} bytes exceeds the {MAX_CASE_JSON_BYTES}-byte limit")
    raw = path.read_bytes()
    try:
        info = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not valid UTF-8 (byte {exc.start})") from None
    except ValueError as exc:
        raise InputError(path, f"not valid JSON ({exc})") from None
    except RecursionError:
        raise InputError(path, "not a case file: JSON nested too deeply") from None
    if not isinstance(info, dict) or info.get("format") != CASE_FORMAT or not isinstance(info.get("case_id"), str):
        raise InputError(path, f"not a case file of format {CASE_FORMAT}")
    return info


class Case:
    def __init__(self, root: Path, info: dict[str, Any]):
        self.root = Path(root)
        self.info = info
        self.artifacts = ArtifactStore(self.root)

    @property
    def id(self) -> str:
        return str(self.info["case_id"])

    @property
    def ledger_path(self) -> Path:
        return self.root / LEDGER_FILE

    @property
    def sealed(self) -> bool:
        return (self.root / SEAL_FILE).exists()

    @classmethod
    def create(cls, root: Path, operator: str | None = None, persona: str | None = None,
               scenario: str | dict[str, str] | None = None, command_line: list[str] | None = None,
               expert: dict[str, str] | None = None, questions: list[str] | None = None,
               controller: dict[str, Any] | None = None) -> Case:
        root = Path(root)
        if root.exists() and (not root.is_dir() or any(root.iterdir())):
            raise InputError(root, "exists and is not an empty directory; a new case needs a fresh directory")
        root.mkdir(parents=True, exist_ok=True)
        info: dict[str, Any] = {
            "format": CASE_FORMAT,
            "case_id": str(uuid.uuid4()),
            "created": utc_now(),
            "operator": {"name": operator or _user()},
            "host": {"hostname": socket.gethostname(), "user": _user()},
            "tool": tool_provenance(),
            "command_line": list(command_line if command_line is not None else sys.argv),
            "persona": persona,
            "scenario": scenario,
            "expert": expert,
            "questions": list(questions or []),
        }
        if controller is not None:
            info["controller"] = controller     # the app's controller as given (analyze/recipients.py Controller)
        write_atomic(root / CASE_FILE, _pretty(info))
        (root / ARTIFACTS_DIR).mkdir()
        case = cls(root, info)
        with case.ledger(fsync_interval=0) as ledger:
            ledger.append("case", Kind.CASE_CREATED, {"case_id": info["case_id"], "case_json_sha256":
                                                      sha256_hex(_pretty(info))})
        return case

    @classmethod
    def open(cls, root: Path) -> Case:
        root = Path(root)
        if not root.is_dir():
            raise InputError(root, "no such case directory")
        refuse_links(root)
        return cls(root, read_case_json(root / CASE_FILE))

    def ledger(self, fsync_interval: float = 0.2, after_seal: bool = False) -> Ledger:
        """A writer for this case's ledger. Evidence is not added to a sealed case unless after_seal."""
        if self.sealed and not after_seal:
            raise InputError(self.root, "the case is sealed; evidence can no longer be added")
        return Ledger(self.ledger_path, fsync_interval=fsync_interval)

    @contextmanager
    def _locked(self) -> Iterator[None]:
        fd = os.open(self.root, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def set_section(self, section: str, value: Any, ledger: Ledger | None = None) -> None:
        """Set one section of case.json and record the change in the ledger."""
        if section not in SECTIONS:
            raise ValueError(f"unknown case.json section {section!r}")
        if self.sealed:
            raise InputError(self.root, "the case is sealed; case.json can no longer change")
        with contextlib.ExitStack() as stack:
            writer = ledger or stack.enter_context(self.ledger(fsync_interval=0))
            writer.head()                   # a ledger that cannot record the change: case.json stays as it is
            with self._locked():
                self.info = read_case_json(self.root / CASE_FILE)
                self.info[section] = value
                data = _pretty(self.info)
                write_atomic(self.root / CASE_FILE, data)
            writer.append("case", Kind.CASE_UPDATED, {"section": section, "case_json_sha256": sha256_hex(data)})
