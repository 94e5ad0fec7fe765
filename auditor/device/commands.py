"""Commands of the device room: device list / check / setup / restore."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from auditor.case.bundle import Case
from auditor.case.ledger import Ledger
from auditor.cli_options import case_option, json_option
from auditor.device import adb
from auditor.device.adb import Phone
from auditor.device.attestation import attest
from auditor.device.session import SetupRequest, prepare, record_attestation, restore
from auditor.errors import CheckFailed, InputError
from auditor.output import emit

FILE = click.Path(path_type=Path, dir_okay=False, exists=True)
DEFAULT_CA = Path.home() / ".mitmproxy" / "mitmproxy-ca-cert.pem"


@click.group("device")
def device_group() -> None:
    """Attest, prepare and restore a test phone over adb."""


@device_group.command("list")
@json_option()
def device_list(as_json: bool) -> None:
    """List the devices the adb server knows."""
    devices = adb.list_devices()
    emit([{"serial": d.serial, "state": d.state} for d in devices], as_json,
         "\n".join(f"{d.serial}\t{d.state}" for d in devices) or "no devices attached")


def describe_attestation(record: dict[str, Any]) -> str:
    lines = [f"device {record['serial']} (attested {record['collected_started']})"]
    for name, entry in record["fields"].items():
        value = entry["value"] if entry["known"] else "unknown"
        if isinstance(value, dict) and "count" in value:
            value = f"{value['count']} certificates"
        elif isinstance(value, dict) and name == "ca_apex_store":
            value = "; ".join(f"{k}: {v['value']['count'] if v['known'] else 'unknown'}" for k, v in value.items())
        elif isinstance(value, dict) and name == "frida_server":
            value = (f"{value['version'] or 'absent'} at {value['path'] or '-'} ({value['abi'] or 'abi unknown'}), "
                     f"{'running' if value['running'] else 'not running'}, host frida {value['host_version']}")
        lines.append(f"  {name:22} {value}    [{entry['how']}]")
    lines += [f"warning: {w}" for w in record["warnings"]]
    return "\n".join(lines)


@contextlib.contextmanager
def _optional_ledger(case_dir: Path | None) -> Iterator[tuple[Case | None, Ledger | None]]:
    if case_dir is None:
        yield None, None
        return
    case = Case.open(case_dir)
    with case.ledger(fsync_interval=0) as ledger:
        yield case, ledger


@device_group.command("check")
@click.option("--serial", required=True, help="The device's adb serial (see 'auditor device list').")
@case_option("Also record the attestation in this case.", exists=True)
@json_option()
def device_check(serial: str, case_dir: Path | None, as_json: bool) -> None:
    """Attest a device: what it is, its CA stores, DNS, proxy, root, clock and frida-server."""
    phone = Phone.connect(serial)
    with _optional_ledger(case_dir) as (case, ledger):
        record = record_attestation(phone, case, ledger) if case and ledger else attest(phone)
    emit(record, as_json, describe_attestation(record))


@device_group.command("setup")
@click.option("--serial", required=True, help="The device's adb serial.")
@click.option("--proxy", metavar="HOST:PORT", help="Set the global HTTP proxy to this address (as seen by the phone).")
@click.option("--wireguard", type=FILE, help="Hand over this WireGuard client configuration.")
@click.option("--ca", type=FILE, help=f"Interception CA certificate to install (default {DEFAULT_CA} if present).")
@click.option("--frida-server", "frida_binary", type=FILE, help="frida-server binary to push and start.")
@click.option("--no-frida", is_flag=True, help="Leave frida-server alone.")
@click.option("--plant-device-name", "device_name", metavar="NAME",
              help="Plant this honey device name (settings put global device_name; restored with the rest).")
@case_option("Record the changes in this case's ledger.", exists=True)
@json_option()
def device_setup(serial: str, proxy: str | None, wireguard: Path | None, ca: Path | None,
                 frida_binary: Path | None, no_frida: bool, device_name: str | None, case_dir: Path | None,
                 as_json: bool) -> None:
    """Prepare a device for interception; every change is journalled for 'auditor device restore'."""
    if (proxy is None) == (wireguard is None):
        raise InputError("setup", "give exactly one of --proxy HOST:PORT or --wireguard CONF")
    phone = Phone.connect(serial)
    if ca is None and DEFAULT_CA.exists():
        ca = DEFAULT_CA
    sdk_text = phone.run(["getprop", "ro.build.version.sdk"]).stdout.strip()
    request = SetupRequest(proxy=proxy, wireguard=wireguard, ca=ca, frida_server=frida_binary, frida=not no_frida,
                           device_name=device_name)
    with _optional_ledger(case_dir) as (_case, ledger):
        changes = prepare(phone, request, ledger, _case, int(sdk_text) if sdk_text.isdigit() else 0)
    data = {"serial": serial, "changes": [vars(c) for c in changes.journal.changes], "notes": changes.notes,
            "journal": str(changes.journal.path)}
    text = [f"{c.setting}: {c.old!r} -> {c.new!r}" for c in changes.journal.changes]
    text += [f"note: {n}" for n in changes.notes]
    text.append(f"undo with: auditor device restore --serial {serial}")
    emit(data, as_json, "\n".join(text))


@device_group.command("restore")
@click.option("--serial", required=True, help="The device's adb serial.")
@case_option("Record the restore in this case's ledger; without a journal on this machine, undo the "
             "changes this case's ledger records.", exists=True)
@json_option()
def device_restore(serial: str, case_dir: Path | None, as_json: bool) -> None:
    """Undo every change auditor made to a device (also after a crashed or interrupted audit)."""
    phone = Phone.connect(serial)
    with _optional_ledger(case_dir) as (_case, ledger):
        changes, failed = restore(phone, ledger, _case)
    data = {"serial": serial, "restored": [vars(c) for c in changes if c not in failed],
            "failed": [vars(c) for c in failed]}
    lines = [f"{c.setting}: {c.status} ({c.restore_note})" for c in changes] or ["nothing to restore"]
    emit(data, as_json, "\n".join(lines))
    if failed:
        raise CheckFailed(f"{len(failed)} change(s) could not be restored; the journal keeps them for another try")
