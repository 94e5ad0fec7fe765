"""Talking to one phone through the adb server, with adbutils (never hand-written protocol code).

The adb server is found the way adb itself finds it: ANDROID_ADB_SERVER_HOST / ANDROID_ADB_SERVER_PORT,
default 127.0.0.1:5037. Every shell command auditor issues goes through `Phone.run`, which keeps the list
in `issued` so an audit can say exactly what it did to the device. Root commands are wrapped in the `su`
form the device understands (Magisk / KernelSU `su -c`, AOSP userdebug `su 0`), learned once per phone.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field

import adbutils

from auditor.errors import InputError

SHELL_TIMEOUT = 60.0
MAX_SHELL_OUTPUT = 4 << 20


class Glob(str):
    """An argument the device's shell must expand: `Glob("/dir")` is passed as /dir/* unquoted."""


def join(argv: list[str]) -> str:
    """One shell command line: every argument quoted, except the `*` of a Glob."""
    return " ".join(shlex.quote(a) + "/*" if isinstance(a, Glob) else shlex.quote(a) for a in argv)


@dataclass(frozen=True)
class ShellResult:
    command: str
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


@dataclass(frozen=True)
class RootAccess:
    """How this phone grants root: `kind` as detected, `how` the probe that showed it."""

    kind: str | None            # "magisk", "kernelsu", "aosp-su", "adbd-root" or None (not rooted)
    how: str

    @property
    def available(self) -> bool:
        return self.kind is not None


def server_address() -> tuple[str, int]:
    host = os.environ.get("ANDROID_ADB_SERVER_HOST", "127.0.0.1")
    port_text = os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")
    try:
        port = int(port_text)
    except ValueError:
        raise InputError("ANDROID_ADB_SERVER_PORT", f"not a port number: {port_text!r}") from None
    return host, port


def client() -> adbutils.AdbClient:
    host, port = server_address()
    return adbutils.AdbClient(host=host, port=port, socket_timeout=SHELL_TIMEOUT)


def _server_error(exc: Exception) -> InputError:
    host, port = server_address()
    return InputError(f"adb server {host}:{port}", f"not reachable ({exc}); start it with 'adb start-server'")


@dataclass(frozen=True)
class ListedDevice:
    serial: str
    state: str


def list_devices() -> list[ListedDevice]:
    try:
        return [ListedDevice(info.serial, info.state) for info in client().list()]
    except (adbutils.AdbError, OSError) as exc:
        raise _server_error(exc) from None


@dataclass
class Phone:
    """One connected phone: shell (as shell user or root), file push and pull."""

    serial: str
    device: adbutils.AdbDevice
    issued: list[str] = field(default_factory=list)
    _root: RootAccess | None = None

    @classmethod
    def connect(cls, serial: str) -> Phone:
        states = {d.serial: d.state for d in list_devices()}
        if serial not in states:
            listed = ", ".join(sorted(states)) or "none"
            raise InputError(f"device {serial}", f"not attached to the adb server (attached: {listed})")
        if states[serial] != "device":
            raise InputError(f"device {serial}", f"is {states[serial]}, not ready (authorise USB debugging?)")
        return cls(serial, client().device(serial))

    # -- shell ------------------------------------------------------------------------------------
    def run(self, argv: list[str], timeout: float = SHELL_TIMEOUT) -> ShellResult:
        """Run one command as the shell user; arguments are quoted, never interpreted by a shell."""
        return self._shell(join(argv), timeout)

    def run_root(self, argv: list[str], timeout: float = SHELL_TIMEOUT) -> ShellResult:
        """Run one command as root, through the su form this phone understands."""
        access = self.root()
        if access.kind is None:
            raise InputError(f"device {self.serial}", "this step needs root and the device is not rooted")
        inner = join(argv)
        if access.kind == "adbd-root":
            return self._shell(inner, timeout)
        if access.kind == "aosp-su":
            return self._shell(shlex.join(["su", "0", "sh", "-c", inner]), timeout)
        return self._shell(shlex.join(["su", "-c", inner]), timeout)

    def _shell(self, command: str, timeout: float) -> ShellResult:
        self.issued.append(command)
        try:
            result = self.device.shell2(command, timeout=timeout, encoding=None, v2=True)
        except (adbutils.AdbError, OSError) as exc:
            raise InputError(f"device {self.serial}", f"shell command failed to run: {command!r}: {exc}") from None
        out = result.stdout[:MAX_SHELL_OUTPUT].decode("utf-8", "replace")
        err = result.stderr[:MAX_SHELL_OUTPUT].decode("utf-8", "replace")
        return ShellResult(command, result.returncode, out, err)

    def root(self) -> RootAccess:
        """Learn once whether and how root is available; the probes themselves change nothing."""
        if self._root is None:
            self._root = self._probe_root()
        return self._root

    def _probe_root(self) -> RootAccess:
        if "uid=0(" in self._shell("id", SHELL_TIMEOUT).stdout:
            return RootAccess("adbd-root", "'id' in adb shell reports uid 0")
        version = self._shell("su -v", SHELL_TIMEOUT)
        if version.ok and version.stdout.strip():
            text = version.stdout.strip()
            kind = "kernelsu" if "kernelsu" in text.lower() else "magisk" if "magisk" in text.lower() else None
            if kind and "uid=0(" in self._shell("su -c id", SHELL_TIMEOUT).stdout:
                return RootAccess(kind, f"'su -v' printed {text!r} and 'su -c id' reports uid 0")
        if "uid=0(" in self._shell("su 0 id", SHELL_TIMEOUT).stdout:
            return RootAccess("aosp-su", "'su 0 id' (AOSP userdebug su) reports uid 0")
        return RootAccess(None, "no su binary gave uid 0 ('su -v', 'su 0 id'); adbd runs as shell")

    # -- reverse port forwarding (the phone's 127.0.0.1:PORT reaches the host's) -----------------
    def reverse(self, port: int) -> None:
        self.issued.append(f"<reverse tcp:{port} tcp:{port}>")
        try:
            self.device.reverse(f"tcp:{port}", f"tcp:{port}", norebind=True)
        except (adbutils.AdbError, OSError) as exc:
            raise InputError(f"device {self.serial}", f"adb reverse tcp:{port} failed: {exc}") from None

    def reverse_remove(self, port: int) -> bool:
        """Remove one reverse forward; False if it was not there."""
        self.issued.append(f"<reverse --remove tcp:{port}>")
        try:
            self.device.reverse_remove(f"tcp:{port}")
        except adbutils.AdbError:
            return False
        return True

    # -- files --------------------------------------------------------------------------------------
    def push(self, data: bytes, remote: str, mode: int = 0o644) -> None:
        try:
            self.device.sync.push(data, remote, mode=mode)
        except (adbutils.AdbError, OSError) as exc:
            raise InputError(f"device {self.serial}", f"could not push {remote}: {exc}") from None
        self.issued.append(f"<push {len(data)} bytes to {remote}>")

    def pull(self, remote: str, max_bytes: int) -> Iterator[bytes]:
        """Stream a file off the device, refusing more than max_bytes."""
        self.issued.append(f"<pull {remote}>")
        total = 0
        try:
            for chunk in self.device.sync.iter_content(remote):
                total += len(chunk)
                if total > max_bytes:
                    raise InputError(f"device {self.serial}:{remote}", f"larger than the {max_bytes}-byte limit")
                yield chunk
        except (adbutils.AdbError, OSError) as exc:
            raise InputError(f"device {self.serial}", f"could not pull {remote}: {exc}") from None
