"""The `auditor compare` command."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import json_option
from auditor.compare.compare import compare
from auditor.compare.runs import load_run
from auditor.compare.write import write_comparison
from auditor.output import emit


@click.command("compare")
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Directory for compare.json and compare.html.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@json_option()
def compare_command(cases: tuple[Path, ...], out: Path, lang: str, as_json: bool) -> None:
    """Compare analysed runs of one app version (personas, consent choices): what is sent before any choice,
    still sent after refusal, sent whether refused or accepted, and sent to a child as to an adult."""
    comparison = compare([load_run(case) for case in cases])
    files = write_comparison(comparison, out, lang)
    counts = {"before_choice": len(comparison.before_choice), "after_refusal": len(comparison.after_refusal),
              "refusal_no_difference": len(comparison.refusal_no_difference),
              "young_as_adult": len(comparison.young_as_adult)}
    emit({"files": [str(f) for f in files], "rows": counts}, as_json,
         f"compared {len(cases)} runs: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + f"; {out}")
