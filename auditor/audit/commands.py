"""The `auditor audit` command."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from auditor.audit.consent_dialog import Choice
from auditor.audit.persona import Entry, Persona
from auditor.audit.plan import AuditPlan, PassiveWire
from auditor.audit.rooms import load
from auditor.audit.run import Audit
from auditor.capture.pcap import DEFAULT_INTERFACE
from auditor.capture.proxy import DEFAULT_CONFDIR, CaptureMode
from auditor.cli_options import case_option, controller_options, declared_controller, json_option
from auditor.errors import CheckFailed, InputError
from auditor.instrument.planting import Plants, clipboard_canary, coordinates
from auditor.instrument.tls import TlsOptions, tls_options
from auditor.output import emit

FILE = click.Path(path_type=Path, dir_okay=False, exists=True)


@click.command("audit")
@click.option("--serial", required=True, help="The device's adb serial (see 'auditor device list').")
@click.option("--package", required=True, help="The app's package name, e.g. com.example.app.")
@click.option("--apk", type=FILE, help="The APK file as well (or instead, when it cannot be pulled).")
@click.option("--persona", type=click.Choice([p.value for p in Persona]),
              help="The test persona (child 13, teen 16, adult 30).")
@click.option("--persona-entry", type=click.Choice([e.value for e in Entry]),
              help="Enter the persona at the app's age gate: typed by auditor (scripted) or by the operator; "
                   "either way with screenshots. Default: not entered.")
@click.option("--consent", type=click.Choice([c.value for c in Choice]),
              help="Find the app's consent dialog and accept or refuse it (auditor taps), let the operator choose, "
                   "or leave it open (none). Default: not looked for.")
@click.option("--ui-wait", type=click.FloatRange(min=1), default=30, show_default=True,
              help="Seconds to wait for the age gate and the consent dialog to show.")
@click.option("--duration", type=click.FloatRange(min=1), help="Seconds to observe (default: until 'q' or Ctrl-C).")
@case_option("New case directory (default: ./cases/PACKAGE-UTCTIME).")
@click.option("--proxy-mode", type=click.Choice([CaptureMode.REGULAR.value, CaptureMode.WIREGUARD.value]),
              default=CaptureMode.REGULAR.value, show_default=True,
              help="regular: global HTTP proxy; wireguard: the phone's WireGuard app tunnels to mitmproxy.")
@click.option("--proxy-host", help="Host address as the phone reaches it (default: adb reverse to 127.0.0.1; "
                                   "wireguard mode needs it).")
@click.option("--tunnel-wait", type=click.FloatRange(min=1), default=300, show_default=True,
              help="wireguard mode: seconds to wait for the phone's traffic through the tunnel before the app starts.")
@click.option("--frida-server", "frida_binary", type=FILE, help="frida-server build to push and start.")
@click.option("--operator", help="Name of the person running the audit.")
@click.option("--plant-clipboard", metavar="TEXT|auto", default="auto", show_default=True,
              help="Clipboard reads in the app return this canary ('auto': a fresh random one per audit).")
@click.option("--plant-location", metavar="LAT,LON", help="Location reads in the app return these coordinates.")
@click.option("--confdir", default=DEFAULT_CONFDIR, show_default=True,
              help="mitmproxy configuration directory; its CA is the one installed on the phone.")
@click.option("--passive", is_flag=True,
              help="Run no proxy: record the phone's traffic as it is (dumpcap on --pcap-interface, a host its "
                   "traffic passes), with the app's own TLS keys (implies --keylog; excludes --unpin, wireguard "
                   "mode and --proxy-host).")
@click.option("--pcap-interface", default=DEFAULT_INTERFACE, show_default=True, help="With --passive: the interface.")
@click.option("--passive-filter", default="", metavar="FILTER",
              help="With --passive: a capture filter (libpcap syntax, e.g. 'host 192.168.4.2'); default all.")
@controller_options()
@tls_options
@json_option()
def audit(serial: str, package: str, apk: Path | None, persona: str | None, persona_entry: str | None,
          consent: str | None, ui_wait: float, duration: float | None,
          case_dir: Path | None, proxy_mode: str, proxy_host: str | None, tunnel_wait: float,
          frida_binary: Path | None, operator: str | None, plant_clipboard: str, plant_location: str | None,
          confdir: str, controller: str | None, controller_source: str | None, controller_domains: tuple[str, ...],
          passive: bool, pcap_interface: str, passive_filter: str, unpin: bool, keylog: bool,
          as_json: bool) -> None:
    """Run a live audit: attest, capture, hook, record, mark, restore the device and seal the case.

    Exit status 1 when the audit ended in an error or the device may not be fully restored.
    """
    case_dir = case_dir or Path("cases") / f"{package}-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}"
    plants = Plants(clipboard_canary(plant_clipboard), coordinates(plant_location))
    declared = declared_controller(controller, controller_source, controller_domains)
    if not passive and (passive_filter or pcap_interface != DEFAULT_INTERFACE):
        raise InputError("--passive-filter/--pcap-interface", "are for --passive")
    plan = AuditPlan(serial=serial, package=package, case_dir=case_dir, apk=apk, persona=persona,
                     controller=declared, tls=TlsOptions(unpin=unpin, keylog=keylog or passive),
                     passive=PassiveWire(pcap_interface, passive_filter) if passive else None,
                     persona_entry=Entry(persona_entry) if persona_entry else None,
                     consent=Choice(consent) if consent else None, ui_wait=ui_wait,
                     duration=duration, proxy_mode=proxy_mode, proxy_host=proxy_host, tunnel_wait=tunnel_wait,
                     frida_server=frida_binary, operator=operator, command_line=list(sys.argv), plants=plants,
                     capture_confdir=confdir)
    components = load(plan, "0.0.0.0" if proxy_host else "127.0.0.1")
    result = Audit(plan, components, lambda text: click.echo(text, err=True), keyboard=sys.stdin).run()
    emit({"case": str(result.case), "reason": result.reason, "sealed": result.sealed, "steps": result.steps,
          "cleanup_problems": result.cleanup_problems}, as_json,
         f"audit {result.reason}; case {result.case}{' (sealed)' if result.sealed else ''}")
    if result.cleanup_problems:
        raise CheckFailed("the device may not be fully restored: " + "; ".join(result.cleanup_problems))
    if result.reason.startswith("error"):
        raise CheckFailed(f"the audit ended early ({result.reason}); the case holds what was recorded")
