"""CLI: `auditor analyze CASE`."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.analyze.run import analyze
from auditor.cli_options import case_argument, json_option
from auditor.output import emit


@click.command("analyze")
@case_argument()
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path), default=None,
              help="Directory of rulesets (default: the bundled rulesets).")
@click.option("--world", type=click.Path(path_type=Path), default=None,
              help="Override table (auditor-world/1): IP and company entries on top of the bundled datasets.")
@click.option("--mmdb", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="A MaxMind-format country mmdb for the physical-location view instead of DB-IP.")
@click.option("--dpf", type=click.Path(path_type=Path, exists=True, dir_okay=False), default=None,
              help="Dated Data Privacy Framework participant records (auditor-dpf/1, docs/analysis.md).")
@json_option("Print the summary as JSON.")
def analyze_command(case_dir: Path, rules_dir: Path | None, world: Path | None, mmdb: Path | None,
                    dpf: Path | None, as_json: bool) -> None:
    """Turn a case into findings and verdicts (writes CASE/analysis/). Offline; deterministic."""
    result = analyze(case_dir, rules_dir, world, mmdb, dpf)
    emit({"flows": result.flows, "findings": result.findings, "verdicts": result.verdicts,
          "output": str(result.out_dir)}, as_json,
         f"{result.flows} flows, {result.findings} findings, {result.verdicts} verdicts -> {result.out_dir}")
