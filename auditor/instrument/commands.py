"""`auditor instrument`: run auditor's Frida agent in an app and stream its events into a case."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.case.bundle import Case
from auditor.cli_options import case_argument, json_option
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants, clipboard_canary, coordinates, phone_number, wifi
from auditor.instrument.run import Request, run
from auditor.instrument.tls import TlsOptions, patterns_only_option, tls_options
from auditor.output import emit


def _device_choice(usb: bool, remote: str | None, device_id: str | None) -> DeviceChoice:
    chosen = [c for c in (usb and DeviceChoice("usb"), remote and DeviceChoice("remote", remote),
                          device_id and DeviceChoice("id", device_id)) if c]
    if len(chosen) > 1:
        raise InputError("device", "choose one of --usb, --remote and --device")
    return chosen[0] if chosen else DeviceChoice("local")


@click.command("instrument")
@case_argument()
@click.argument("argv", nargs=-1, type=click.UNPROCESSED)
@click.option("--usb", is_flag=True, help="The USB-connected device (frida-server running on it).")
@click.option("--remote", metavar="HOST:PORT", help="A remote frida-server (or Frida portal) at HOST:PORT.")
@click.option("--device", "device_id", metavar="ID", help="A device by its Frida id.")
@click.option("--spawn", "spawn_package", metavar="PACKAGE", help="Spawn this app (package name) suspended.")
@click.option("--pid", type=int, help="Attach to this running process.")
@click.option("--attach", "attach_name", metavar="NAME", help="Attach to the running app or process NAME.")
@click.option("--app-package", help="The app's own package, for first-party attribution (default: the "
              "spawned or attached package).")
@click.option("--plant-clipboard", metavar="TEXT|auto", help="Clipboard reads return this canary ('auto': a "
              "fresh random one).")
@click.option("--plant-location", metavar="LAT,LON", help="Location reads return these coordinates.")
@click.option("--plant-wifi", metavar="SSID,BSSID", help="Wi-Fi reads (WifiInfo.getSSID/getBSSID) return this "
              "network.")
@click.option("--plant-phone", metavar="+NUMBER", help="Phone-number reads (getLine1Number) return this number.")
@click.option("--duration", type=click.FloatRange(min=0.1), help="Seconds to instrument, then unhook and detach "
              "(default: until the target ends).")
@click.option("--no-child-gating", is_flag=True, help="Do not hold and instrument child processes.")
@tls_options
@patterns_only_option
@json_option()
def instrument(case_dir: Path, argv: tuple[str, ...], usb: bool, remote: str | None, device_id: str | None,
               spawn_package: str | None, pid: int | None, attach_name: str | None, app_package: str | None,
               plant_clipboard: str | None, plant_location: str | None, plant_wifi: str | None,
               plant_phone: str | None, duration: float | None,
               no_child_gating: bool, unpin: bool, keylog: bool, patterns_only: bool, as_json: bool) -> None:
    """Instrument an app and record every privacy-relevant API call into CASE_DIR.

    The target is --spawn PACKAGE, --pid, --attach NAME, or a program to spawn given after `--`
    (e.g. `auditor instrument CASE -- /usr/bin/java -cp app.jar Main`). Events stream into the case's ledger
    as they arrive; on the end the hooks are removed before detaching, so the app keeps running unmodified.
    """
    targets = [t for t in (spawn_package, pid, attach_name, argv or None) if t is not None]
    if len(targets) != 1:
        raise InputError("target", "give exactly one of --spawn PACKAGE, --pid, --attach NAME or -- PROGRAM ARGS")
    case = Case.open(case_dir)
    request = Request(
        device=_device_choice(usb, remote, device_id),
        spawn=(spawn_package,) if spawn_package else (tuple(argv) if argv else None),
        pid=pid, attach_name=attach_name, app_package=app_package or spawn_package,
        plants=Plants(clipboard_canary(plant_clipboard), coordinates(plant_location), *wifi(plant_wifi),
                      phone_number(plant_phone)),
        duration=duration, gate_children=not no_child_gating, tls=TlsOptions(unpin=unpin, keylog=keylog,
                                                                    patterns_only=patterns_only))
    result = run(case, request)
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
    emit(result.as_dict(), as_json, f"pid {result.pid}: {result.verdict}; recorded {counts}")
