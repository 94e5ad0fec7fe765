"""The `auditor compare` command."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.cli_options import json_option
from auditor.compare.compare import compare
from auditor.compare.judge import judge
from auditor.compare.runs import load_run
from auditor.compare.write import write_comparison
from auditor.output import emit
from auditor.rules.schema import default_rules_dir, load_rulesets


@click.command("compare")
@click.argument("cases", nargs=-1, required=True, type=click.Path(path_type=Path, file_okay=False, exists=True))
@click.option("--out", required=True, type=click.Path(path_type=Path, file_okay=False),
              help="Directory for compare.json and compare.html.")
@click.option("--lang", type=click.Choice(["en", "nl"]), default="en", show_default=True)
@click.option("--rules", "rules_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Directory of rulesets to judge the comparison by (default: the bundled rulesets).")
@json_option()
def compare_command(cases: tuple[Path, ...], out: Path, lang: str, rules_dir: Path | None, as_json: bool) -> None:
    """Compare analysed runs of one app version (personas, consent choices): what is sent before any choice,
    still sent after refusal, sent whether refused or accepted, and sent to a child as to an adult; each row
    judged by the rulesets."""
    runs = [load_run(case) for case in cases]
    comparison = compare(runs)
    judged = judge(comparison, runs, load_rulesets(rules_dir or default_rules_dir()))
    files = write_comparison(judged, out, lang)
    counts = {"before_choice": len(comparison.before_choice), "after_refusal": len(comparison.after_refusal),
              "refusal_no_difference": len(comparison.refusal_no_difference),
              "young_as_adult": len(comparison.young_as_adult)}
    verdicts = sorted(v.rule_id for v in judged.verdicts)
    emit({"files": [str(f) for f in files], "rows": counts, "verdicts": verdicts}, as_json,
         f"compared {len(cases)} runs: " + ", ".join(f"{k} {v}" for k, v in counts.items())
         + f"; verdicts: {', '.join(verdicts) or 'none'}; {out}")
