"""The restore journal: every change auditor makes to a phone, written down before it is made.

One JSON file per device in the user's state directory ($AUDITOR_STATE_HOME, else
$XDG_STATE_HOME/auditor, else ~/.local/state/auditor), named by a hash of the serial (never a path built
from input). It is rewritten atomically after each step, so a crash or Ctrl-C at any moment leaves a
journal that `auditor device restore --serial S` can undo. An entry is written as "pending" before the
change and marked "applied" after; restore undoes both, since undo steps are safe to repeat.

Undo steps are data, not shell text, and are validated when read back: the journal is a file on disk and
is treated as untrusted input.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from auditor.case.events import Kind
from auditor.case.layout import LEDGER_FILE
from auditor.case.ledger import utc_now
from auditor.errors import InputError

JOURNAL_FORMAT = "auditor-device-journal/1"
MAX_JOURNAL_BYTES = 1 << 20

# The only settings auditor changes, and the only places it writes files or mounts.
SETTINGS = {("global", "http_proxy"), ("global", "private_dns_mode"), ("global", "private_dns_specifier"),
            ("global", "device_name")}      # the last: a honey device name (--plant-device-name)
FILE_PREFIXES = ("/sdcard/Download/auditor-", "/data/local/tmp/auditor-", "/data/misc/user/0/cacerts-added/")
MOUNT_TARGETS = ("/system/etc/security/cacerts", "/apex/com.android.conscrypt/cacerts")
PROCESS_NAMES = ("frida-server", "auditor-frida-server")
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass
class Change:
    """One change: what it is, the value before and after, and the data-only step that undoes it."""

    setting: str
    old: Any
    new: Any
    undo: dict[str, Any]
    status: str = "pending"          # pending | applied | restored | restore_failed
    time: str = field(default_factory=utc_now)
    restore_note: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)


def state_dir() -> Path:
    explicit = os.environ.get("AUDITOR_STATE_HOME")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "auditor"


def journal_path(serial: str) -> Path:
    return state_dir() / "device" / f"{hashlib.sha256(serial.encode()).hexdigest()[:24]}.json"


def validate_undo(undo: Any) -> dict[str, Any]:
    """Accept only the undo steps auditor itself writes, with their arguments in bounds."""
    if not isinstance(undo, dict):
        raise ValueError("undo step is not an object")
    action = undo.get("action")
    if action == "setting":
        if (undo.get("namespace"), undo.get("key")) not in SETTINGS:
            raise ValueError(f"setting {undo.get('namespace')}/{undo.get('key')} is not one auditor changes")
        if undo.get("value") is not None and not isinstance(undo["value"], str):
            raise ValueError("setting value is not a string")
    elif action == "remove_file":
        path = undo.get("path")
        if not (isinstance(path, str) and path.startswith(FILE_PREFIXES) and ".." not in path
                and _FILE_NAME.match(path.rsplit("/", 1)[1])):
            raise ValueError(f"file {path!r} is not one auditor writes")
    elif action == "umount":
        if undo.get("target") not in MOUNT_TARGETS:
            raise ValueError(f"mount {undo.get('target')!r} is not one auditor makes")
        if undo.get("ca_file") is not None and not (isinstance(undo["ca_file"], str)
                                                     and _FILE_NAME.match(undo["ca_file"])):
            raise ValueError("ca_file is not a file name")
        pid = undo.get("namespace_pid")
        if pid is not None and not (isinstance(pid, int) and 0 < pid < 1 << 22):
            raise ValueError("namespace pid out of range")
    elif action == "reverse_remove":
        if not (isinstance(undo.get("port"), int) and 0 < undo["port"] < 65536):
            raise ValueError("reverse port out of range")
    elif action == "kill":
        if not (isinstance(undo.get("pid"), int) and 0 < undo["pid"] < 1 << 22 and undo.get("name") in PROCESS_NAMES):
            raise ValueError("kill step names no process auditor starts")
    else:
        raise ValueError(f"unknown undo action {action!r}")
    if not isinstance(undo.get("root", False), bool):
        raise ValueError("root flag is not a boolean")
    return undo


class Journal:
    """The journal of one device. `record` before a change, `applied` after it."""

    def __init__(self, serial: str, path: Path | None = None):
        self.serial = serial
        self.path = path or journal_path(serial)
        self.changes: list[Change] = []
        self.started: str | None = None
        self.case: str | None = None
        # the screen recorder's thread journals its files while the audit's thread journals screen captures
        self._lock = threading.RLock()

    @classmethod
    def load(cls, serial: str) -> Journal:
        journal = cls(serial)
        if not journal.path.exists():
            return journal
        raw = journal.path.read_bytes()
        source = str(journal.path)
        if len(raw) > MAX_JOURNAL_BYTES:
            raise InputError(source, f"restore journal larger than {MAX_JOURNAL_BYTES} bytes")
        try:
            data = json.loads(raw)
            if data.get("format") != JOURNAL_FORMAT or data.get("serial") != serial:
                raise ValueError(f"not a {JOURNAL_FORMAT} journal for {serial}")
            journal.started = data.get("started")
            journal.case = data.get("case")
            for item in data["changes"]:
                change = Change(**item)
                validate_undo(change.undo)
                journal.changes.append(change)
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise InputError(source, f"unreadable restore journal ({exc}); restore the device by hand") from None
        return journal

    @classmethod
    def from_case(cls, serial: str, case_root: Path) -> Journal:
        """Rebuild the outstanding changes from a case's ledger: each `device.change` of this serial that no
        `device.restore` has restored. For when the state directory's journal is gone (another machine, a
        wiped home). Changes that crashed before their ledger line exist only in the state journal."""
        from auditor.case.ledger_check import read_records

        journal = cls(serial, path=None)
        journal.case = str(case_root)
        restored: set[str] = set()
        changes: list[Change] = []
        for record in read_records(case_root / LEDGER_FILE):
            body = record["body"]
            if record["kind"] not in (Kind.DEVICE_CHANGE, Kind.DEVICE_RESTORE) or body.get("serial") != serial:
                continue
            try:
                if record["kind"] == Kind.DEVICE_RESTORE:
                    if body.get("status") == "restored":
                        restored.add(str(body["id"]))
                    continue
                change = Change(setting=str(body["setting"]), old=body.get("old"), new=body.get("new"),
                                undo=validate_undo(body["undo"]), status="applied", time=record["t_wall"],
                                id=str(body["id"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise InputError(case_root, f"ledger seq {record['seq']}: unusable {record['kind']} ({exc})") from None
            changes.append(change)
        journal.changes = [c for c in changes if c.id not in restored]
        journal.started = journal.changes[0].time if journal.changes else None
        return journal

    @property
    def outstanding(self) -> list[Change]:
        return [c for c in self.changes if c.status in ("pending", "applied", "restore_failed")]

    def begin(self, case: str | None) -> None:
        if self.outstanding:
            raise InputError(f"device {self.serial}", f"has {len(self.outstanding)} unrestored change(s) from "
                             f"{self.started}; run 'auditor device restore --serial {self.serial}' first")
        self.changes, self.started, self.case = [], utc_now(), case
        self.save()

    def record(self, setting: str, old: Any, new: Any, undo: dict[str, Any]) -> Change:
        change = Change(setting, old, new, validate_undo(undo))
        with self._lock:
            self.changes.append(change)
            self.save()
        return change

    def mark(self, change: Change, status: str, note: str | None = None) -> None:
        with self._lock:
            change.status = status
            change.restore_note = note
            self.save()

    def save(self) -> None:
        with self._lock:
            self._save()

    def _save(self) -> None:
        if not self.outstanding:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = {"format": JOURNAL_FORMAT, "serial": self.serial, "started": self.started, "case": self.case,
                "changes": [asdict(c) for c in self.changes]}
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
