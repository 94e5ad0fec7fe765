"""The `auditor case declare` command."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import case_argument, json_option
from auditor.declared.record import declare
from auditor.output import emit

FORM = click.Path(path_type=Path, dir_okay=False, exists=True)


@click.command("declare")
@case_argument("directory", exists=True)
@click.option("--data-safety", type=FORM, help="The app's Play Store Data safety declaration "
                                               "(auditor-data-safety/1, JSON or YAML; docs/declared.md).")
@click.option("--policy", type=FORM, help="The recipients and countries the app's privacy policy names "
                                          "(auditor-privacy-policy/1, JSON or YAML).")
@json_option()
def declare_command(directory: Path, data_safety: Path | None, policy: Path | None, as_json: bool) -> None:
    """Record what the app declares, for analysis to compare with what it does (run 'auditor analyze' after)."""
    record = declare(directory, data_safety, policy)
    hashes = {name: (entry or {}).get("sha256") for name, entry in record["body"].items()}
    emit({"seq": record["seq"], **hashes}, as_json,
         f"declarations recorded at ledger seq {record['seq']}; run 'auditor analyze {directory}' to compare")
