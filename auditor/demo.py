"""`auditor demo`: the main job on its embedded default, runnable on a fresh machine without a phone."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from auditor.case import keys
from auditor.case.bundle import Case
from auditor.case.commands import describe
from auditor.case.seal import seal_case, verify_case


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for the demo case (default: a new temporary directory).")
def demo(out: Path | None) -> None:
    """Run the reference audit end to end and print where its evidence is."""
    root = Path(out) if out else Path(tempfile.mkdtemp(prefix="auditor-demo-"))
    case = Case.create(root / "case", scenario="auditor demo: reference audit")
    with case.ledger(fsync_interval=0) as ledger:
        ledger.append("operator", "operator.note", {"text": "demo started"})
    key, _ = keys.load_or_create()
    seal_case(case, key)
    click.echo(describe(verify_case(case.root)))
    click.echo(f"demo case: {case.root}")
