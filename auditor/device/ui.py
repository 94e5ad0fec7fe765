"""The phone's screen over adb, as evidence and as input: the UI hierarchy (`uiautomator dump`), a
screenshot (`screencap -p`), a tap (`input tap`) or typed text (`input text`), and the consent state an app
stored (IAB TCF v2 / GPP keys in its default SharedPreferences, which Google's UMP SDK writes too).

Dump and screenshot are written to a file on the device and pulled (never through the shell's text
stream, which would mangle a PNG); the file is journaled before it exists, so restore removes one an
interrupted audit left behind. Each capture is stored in the case as an artifact with its ledger line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.device.adb import Phone, ShellResult
from auditor.device.pull import pull_into_case
from auditor.device.setup import DeviceChanges
from auditor.device.untrusted_xml import parse_device_xml
from auditor.errors import InputError

MAX_UI_DUMP_BYTES = 4 << 20
MAX_SCREENSHOT_BYTES = 64 << 20
MAX_PREFS_BYTES = 1 << 20
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
CONSENT_KEY = re.compile(r"^(IABTCF_|IABGPP_|IABUSPrivacy_String$)")
# Google UMP's own SharedPreferences file and the integers it keeps there: consent_status (its ConsentStatus:
# 0 unknown, 1 not required, 2 required, 3 obtained, which does not say accepted or refused) and consent_type,
# as the UMP SDK's code (user-messaging-platform 2.0.0, decompiled) reads and writes them
UMP_PREFS = "__GOOGLE_FUNDING_CHOICE_SDK_INTERNAL__"
UMP_KEY = re.compile(r"^(consent_status|consent_type)$")
_TEXT_SAFE = re.compile(r"^[0-9A-Za-z.,:/@_+-]+$")


@dataclass(frozen=True)
class Capture:
    """One stored capture of the screen: its artifact and the ledger line that records it."""

    sha256: str
    size: int
    seq: int
    data: bytes


@dataclass(frozen=True)
class ConsentStore:
    """What the app had stored about consent, or why it could not be read (`keys` is None then)."""

    keys: dict[str, str] | None
    how: str | dict[str, str]   # "run-as", "root" or the reason it stayed unknown ({"en", "nl"}: the demo)
    path: str
    ump: dict[str, str] | None = None   # UMP's file ({} when the app has none), None when it was not read


def store_capture(kind: Kind, step: str, device_path: str, digest: str, size: int, data: bytes,
                  ledger: Ledger) -> Capture:
    """The ledger line of a screen capture already in the artifact store (device.ui_dump, device.screenshot)."""
    record = ledger.append("device", kind, {"step": step, "device_path": device_path, "sha256": digest,
                                            "size": size}, artifact=digest)
    return Capture(digest, size, record["seq"], data)


def record_input(step: str, body: dict[str, object], command: str, returncode: int, ledger: Ledger) -> None:
    ledger.append("device", Kind.DEVICE_INPUT, {"step": step, **body, "command": command, "returncode": returncode})


def check_typeable(text: str) -> None:
    # `input text` reads %s as a space and passes a shell-safe word; auditor only types digits and dates
    if not _TEXT_SAFE.match(text):
        raise InputError("text to type", f"{text!r}: only letters, digits and .,:/@_+- can be typed")


class AdbScreen:
    """The screen of one phone in one audit: captures go into `case` under `tag`'s file names."""

    def __init__(self, phone: Phone, changes: DeviceChanges, tag: str):
        self.phone = phone
        self.changes = changes
        self.tag = tag

    def _pulled(self, argv: list[str], path: str, max_bytes: int, case: Case) -> tuple[str, int, bytes]:
        change = self.changes.track_file(path, "screen capture file")
        result = self.phone.run([*argv, path])
        if not result.ok:
            raise InputError(f"device {self.phone.serial}", f"{argv[0]} failed ({result.returncode}): "
                                                            f"{(result.stderr or result.stdout).strip()}")
        digest, size = pull_into_case(self.phone, path, case, max_bytes)
        self.phone.run(["rm", "-f", path])
        self.changes.settle(change, "pulled into the case and removed from the device")
        return digest, size, case.artifacts.read_bytes(digest, max_bytes)

    def dump(self, step: str, case: Case, ledger: Ledger) -> Capture:
        path = f"/sdcard/Download/auditor-{self.tag}-ui.xml"
        digest, size, data = self._pulled(["uiautomator", "dump"], path, MAX_UI_DUMP_BYTES, case)
        return store_capture(Kind.DEVICE_UI_DUMP, step, path, digest, size, data, ledger)

    def screenshot(self, step: str, case: Case, ledger: Ledger) -> Capture:
        path = f"/sdcard/Download/auditor-{self.tag}-screen.png"
        digest, size, data = self._pulled(["screencap", "-p"], path, MAX_SCREENSHOT_BYTES, case)
        if not data.startswith(PNG_SIGNATURE):
            raise InputError(f"device {self.phone.serial}:{path}", "screencap -p did not write a PNG")
        return store_capture(Kind.DEVICE_SCREENSHOT, step, path, digest, size, data, ledger)

    def tap(self, step: str, x: int, y: int, ledger: Ledger) -> None:
        self._input(step, ["tap", str(x), str(y)], {"action": "tap", "x": x, "y": y}, ledger)

    def type_text(self, step: str, text: str, ledger: Ledger) -> None:
        check_typeable(text)
        self._input(step, ["text", text], {"action": "text", "text": text}, ledger)

    def _input(self, step: str, argv: list[str], body: dict[str, object], ledger: Ledger) -> None:
        result = self.phone.run(["input", *argv])
        record_input(step, body, result.command, result.returncode, ledger)
        if not result.ok:
            raise InputError(f"device {self.phone.serial}", f"input {argv[0]} failed: {result.stderr.strip()}")

    def _prefs(self, package: str, file: str) -> tuple[ShellResult, str, str]:
        """One of the app's SharedPreferences files: through run-as (a debuggable app), else root."""
        name = f"shared_prefs/{file}.xml"
        path = f"/data/data/{package}/{name}"
        attempt = self.phone.run(["run-as", package, "cat", name])
        if not attempt.ok and self.phone.root().available:
            return self.phone.run_root(["cat", path]), "root", path
        return attempt, "run-as", path

    def consent_store(self, package: str) -> ConsentStore:
        """The app's IAB keys and UMP's state, or unknown with the reason."""
        attempt, how, path = self._prefs(package, f"{package}_preferences")
        if not attempt.ok and "No such file" not in attempt.stderr:
            reason = (f"unknown: run-as refused ({attempt.stderr.strip()}) and the device is not rooted"
                      if how == "run-as" else f"unknown: root could not read it ({attempt.stderr.strip()})")
            return ConsentStore(None, reason, path)
        ump_attempt, _, ump_path = self._prefs(package, UMP_PREFS)
        ump = consent_keys(ump_attempt.stdout.encode("utf-8"), f"device {self.phone.serial}:{ump_path}", UMP_KEY) \
            if ump_attempt.ok else {} if "No such file" in ump_attempt.stderr else None
        if not attempt.ok:
            return ConsentStore({}, f"{how}: the app has no default SharedPreferences file", path, ump)
        return ConsentStore(consent_keys(attempt.stdout.encode("utf-8"), f"device {self.phone.serial}:{path}"),
                            how, path, ump)


def consent_keys(data: bytes, source: str, keys: re.Pattern[str] = CONSENT_KEY) -> dict[str, str]:
    """The consent keys of a SharedPreferences XML file (<map><string name=…>…</string><int …/></map>): the
    IAB ones, or those `keys` matches."""
    root = parse_device_xml(data, source, "SharedPreferences file", MAX_PREFS_BYTES, "map")
    found = {}
    for entry in root:
        name = entry.get("name", "")
        if keys.match(name):
            found[name] = entry.text if entry.tag == "string" else entry.get("value", "")
    return dict(sorted((k, v or "") for k, v in found.items()))
