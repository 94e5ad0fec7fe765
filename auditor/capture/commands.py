"""CLI: `auditor capture`."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from auditor.capture.passive import PassiveCapture
from auditor.capture.pcap import DEFAULT_INTERFACE
from auditor.capture.proxy import DEFAULT_CONFDIR, MODES, Capture, CaptureMode
from auditor.capture.wireguard import client_config, qr_text
from auditor.case.layout import JOURNAL_FILE
from auditor.cli_options import case_option, json_option
from auditor.output import emit


@click.command("capture")
@case_option("Case directory to record into (create it with 'auditor case new').", required=True)
@click.option("--mode", type=click.Choice(MODES), default=CaptureMode.REGULAR.value, show_default=True)
@click.option("--listen-host", default="127.0.0.1", show_default=True)
@click.option("--listen-port", type=int, default=8080, show_default=True, help="0 picks a free port.")
@click.option("--confdir", default=DEFAULT_CONFDIR, show_default=True,
              help="mitmproxy configuration directory; its CA is CONFDIR/mitmproxy-ca-cert.pem.")
@click.option("--world", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="TEST ONLY: resolve host names to this test world's loopback addresses.")
@click.option("--world-port", type=click.IntRange(0, 65535), default=0,
              help="TEST ONLY: the port the world's servers listen on (e.g. from 'auditor reference serve').")
@click.option("--ingest-only", is_flag=True,
              help="Start no proxy: ingest the flows an earlier capture recorded but did not ingest (it crashed), "
                   "then exit.")
@click.option("--pcap", is_flag=True,
              help="Also record the packets between the device and the proxy (dumpcap) and the proxy's TLS "
                   "key log, for 'auditor witness'.")
@click.option("--pcap-interface", default=DEFAULT_INTERFACE, show_default=True,
              help="The interface dumpcap listens on (with --pcap or --passive).")
@click.option("--passive", is_flag=True,
              help="Start no proxy: only record the device's traffic as it is (dumpcap on --pcap-interface), so "
                   "the servers' genuine certificate chains are kept; open it with the app's own keys "
                   "('auditor instrument --keylog') in 'auditor witness'.")
@click.option("--passive-filter", default="", metavar="FILTER",
              help="With --passive: a capture filter (libpcap syntax, e.g. 'host 192.168.4.2'); default all.")
@json_option("Print the session start (and end) as JSON.")
def capture(case_dir: Path, mode: str, listen_host: str, listen_port: int, confdir: str, world: Path | None,
            world_port: int, ingest_only: bool, pcap: bool, pcap_interface: str, passive: bool,
            passive_filter: str, as_json: bool) -> None:
    """Run the recording proxy until SIGINT/SIGTERM; every flow goes into the case as it happens."""
    if passive:
        if ingest_only or pcap or world is not None:
            raise click.UsageError("--passive runs no proxy: it excludes --ingest-only, --pcap and --world")
        _passive(PassiveCapture(case_dir, pcap_interface, passive_filter), as_json)
        return
    elif passive_filter:
        raise click.UsageError("--passive-filter is for --passive (the proxy's capture filter is its port)")
    session = Capture(case_dir, mode=mode, listen_host=listen_host, listen_port=listen_port, confdir=confdir,
                      world=world, world_port=world_port, pcap_interface=pcap_interface if pcap else None)
    if ingest_only:
        flows = session.catch_up()
        emit({"ingested_flows": flows}, as_json, f"flows an earlier capture left, now ingested: {flows}")
        return
    stop = _stop_event()
    session.start()
    host, port = session.listen_address
    info = {"listen": [host, port], "mode": mode, "ca_cert": str(session.ca_path)}
    lines = [f"{mode} proxy listening at {host}:{port}", f"CA certificate: {session.ca_path}"]
    if mode == CaptureMode.WIREGUARD:
        config = client_config(Path(session.ca_path).parent, (host, port))
        info["wireguard_client_config"] = config
        lines += ["WireGuard client configuration (scan the QR code with the WireGuard app):", config,
                  qr_text(config)]
    emit(info, as_json, "\n".join(lines))
    while not stop.wait(0.5):
        if session.process is not None and session.process.poll() is not None:
            break                       # the proxy died on its own: record how, then exit non-zero
    result = session.stop()
    emit(result, as_json, f"stopped: {result['flows']} flows, known unknowns {result['known_unknowns']}")
    if result["ingest_status"] != 0:
        click.echo(f"error: the ingester failed (exit status {result['ingest_status']}): flows it did not ingest "
                   f"are still in {case_dir / JOURNAL_FILE}, not in the ledger; run 'auditor capture --case "
                   f"{case_dir} --ingest-only' once the cause is fixed", err=True)
    if not result["clean"] or result["ingest_status"] != 0:
        raise click.exceptions.Exit(1)


def _stop_event() -> threading.Event:
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def _passive(session: PassiveCapture, as_json: bool) -> None:
    """dumpcap alone until SIGINT/SIGTERM; the pcapng goes into the case when it stops."""
    stop = _stop_event()
    session.start()
    emit({"passive": True, "interface": session.interface, "filter": session.capture_filter}, as_json,
         f"passive capture on {session.interface} (filter: {session.capture_filter or 'none'}); no proxy")
    while not stop.wait(0.5) and session.running():
        pass                            # dumpcap ending on its own (the interface went away) ends the capture
    result = session.stop()
    emit(result, as_json, f"stopped: {result['size']} bytes of packets, pcapng {result['pcap_sha256']}")
    if result["pcap_sha256"] is None or result["returncode"] != 0:
        raise click.exceptions.Exit(1)

