"""CLI: `auditor import har`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import case_option, json_option
from auditor.importers.har import import_har
from auditor.output import emit


@click.group("import")
def import_group() -> None:
    """Bring another tool's capture into a case."""


@import_group.command("har")
@click.argument("har_file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@case_option("The case to import into; created when the directory does not exist.", required=True)
@json_option()
def import_har_command(har_file: Path, case_dir: Path, as_json: bool) -> None:
    """Import a HAR file: hashed, its creator and stated window recorded, its consistency checked."""
    result = import_har(har_file, case_dir)
    summary = {**result.summary(), "warnings": result.warnings}
    text = [f"imported {result.entries} entries (sha256 {result.file_sha256})"]
    text += [f"warning: entry {w['entry']}: {w['code']}: {w['detail']}" for w in result.warnings]
    emit(summary, as_json, "\n".join(text))
