"""CLI: `auditor demo [--out DIR] [--lang en|nl] [--persona child|teen|adult] [--consent accept|refuse|none]`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from auditor.audit.consent_dialog import Choice
from auditor.audit.persona import Persona
from auditor.cli_options import json_option
from auditor.demo.run import run_demo
from auditor.output import emit
from auditor.report.assets import LANGUAGES


@click.command("demo")
@click.option("--out", type=click.Path(path_type=Path, file_okay=False),
              help="Directory for the demo case and its report (default: a new temporary directory).")
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True, help="Report language.")
@click.option("--persona", type=click.Choice([p.value for p in Persona]), default=Persona.CHILD.value,
              show_default=True, help="The persona entered at the app's age gate (child 13, teen 16, adult 30).")
@click.option("--consent", type=click.Choice([c.value for c in (Choice.ACCEPT, Choice.REFUSE, Choice.NONE)]),
              default=Choice.ACCEPT.value, show_default=True,
              help="Tap the consent dialog's accept or refuse, or leave it unanswered (none).")
@json_option()
def demo(out: Path | None, lang: str, persona: str, consent: str, as_json: bool) -> None:
    """Run the reference audit end to end and print where its report is.

    The audit pipeline of 'auditor audit' with a simulated phone: the reference app runs on this machine's
    JVM under the real Frida hooks; its traffic goes through the real capture to loopback servers; the
    reference APK is scanned; the case is sealed, analysed and reported (HTML, PDF, JSON, CSV). No phone, no
    network."""
    root = out if out is not None else Path(tempfile.mkdtemp(prefix="auditor-demo-"))
    say = (lambda _text: None) if as_json else click.echo
    result = run_demo(root, lang, say, Persona(persona), Choice(consent))
    total = sum(result.seconds.values())
    text = "\n".join([
        f"case:    {result.case}",
        f"flows {result.counts['flows']}, findings {result.counts['findings']}, "
        f"verdicts {result.counts['verdicts']}; {total:.1f} s "
        + "(" + ", ".join(f"{name} {seconds:.1f}" for name, seconds in result.seconds.items()) + ")",
        *(f"report:  {path}" for _fmt, path in sorted(result.reports.items())),
    ])
    emit({"case": str(result.case), "reports": {k: str(v) for k, v in sorted(result.reports.items())},
          "seconds": result.seconds, "counts": result.counts}, as_json, text)
