"""The auditor command line: thin — parse, call the library, print.

Exit codes: 0 success, 1 what was checked failed (e.g. verification), 2 usage or input error.
Each room contributes its commands from its own `commands` module; this file only assembles them.
"""

from __future__ import annotations

import errno
import importlib
import sys
from typing import Any

import click

from auditor import __version__
from auditor.errors import CheckFailed, InputError

# A file system that refuses a write (or a read, for EACCES/EPERM): one line naming the file, not a traceback.
REFUSED_BY_FILE_SYSTEM = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class AuditorGroup(click.Group):
    """Loads each room's commands on demand, and turns the library's InputError / CheckFailed into a
    one-line message and exit 2 / 1."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert command.name == cmd_name, f"{target} is named {command.name!r}, not {cmd_name!r}"
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except InputError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(2)
        except CheckFailed as exc:
            click.echo(f"failed: {exc}", err=True)
            ctx.exit(1)
        except OSError as exc:
            if exc.errno not in REFUSED_BY_FILE_SYSTEM:
                raise
            click.echo(f"error: {exc.filename or '(unnamed file)'}: {exc.strerror}", err=True)
            ctx.exit(2)


@click.group(cls=AuditorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="auditor")
def cli() -> None:
    """Court-grade evidence of what an Android app does with personal data."""


# Command name -> "module:attribute". Modules are imported only when their command runs (or `--help`
# lists them): `auditor apk scan` must not pay for — or be broken by — Frida, WeasyPrint or mitmproxy.
COMMANDS = {
    "analyze": "auditor.analyze.commands:analyze_command",
    "apk": "auditor.static.commands:apk_group",
    "audit": "auditor.audit.commands:audit",
    "capture": "auditor.capture.commands:capture",
    "case": "auditor.case.commands:case_group",
    "compare": "auditor.compare.commands:compare_command",
    "demo": "auditor.demo.commands:demo",
    "device": "auditor.device.commands:device_group",
    "diff": "auditor.report.commands:diff",
    "export": "auditor.exporters.commands:export_group",
    "import": "auditor.importers.commands:import_group",
    "instrument": "auditor.instrument.commands:instrument",
    "mark": "auditor.case.commands:mark",
    "reference": "auditor.reference.commands:reference_group",
    "report": "auditor.report.commands:report",
    "review": "auditor.report.commands:review",
    "rules": "auditor.rules.commands:rules_group",
    "seal": "auditor.case.commands:seal",
    "verify": "auditor.case.commands:verify",
    "witness": "auditor.witness.commands:witness_command",
}


def main() -> None:
    cli.main(prog_name="auditor", standalone_mode=True)


if __name__ == "__main__":
    sys.exit(main())
