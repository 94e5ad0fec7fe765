"""Evidence pulled off the phone: the app's APKs (all splits) and the screen recording.

Both stream into the case's artifact store with a size cap, and each gets a ledger event naming where on
the device it came from.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger, utc_now
from auditor.device.adb import Phone
from auditor.device.journal import Change
from auditor.device.pull import MAX_RECORDING_BYTES, RECORDING, pull_into_case
from auditor.device.setup import DeviceChanges
from auditor.errors import InputError

MAX_APK_BYTES = 1 << 30
SEGMENT_SECONDS = 180          # screenrecord's own upper limit on older Android versions
_PACKAGE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)+$")
_APK_PATH = re.compile(r"^/[A-Za-z0-9._~/=+-]+\.apk$")


def check_package(package: str) -> str:
    if not _PACKAGE.match(package) or len(package) > 255:
        raise InputError(package, "not an Android package name (like com.example.app)")
    return package


def pull_apks(phone: Phone, package: str, case: Case, ledger: Ledger) -> list[dict[str, object]]:
    """Pull base and split APKs of an installed package into the artifact store."""
    result = phone.run(["pm", "path", check_package(package)])
    paths = [line[len("package:"):].strip() for line in result.stdout.splitlines() if line.startswith("package:")]
    if not result.ok or not paths:
        raise InputError(f"device {phone.serial}", f"package {package} is not installed")
    pulled = []
    for path in paths:
        if not _APK_PATH.match(path) or ".." in path:
            raise InputError(f"device {phone.serial}", f"pm path gave an implausible APK path {path!r}")
        digest, size = pull_into_case(phone, path, case, MAX_APK_BYTES)
        entry = {"package": package, "device_path": path, "sha256": digest, "size": size,
                 "split": path.rsplit("/", 1)[1]}
        ledger.append("device", Kind.DEVICE_APK, entry, artifact=digest)
        pulled.append(entry)
    return pulled


@dataclass
class Segment:
    device_path: str
    started: str
    ended: str | None = None


@dataclass
class ScreenRecorder:
    """Records the screen in segments on the device until stopped, then moves them into the case."""

    phone: Phone
    changes: DeviceChanges
    tag: str
    segment_seconds: int = SEGMENT_SECONDS
    segments: list[Segment] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _changes: list[Change] = field(default_factory=list)
    error: str | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._record, name="screenrecord", daemon=True)
        self._thread.start()

    def _record(self) -> None:
        index = 0
        while not self._stop.is_set():
            index += 1
            path = f"/sdcard/Download/auditor-{self.tag}-screen-{index:03d}.mp4"
            assert RECORDING.match(path), path
            # journal first: a crash leaves a removable file behind, never an unknown one
            self._changes.append(self.changes.track_file(path, "screen recording file"))
            segment = Segment(path, utc_now())
            self.segments.append(segment)
            result = self.phone.run(["screenrecord", "--time-limit", str(self.segment_seconds), path],
                                    timeout=self.segment_seconds + 30)
            segment.ended = utc_now()
            if not result.ok:
                self.error = f"screenrecord exited {result.returncode}: {result.stderr.strip()}"
                return

    def stop(self, case: Case, ledger: Ledger) -> list[dict[str, object]]:
        """Stop recording (SIGINT lets screenrecord finish the file), pull the segments, remove them.
        A segment that cannot be pulled is recorded with its error and left for restore to remove."""
        self._stop.set()
        for _ in range(3):               # a segment may have started just after the first SIGINT
            self.phone.run(["pkill", "-INT", "screenrecord"])
            if self._thread is None:
                break
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                break
        stored = []
        for segment, change in zip(self.segments, self._changes, strict=True):
            for _ in range(20):          # the file appears once screenrecord has finalised it
                if self.phone.run(["ls", segment.device_path]).ok:
                    break
                time.sleep(0.1)
            body: dict[str, object] = {"device_path": segment.device_path, "started": segment.started,
                                       "ended": segment.ended, "error": self.error}
            try:
                digest, size = pull_into_case(self.phone, segment.device_path, case, MAX_RECORDING_BYTES)
            except InputError as exc:
                ledger.append("device", Kind.DEVICE_SCREENRECORD, {**body, "sha256": None, "size": None,
                                                                    "error": str(exc)})
                continue
            body.update(sha256=digest, size=size)
            ledger.append("device", Kind.DEVICE_SCREENRECORD, body, artifact=digest)
            stored.append(body)
            self.phone.run(["rm", "-f", segment.device_path])
            self.changes.settle(change, "pulled into the case and removed from the device")
        return stored
