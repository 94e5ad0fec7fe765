"""CLI: `auditor export har`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import case_argument, json_option
from auditor.exporters.har import export_har
from auditor.output import emit


@click.group("export")
def export_group() -> None:
    """Export a case's evidence to other formats."""


@export_group.command("har")
@case_argument(exists=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@json_option()
def export_har_command(case_dir: Path, output: Path, as_json: bool) -> None:
    """Write the case's captured HTTP flows as HAR 1.2 (serverIPAddress, timings)."""
    count = export_har(case_dir, output)
    emit({"entries": count, "output": str(output)}, as_json, f"{count} entries written to {output}")
