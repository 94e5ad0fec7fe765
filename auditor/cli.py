"""The auditor command line: thin — parse, call the library, print.

Exit codes: 0 success, 1 what was checked failed (e.g. verification), 2 usage or input error.
Each room contributes its commands from its own `commands` module; this file only assembles them.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from auditor import __version__
from auditor.errors import CheckFailed, InputError


class AuditorGroup(click.Group):
    """Turns the library's InputError / CheckFailed into a one-line message and exit 2 / 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except CheckFailed as exc:
            click.echo(f"failed: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """Court-grade evidence of what an Android app does with personal data."""


def _register() -> None:
    from auditor.analyze.commands import analyze_command
    from auditor.audit.commands import audit
    from auditor.capture.commands import capture, export_group, import_group
    from auditor.case.commands import case_group, mark, seal, verify
    from auditor.demo import demo
    from auditor.device.commands import device_group
    from auditor.reference.commands import reference_group
    from auditor.report.commands import diff, report, review
    from auditor.rules.commands import rules_group
    from auditor.static.commands import apk_group

    for command in (case_group, mark, seal, verify, demo, reference_group, apk_group, report, review, diff,
                    device_group, audit, analyze_command, rules_group, capture, export_group, import_group):
        cli.add_command(command)


_register()


def main() -> None:
    cli.main(prog_name="auditor", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main())
