"""Commands of the report room: report, review, diff (and the report branch of verify)."""

from __future__ import annotations

from pathlib import Path

import click

from auditor.case import keys
from auditor.cli_options import case_argument, json_option
from auditor.output import emit
from auditor.report.assets import LANGUAGES
from auditor.report.diff import KINDS, write_diff
from auditor.report.render import FORMATS, write_report
from auditor.report.review import STATUSES, record_review


@click.command("report")
@case_argument(metavar="CASE")
@click.option("--format", "formats", default="html,pdf,json,csv", show_default=True,
              help=f"Comma-separated output formats: {', '.join(FORMATS)}.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Report language.")
@click.option("--redact", is_flag=True,
              help="Disclosure copy: mask the tester's secrets and third parties' personal data.")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Report directory (default: CASE/reports/report-LANG[-redacted]).")
@click.option("--key", "key_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Operator ed25519 key that signs the report manifest (default: the operator key).")
@click.option("--final", is_flag=True, help="Refuse unless every verdict has been reviewed.")
@click.option("--template-dir", type=click.Path(path_type=Path, file_okay=False),
              help="A firm's house style: templates (report.html.j2, sections/*.html.j2, …) and report.css that "
                   "replace ours by name; escaping and self-containment are enforced as for ours.")
@json_option()
def report(case_dir: Path, formats: str, lang: str, redact: bool, out: Path | None, key_file: Path | None,
           final: bool, template_dir: Path | None, as_json: bool) -> None:
    """Render the evidence report of an analysed case (HTML, PDF, JSON, CSV) with a signed manifest."""
    key, _ = keys.load_or_create(key_file)
    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    result = write_report(case_dir, wanted, lang, redact, out, key, final=final, template_dir=template_dir)
    summary = result.model["summary"]
    lines = [f"report of case {result.model['case']['case_id']} in {result.directory}"]
    lines += [f"  {name}  sha256 {digest}" for name, digest in sorted(result.files.items())]
    lines.append("verdicts: " + ", ".join(f"{n} {s}" for s, n in summary["verdicts_by_severity"].items()))
    if not result.model["verification"]["ok"]:
        lines.append("WARNING: the case did not verify; the report says so on its cover")
    emit({"directory": str(result.directory), "files": result.files, "summary": summary,
          "case_verified": result.model["verification"]["ok"]}, as_json, "\n".join(lines))


@click.command("review")
@case_argument(metavar="CASE")
@click.argument("verdict_id")
@click.option("--status", type=click.Choice(STATUSES), required=True, help="The reviewer's status.")
@click.option("--comment", default="", help="Why: shown in the report next to the status.")
@click.option("--reviewer", help="Reviewer's name (default: the login name).")
@json_option()
def review(case_dir: Path, verdict_id: str, status: str, comment: str, reviewer: str | None,
           as_json: bool) -> None:
    """Set a reviewer's status on one verdict; recorded in the case ledger (allowed after sealing)."""
    record = record_review(case_dir, verdict_id, status, comment, reviewer)
    emit({"seq": record["seq"], "hash": record["hash"], "verdict_id": verdict_id, "status": status}, as_json,
         f"verdict {verdict_id}: {status} (ledger seq {record['seq']})")


@click.command("diff")
@case_argument("case_a")
@case_argument("case_b")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True,
              help="Directory for diff.json and diff.html.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Language of diff.html.")
@json_option("Print the diff as JSON.")
def diff(case_a: Path, case_b: Path, out: Path, lang: str, as_json: bool) -> None:
    """Compare two analysed cases (e.g. two app versions): recipients, data, SDKs, permissions, APIs, verdicts."""
    result = write_diff(case_a, case_b, out, lang)
    lines = [f"diff written to {out / 'diff.json'} and {out / 'diff.html'}"]
    for kind in KINDS:
        counts = [len(result[side][kind]) for side in ("added", "removed", "changed")]
        lines.append(f"  {kind}: +{counts[0]} -{counts[1]} ~{counts[2]}")
    emit(result, as_json, "\n".join(lines))
