"""CLI: `auditor import har` and `auditor import passive`, and `auditor case plant` (the values planted for an
imported capture)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import click

from auditor.cli_options import case_argument, case_option, json_option
from auditor.output import emit

# The room's libraries are imported when their command runs: `auditor case` lists `plant` without loading
# mitmproxy or the analysis room.


@click.group("import")
def import_group() -> None:
    """Bring another tool's capture into a case."""


@import_group.command("har")
@click.argument("har_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@case_option(None, required=True)
@json_option()
def import_har_command(har_file: Path, case_dir: Path, as_json: bool) -> None:
    """Import a HAR file: hashed, its creator and stated window recorded, its consistency checked; all of it
    or nothing. The case is created when its directory does not exist."""
    from auditor.importers.har import import_har

    result = import_har(har_file, case_dir)
    summary = {**result.summary(), "warnings": result.warnings}
    text = [f"imported {result.entries} entries (sha256 {result.file_sha256})"]
    text += [f"warning: entry {w['entry']}: {w['code']}: {w['detail']}" for w in result.warnings]
    emit(summary, as_json, "\n".join(text))


@import_group.command("passive")
@case_argument(exists=True)
@json_option()
def import_passive_command(case_dir: Path, as_json: bool) -> None:
    """Read every passive capture (capture --passive) with the app's key logs (instrument --keylog) and import
    its HTTP/1.x, HTTP/2 and HTTP/3 requests as flows for analysis; all or nothing, and a capture already
    imported with the same key logs is not read again."""
    from auditor.importers.passive import import_passive

    result = import_passive(case_dir)
    text = [f"passive capture (seq {r.pcap_seq}): {len(r.new)} new of {len(r.wire.requests)} requests; "
            f"{r.wire.undecrypted_tls_streams} of {r.wire.tls_streams} TLS and {r.wire.undecrypted_quic_connections} "
            f"of {r.wire.quic_connections} QUIC connections not decrypted" for r in result.reads]
    text += [f"{result.unchanged} passive captures already imported with these key logs"] if result.unchanged else []
    text += [f"imported {result.flows_added} flows" if result.flows_added else "nothing new to import"]
    emit(result.summary(), as_json, "\n".join(text))


def _value(text: str):  # type: ignore[no-untyped-def]  (a Planted)
    from auditor.importers.planted import planted

    what, sep, value = text.partition("=")
    if not sep:
        raise click.BadParameter(f"{text[:60]!r} is not WHAT=TEXT", param_hint="--value")
    return planted(what.strip(), value, "--value")


@click.command("plant")
@case_argument("directory", exists=True)
@click.option("--clipboard", help="The text that was on the device's clipboard.")
@click.option("--location", metavar="LAT,LON", help="The location the device was given, with its decimals.")
@click.option("--value", "values", multiple=True, metavar="WHAT=TEXT",
              help="Another planted value (email=…, phone=…, device_name=…); repeatable.")
@click.option("--file", "file", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="YAML or JSON: a list of {what, value}, or a mapping of names to values.")
@json_option()
def plant_command(directory: Path, clipboard: str | None, location: str | None, values: tuple[str, ...],
                  file: Path | None, as_json: bool) -> None:
    """Declare the values planted on the device that produced an imported capture, for analysis."""
    from auditor.importers.planted import declare, planted, read_file

    declared = [planted("clipboard", clipboard, "--clipboard")] if clipboard is not None else []
    declared += [planted("location", location, "--location")] if location is not None else []
    declared += [_value(text) for text in values] + (read_file(file) if file else [])
    added = declare(directory, declared, file)
    emit({"added": [asdict(value) for value in added]}, as_json,
         "\n".join(f"planted {value.what}: {value.value}" for value in added) or "nothing new to plant")
