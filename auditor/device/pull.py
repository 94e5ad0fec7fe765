"""Device files into the case: the one streaming pull with a size cap, and the recordings' names and cap.

Its own module because both the recorder (recording.py) and restore (setup.py, saving what a crashed audit
left on the device) pull screen recordings, and the recorder drives setup's DeviceChanges.
"""

from __future__ import annotations

import re

from auditor.case.bundle import Case
from auditor.device.adb import Phone

MAX_RECORDING_BYTES = 2 << 30
RECORDING = re.compile(r"^/sdcard/Download/auditor-[0-9a-f]{8}-screen-[0-9]{3}\.mp4$")


def pull_into_case(phone: Phone, path: str, case: Case, max_bytes: int) -> tuple[str, int]:
    """Stream one device file into the artifact store; returns (sha256, size)."""
    with case.artifacts.writer(max_bytes=max_bytes) as writer:
        for chunk in phone.pull(path, max_bytes):
            writer.write(chunk)
    assert writer.digest is not None
    return writer.digest, writer.size
