"""Commands of the reference room: inspect a test world, serve its upstream servers, run the reference app."""

from __future__ import annotations

import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import click

from auditor.cli_options import json_option
from auditor.errors import InputError
from auditor.output import emit
from auditor.reference import launcher
from auditor.reference.assets import default_world
from auditor.reference.upstream import UpstreamServers
from auditor.world import World, load_world

FILE = click.Path(path_type=Path, dir_okay=False)
WORLD_OPTION = click.option("--world", "world_file", type=FILE,
                            help="World file (docs/world.md format; default: the reference app's world).")


@click.group("reference")
def reference_group() -> None:
    """The reference app and its test world (loopback only)."""


def _world(world_file: Path | None) -> World:
    return load_world(world_file or default_world())


@reference_group.command("world")
@WORLD_OPTION
@json_option()
def world_command(world_file: Path | None, as_json: bool) -> None:
    """Validate a world file and list host -> address -> country, network and operator."""
    world = _world(world_file)
    rows = []
    for host, address in sorted(world.hosts.items(), key=lambda item: (item[1], item[0])):
        view = world.ips[address]
        rows.append({"host": host, "address": address, "country_physical": view.country_physical,
                     "country_registered": view.country_registered, "asn": view.asn, "operator": view.operator})
    text = "\n".join(f"{r['host']:<28} {r['address']:<12} {r['country_physical']}/{r['country_registered']} "
                     f"AS{r['asn']} {r['operator']}" for r in rows)
    emit({"hosts": rows, "entities": {d: vars(e) for d, e in sorted(world.entities.items())}}, as_json, text)


@reference_group.command("serve")
@WORLD_OPTION
@click.option("--dir", "directory", type=click.Path(path_type=Path, file_okay=False),
              help="Where the throwaway CA and certificates go (default: a new temporary directory).")
@click.option("--log", "log_path", type=FILE, help="Append every received request to this JSONL file.")
@json_option("Print the listening details as JSON.")
def serve_command(world_file: Path | None, directory: Path | None, log_path: Path | None, as_json: bool) -> None:
    """Serve TLS (HTTP/1.1, HTTP/2) on every address of the world until interrupted (Ctrl-C, SIGTERM)."""
    world = _world(world_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with tempfile.TemporaryDirectory(prefix="auditor-upstream-") as scratch, \
            UpstreamServers(world, directory or Path(scratch), log_path=log_path) as servers:
        emit({"port": servers.port, "ca_pem": str(servers.ca_pem), "addresses": world.addresses()}, as_json,
             f"serving {', '.join(world.addresses())} on port {servers.port}; CA {servers.ca_pem}")
        sys.stdout.flush()
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass


@reference_group.command("run")
@WORLD_OPTION
@click.option("--proxy", help="HTTP proxy HOST:PORT for all HTTPS (e.g. mitmproxy in regular mode).")
@click.option("--ca", "ca_pem", type=FILE, help="PEM of the only CA the app trusts (e.g. mitmproxy's).")
@click.option("--device-state", type=FILE, help="Properties file planting values on the simulated phone.")
@click.option("--consent", type=click.Choice(launcher.CONSENT_MODES), default="auto", show_default=True,
              help="How the consent dialog is answered: by a line on stdin, or automatically.")
@click.option("--print-argv", is_flag=True, help="Only print the argv and environment (JSON), e.g. for Frida.")
def run_command(world_file: Path | None, proxy: str | None, ca_pem: Path | None, device_state: Path | None,
                consent: str, print_argv: bool) -> None:
    """Run the reference app's JVM program (OpenJDK 17); its exit status becomes this command's."""
    world = _world(world_file)
    address = _proxy(proxy) if proxy else None
    if print_argv:  # the hosts file must outlive this command: the caller runs the argv later
        hosts = launcher.write_hosts_file(world, Path(tempfile.mkdtemp(prefix="auditor-reference-")) / "hosts")
        launch = launcher.jvm_launch(hosts_file=hosts, proxy=address, ca_pem=ca_pem, device_state=device_state,
                                     consent=consent)
        emit({"argv": launch.argv, "env": launch.env}, True, "")
        return
    with tempfile.TemporaryDirectory(prefix="auditor-reference-") as scratch:
        launch = launcher.jvm_launch(hosts_file=launcher.write_hosts_file(world, Path(scratch) / "hosts"),
                                     proxy=address, ca_pem=ca_pem, device_state=device_state, consent=consent)
        done = subprocess.run(launch.argv, env=launch.env, check=False)
    sys.exit(done.returncode)


def _proxy(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError("--proxy", f"expected HOST:PORT, got {value[:80]!r}")
    return host, int(port)
