"""Preparing a phone for interception, and putting it back exactly as it was.

Each change goes: read the old value → journal entry (pending) → change → journal "applied" → ledger
`device.change`. `restore` walks the journal backwards, undoes each change, checks the value is back and
writes `device.restore`. Undo steps are idempotent, so restoring after a crash at any point is safe.

The CA goes into the user store (root only; without root the certificate is pushed to Download for the
operator to install by hand) and, on rooted phones, into the system store by mounting a tmpfs copy over
/system/etc/security/cacerts. From Android 14 the trusted store lives in the Conscrypt APEX, mounted
privately per namespace, so the copy is also bind-mounted over the APEX directory in init's namespace and
in each zygote's (apps fork from zygote and inherit its mounts; apps already running keep the old view
and must be restarted, which the audit does by force-stopping the app before spawning it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.device import frida_server
from auditor.device.adb import Glob, Phone, ShellResult
from auditor.device.attestation import APEX_CACERTS, SYSTEM_CACERTS, USER_CACERTS
from auditor.device.certs import CaCertificate
from auditor.device.journal import Change, Journal, validate_undo
from auditor.device.pull import MAX_RECORDING_BYTES, RECORDING, pull_into_case
from auditor.errors import CheckFailed, InputError

CA_STAGING = "/data/local/tmp/auditor-cacerts"
FRIDA_PUSH_PATH = "/data/local/tmp/auditor-frida-server"
WIREGUARD_PATH = "/sdcard/Download/auditor-wireguard.conf"
MANUAL_CA_PATH = "/sdcard/Download/auditor-mitmproxy-ca.crt"
MAX_WIREGUARD_BYTES = 16 * 1024
MAX_FRIDA_SERVER_BYTES = 200 << 20


def _check(result: ShellResult, what: str) -> ShellResult:
    if not result.ok:
        raise CheckFailed(f"{what}: '{result.command}' exited {result.returncode}: {result.stderr.strip()}")
    return result


class DeviceChanges:
    """Makes and undoes recorded changes on one phone."""

    def __init__(self, phone: Phone, journal: Journal, ledger: Ledger | None = None, case: Case | None = None):
        self.phone = phone
        self.journal = journal
        self.ledger = ledger
        self.case = case            # where restore saves recordings a crashed audit left on the device
        self.notes: list[str] = []

    # -- bookkeeping -------------------------------------------------------------------------------
    def _apply(self, setting: str, old: Any, new: Any, undo: dict[str, Any], steps: list[list[str]],
               root: bool = False) -> Change:
        change = self.journal.record(setting, old, new, undo)
        issued_before = len(self.phone.issued)
        for argv in steps:
            _check(self.phone.run_root(argv) if root else self.phone.run(argv), setting)
        self.journal.mark(change, "applied")
        self._event(Kind.DEVICE_CHANGE, change, self.phone.issued[issued_before:])
        return change

    def _event(self, kind: str, change: Change, commands: list[str]) -> None:
        if self.ledger is not None:
            self.ledger.append("device", kind, {"serial": self.phone.serial, "id": change.id, "setting": change.setting,
                                                "old": change.old, "new": change.new, "undo": change.undo,
                                                "status": change.status, "note": change.restore_note,
                                                "commands": commands})

    def _get_setting(self, namespace: str, key: str) -> str | None:
        result = _check(self.phone.run(["settings", "get", namespace, key]), f"read {namespace} {key}")
        text = result.stdout.strip()
        return None if text == "null" else text

    def _put_setting(self, namespace: str, key: str, value: str, old: str | None) -> Change:
        return self._apply(f"settings {namespace} {key}", old, value,
                           {"action": "setting", "namespace": namespace, "key": key, "value": old},
                           [["settings", "put", namespace, key, value]])

    # -- the changes -------------------------------------------------------------------------------
    def set_proxy(self, host_port: str) -> None:
        self._put_setting("global", "http_proxy", host_port, self._get_setting("global", "http_proxy"))

    def reverse_port(self, port: int) -> None:
        """Let the phone reach the host's port as its own 127.0.0.1:PORT, over the adb connection."""
        change = self.journal.record(f"adb reverse tcp:{port}", None, f"tcp:{port}",
                                     {"action": "reverse_remove", "port": port})
        self.phone.reverse(port)
        self.journal.mark(change, "applied")
        self._event(Kind.DEVICE_CHANGE, change, self.phone.issued[-1:])

    def plant_device_name(self, name: str) -> None:
        """The honey device name apps read from Settings.Global (DEVICE_NAME), put back on restore."""
        self._put_setting("global", "device_name", name, self._get_setting("global", "device_name"))

    def private_dns_off(self) -> None:
        mode = self._get_setting("global", "private_dns_mode")
        if mode != "off":
            self._put_setting("global", "private_dns_mode", "off", mode)

    def track_file(self, path: str, setting: str) -> Change:
        """A file the device itself is about to create (a screen recording): removed by restore."""
        change = self.journal.record(setting, None, path, {"action": "remove_file", "path": path, "root": False})
        self.journal.mark(change, "applied")
        self._event(Kind.DEVICE_CHANGE, change, [])
        return change

    def settle(self, change: Change, note: str) -> None:
        """A change undone outside restore (a recording pulled and removed): close it in journal and ledger."""
        self.journal.mark(change, "restored", note)
        self._event(Kind.DEVICE_RESTORE, change, [])

    def push_file(self, data: bytes, path: str, setting: str, mode: int = 0o644) -> None:
        change = self.journal.record(setting, None, path, {"action": "remove_file", "path": path, "root": False})
        self.phone.push(data, path, mode=mode)
        self.journal.mark(change, "applied")
        self._event(Kind.DEVICE_CHANGE, change, self.phone.issued[-1:])

    def hand_over_wireguard(self, config: Path) -> None:
        data = config.read_bytes()
        if len(data) > MAX_WIREGUARD_BYTES or b"[Interface]" not in data or b"[Peer]" not in data:
            raise InputError(config, "not a WireGuard configuration (needs [Interface] and [Peer], < 16 KiB)")
        self.push_file(data, WIREGUARD_PATH, "wireguard configuration file")
        self.notes.append(f"import {WIREGUARD_PATH} in the WireGuard app and switch the tunnel on")

    def install_ca(self, ca: CaCertificate, sdk: int) -> None:
        if not self.phone.root().available:
            self.push_file(ca.pem, MANUAL_CA_PATH, "CA certificate for manual installation")
            self.notes.append(f"not rooted: install {MANUAL_CA_PATH} under Settings → Security → "
                              "Encryption & credentials → Install a certificate → CA certificate; "
                              "apps that trust only the system store will refuse the interception")
            return
        self._install_user_ca(ca)
        self._install_system_ca(ca, sdk)

    def _install_user_ca(self, ca: CaCertificate) -> None:
        path = f"{USER_CACERTS}/{ca.file_name()}"
        if self.phone.run_root(["cat", path]).ok:
            self.notes.append(f"user store already holds {ca.file_name()}; left as it is")
            return
        staged = f"/data/local/tmp/auditor-{ca.file_name()}"
        self.phone.push(ca.der, staged)
        try:
            self._apply("user CA store", None, ca.file_name(), {"action": "remove_file", "path": path, "root": True},
                        [["mkdir", "-p", USER_CACERTS], ["cp", staged, path], ["chown", "system:system", path],
                         ["chmod", "644", path]], root=True)
        finally:
            self.phone.run(["rm", "-f", staged])

    def _install_system_ca(self, ca: CaCertificate, sdk: int) -> None:
        # a tmpfs over the system store, filled with the current store plus our CA
        source = APEX_CACERTS if sdk >= 34 else SYSTEM_CACERTS
        staged = f"/data/local/tmp/auditor-{ca.file_name()}"
        self.phone.push(ca.pem, staged)
        try:
            _check(self.phone.run_root(["mkdir", "-p", CA_STAGING]), "staging directory")
            _check(self.phone.run_root(["cp", Glob(source), CA_STAGING]), "copy of the current CA store")
            self._apply("system CA store (tmpfs overlay)", "device's own store", ca.file_name(),
                        {"action": "umount", "target": SYSTEM_CACERTS, "namespace_pid": None, "root": True,
                         "ca_file": ca.file_name()},
                        [["mount", "-t", "tmpfs", "tmpfs", SYSTEM_CACERTS],
                         ["cp", Glob(CA_STAGING), SYSTEM_CACERTS],
                         ["cp", staged, f"{SYSTEM_CACERTS}/{ca.file_name()}"],
                         ["chown", "root:root", Glob(SYSTEM_CACERTS)], ["chmod", "644", Glob(SYSTEM_CACERTS)],
                         ["chcon", "u:object_r:system_file:s0", Glob(SYSTEM_CACERTS)]], root=True)
        finally:
            self.phone.run_root(["rm", "-rf", CA_STAGING])
            self.phone.run(["rm", "-f", staged])
        if sdk < 34:
            return
        self._apply("APEX CA store (init namespace)", "device's own store", ca.file_name(),
                    {"action": "umount", "target": APEX_CACERTS, "namespace_pid": None, "root": True,
                     "ca_file": ca.file_name()},
                    [["mount", "--bind", SYSTEM_CACERTS, APEX_CACERTS]], root=True)
        for name in ("zygote", "zygote64"):
            pids = self.phone.run(["pidof", name])
            for pid in (int(p) for p in pids.stdout.split() if p.isdigit()):
                self._apply(f"APEX CA store ({name} pid {pid} namespace)", "device's own store", ca.file_name(),
                            {"action": "umount", "target": APEX_CACERTS, "namespace_pid": pid, "root": True,
                             "ca_file": ca.file_name()},
                            [["nsenter", f"--mount=/proc/{pid}/ns/mnt", "--", "mount", "--bind",
                              SYSTEM_CACERTS, APEX_CACERTS]], root=True)

    def prepare_frida(self, server_binary: Path | None) -> frida_server.FridaServer:
        """Make a frida-server of the host's version run: push one if given, start it as root."""
        if server_binary is not None:
            data = server_binary.read_bytes()
            if len(data) > MAX_FRIDA_SERVER_BYTES or data[:4] != b"\x7fELF":
                raise InputError(server_binary, "not an ELF frida-server binary of sane size")
            self.push_file(data, FRIDA_PUSH_PATH, "frida-server binary", mode=0o755)
        server = frida_server.probe(self.phone, (FRIDA_PUSH_PATH,) if server_binary else frida_server.DEFAULT_PATHS)
        if server.path is None:
            raise CheckFailed("no frida-server on the device; pass --frida-server FILE (the build for "
                              f"frida {server.host_version} and the device's ABI)")
        if server.matches_host is False:
            raise CheckFailed(f"frida-server {server.version} at {server.path} does not match the host's frida "
                              f"{server.host_version}; pass --frida-server FILE with the matching build")
        if server.pids:
            self.notes.append(f"frida-server already running (pid {', '.join(map(str, server.pids))}); left running")
            return server
        if not self.phone.root().available:
            raise CheckFailed("frida-server is not running and the device is not rooted; start it by hand")
        _check(self.phone.run_root([server.path, "-D"]), "start frida-server")
        pids = frida_server.running_pids(self.phone)
        if not pids:
            raise CheckFailed(f"frida-server at {server.path} did not start")
        name = server.path.rsplit("/", 1)[1]
        for pid in pids:
            change = self.journal.record("frida-server process", "not running", f"pid {pid}",
                                         {"action": "kill", "pid": pid, "name": name, "root": True})
            self.journal.mark(change, "applied")
            self._event(Kind.DEVICE_CHANGE, change, self.phone.issued[-2:])
        server.pids = pids
        return server

    # -- restore -----------------------------------------------------------------------------------
    def restore(self) -> list[Change]:
        """Undo every outstanding change, newest first; returns those that could not be verified."""
        failed = []
        for change in reversed(self.journal.outstanding):
            issued_before = len(self.phone.issued)
            try:
                note = self._undo(validate_undo(change.undo))
                self.journal.mark(change, "restored", note)
            except (CheckFailed, InputError) as exc:
                self.journal.mark(change, "restore_failed", str(exc))
                failed.append(change)
            self._event(Kind.DEVICE_RESTORE, change, self.phone.issued[issued_before:])
        return failed

    def _recover_recording(self, path: str) -> str:
        """A screen recording still on the device belongs to a crashed audit: evidence, so into the case first."""
        if not (RECORDING.match(path) and self.case is not None and self.ledger is not None
                and not self.case.sealed and self.phone.run(["ls", path]).ok):
            return ""
        digest, size = pull_into_case(self.phone, path, self.case, MAX_RECORDING_BYTES)
        self.ledger.append("device", Kind.DEVICE_SCREENRECORD, {"device_path": path, "started": None, "ended": None,
                                                                "sha256": digest, "size": size, "error": None,
                                                                "recovered_by_restore": True}, artifact=digest)
        return f" after saving it into the case (sha256 {digest})"

    def _zygote_alive(self, pid: int) -> bool:
        return any(str(pid) in self.phone.run(["pidof", name]).stdout.split() for name in ("zygote", "zygote64"))

    def _undo(self, undo: dict[str, Any]) -> str:
        run = self.phone.run_root if undo.get("root") else self.phone.run
        action = undo["action"]
        if action == "setting":
            namespace, key, value = undo["namespace"], undo["key"], undo["value"]
            if value is None:
                _check(self.phone.run(["settings", "delete", namespace, key]), f"delete {key}")
            else:
                _check(self.phone.run(["settings", "put", namespace, key, value]), f"put back {key}")
            now = self._get_setting(namespace, key)
            if now != value:
                raise CheckFailed(f"{namespace} {key} reads {now!r} after restore, expected {value!r}")
            return f"{key} back to {'unset' if value is None else repr(value)}, verified by reading it"
        if action == "remove_file":
            recovered = self._recover_recording(undo["path"])
            run(["rm", "-f", undo["path"]])
            if run(["cat", undo["path"]]).ok:
                raise CheckFailed(f"{undo['path']} still present after removal")
            if undo["path"] == MANUAL_CA_PATH:
                return (f"removed {undo['path']}; if the CA was installed from it, remove it by hand under "
                        "Settings → Security → Encryption & credentials → User credentials")
            return f"removed {undo['path']}" + recovered
        if action == "reverse_remove":
            removed = self.phone.reverse_remove(undo["port"])
            return f"removed adb reverse tcp:{undo['port']}" if removed else "reverse forward already gone"
        if action == "umount":
            pid = undo["namespace_pid"]
            enter = [] if pid is None else ["nsenter", f"--mount=/proc/{pid}/ns/mnt", "--"]
            result = self.phone.run_root([*enter, "umount", undo["target"]])
            if not result.ok:
                if pid is not None and not self._zygote_alive(pid):
                    return f"process {pid} is gone, and its mount namespace with it"
                raise CheckFailed(f"'{result.command}' failed: {result.stderr.strip()}")
            where = f" in pid {pid}'s namespace" if pid else ""
            listing = self.phone.run_root([*enter, "ls", "-1", undo["target"]]).stdout.split()
            if undo.get("ca_file") in listing:
                raise CheckFailed(f"{undo['target']}{where} still lists {undo['ca_file']} after umount")
            return f"unmounted {undo['target']}{where}; the CA is no longer listed there"
        # kill
        if str(undo["pid"]) not in self.phone.run(["pidof", undo["name"]]).stdout.split():
            return f"{undo['name']} pid {undo['pid']} no longer running"
        _check(self.phone.run_root(["kill", str(undo["pid"])]), f"stop {undo['name']}")
        return f"stopped {undo['name']} pid {undo['pid']}"
