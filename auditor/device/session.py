"""One preparation of a phone for an audit, and its undo: used by `auditor device setup/restore` and by
`auditor audit`. Records the attestation in the case when there is one."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditor.case.bundle import Case
from auditor.case.events import Kind
from auditor.case.ledger import Ledger
from auditor.device.adb import Phone
from auditor.device.attestation import attest
from auditor.device.certs import load_ca
from auditor.device.journal import Change, Journal
from auditor.device.setup import DeviceChanges
from auditor.errors import InputError
from auditor.importers.planted import Planted
from auditor.importers.planted import record as record_planted


@dataclass(frozen=True)
class SetupRequest:
    proxy: str | None = None               # HOST:PORT for the global HTTP proxy
    reverse_port: int | None = None        # adb reverse this port first (the proxy is then 127.0.0.1:PORT)
    wireguard: Path | None = None          # a WireGuard client configuration to hand over
    ca: Path | None = None                 # the interception CA certificate
    frida_server: Path | None = None       # a frida-server binary to push (else the one on the device)
    frida: bool = True                     # check / start frida-server at all
    device_name: str | None = None         # a honey device name to plant (settings put global device_name)


_HOST = re.compile(r"^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])$")


# What a honey-data run plants elsewhere that adb cannot plant without root, recorded with each planting.
NOT_PLANTABLE_OVER_ADB = {
    "email": "an account is added only through its type's authenticator (the account's sign-in in Settings or "
             "its app); no adb command adds one without root: sign in by hand and declare it (auditor case plant)",
    "contact": "not attempted: `content insert` into content://com.android.contacts runs as the shell user, and "
               "whether the shell holds WRITE_CONTACTS on this build was not checked; add it by hand and declare it",
    "bluetooth_name": "kept by the Bluetooth stack, not settable with adb settings without root (`settings put "
                      "secure bluetooth_name` is not known to change BluetoothAdapter.getName): rename it in "
                      "Settings and declare it",
}
_DEVICE_NAME = re.compile(r"^[A-Za-z0-9._-]{6,64}$")


def check_device_name(value: str) -> str:
    """6 to 64 letters, digits, '.', '_' or '-': long enough to be found by chance never, one adb argument."""
    if not _DEVICE_NAME.match(value):
        raise InputError("--plant-device-name", "expected 6 to 64 letters, digits, '.', '_' or '-'")
    return value


def check_proxy(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not _HOST.match(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(value, "not HOST:PORT (a host name or IP address, and a port 1-65535)")
    return f"{host}:{int(port)}"


# Raw outputs kept whole beside the attestation: what a reviewer may want that the record does not pick out.
RAW_DUMPS = {"getprop": ["getprop"], "settings global": ["settings", "list", "global"],
             "settings secure": ["settings", "list", "secure"], "settings system": ["settings", "list", "system"],
             "packages": ["pm", "list", "packages", "-f", "-U", "--show-versioncode"]}
MAX_DUMP_BYTES = 4 << 20


def record_attestation(phone: Phone, case: Case, ledger: Ledger) -> dict[str, Any]:
    """The attestation into case.json and the ledger, with the raw dumps it came from as artifacts."""
    record = attest(phone)
    dumps = {}
    for name, argv in RAW_DUMPS.items():
        result = phone.run(argv)
        data = (result.stdout + result.stderr).encode()[:MAX_DUMP_BYTES]
        digest = case.artifacts.put_bytes(data)
        ledger.append("device", Kind.DEVICE_DUMP, {"serial": phone.serial, "name": name, "command": " ".join(argv),
                                                  "exit_code": result.returncode, "size": len(data)}, artifact=digest)
        dumps[name] = {"sha256": digest, "exit_code": result.returncode}
    record["raw_dumps"] = dumps
    case.set_section("device", record, ledger=ledger)
    ledger.append("device", Kind.DEVICE_ATTESTATION, record)
    return record


def prepare(phone: Phone, request: SetupRequest, ledger: Ledger | None, case: Case | None,
            sdk: int) -> DeviceChanges:
    """Make the changes; on any failure, undo what was done so far before raising."""
    if request.proxy is not None and request.wireguard is not None:
        raise InputError("setup", "give only one of --proxy HOST:PORT or --wireguard CONF")
    ca = load_ca(request.ca.read_bytes(), str(request.ca)) if request.ca else None
    journal = Journal.load(phone.serial)
    journal.begin(str(case.root) if case else None)
    changes = DeviceChanges(phone, journal, ledger)
    try:
        if request.reverse_port is not None:
            changes.reverse_port(request.reverse_port)
        if request.proxy is not None:
            changes.set_proxy(check_proxy(request.proxy))
        elif request.wireguard is not None:
            changes.hand_over_wireguard(request.wireguard)
        if ca is not None:
            changes.install_ca(ca, sdk)
        else:
            changes.notes.append("no CA certificate given: TLS traffic cannot be read")
        changes.private_dns_off()
        if request.device_name is not None:
            changes.plant_device_name(check_device_name(request.device_name))
            changes.notes += [f"not planted over adb: {what}: {why}" for what, why in NOT_PLANTABLE_OVER_ADB.items()]
            if case is not None and ledger is not None:   # analysis looks for it like any planted value
                record_planted(case, ledger, [Planted("device_name", request.device_name)],
                               "auditor device setup (settings put global device_name)",
                               {"not_planted_over_adb": NOT_PLANTABLE_OVER_ADB})
        if request.frida:
            changes.prepare_frida(request.frida_server)
    except BaseException:
        changes.restore()
        raise
    return changes


def restore(phone: Phone, ledger: Ledger | None, case: Case | None = None) -> tuple[list[Change], list[Change]]:
    """Undo everything the journal of this phone holds; returns (the changes as undone, those that failed).
    Without a journal in the state directory, the case's ledger (if given) says what to undo."""
    journal = Journal.load(phone.serial)
    if not journal.outstanding and case is not None:
        journal = Journal.from_case(phone.serial, case.root)
    outstanding = list(reversed(journal.outstanding))   # in the order they are undone
    failed = DeviceChanges(phone, journal, ledger, case).restore()
    return outstanding, failed
