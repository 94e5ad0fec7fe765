"""The options every room's commands share, defined once: `--json`, and the case directory as an argument
(CASE_DIR, DIRECTORY, CASE) or as `--case DIR`.

Each is a decorator factory; a command passes only what differs (its help text, whether the case must
exist already), so the flag spellings, parameter names and path checks stay the same everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

JSON_HELP = "Print the result as JSON."


def _case_type(exists: bool) -> click.Path:
    """A case is a directory; `exists` makes click refuse a missing one before the command runs."""
    return click.Path(path_type=Path, file_okay=False, exists=exists)


def json_option(help: str = JSON_HELP) -> Decorator:
    """`--json`: print the command's result as JSON (for programs) instead of text (for people)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def case_argument(name: str = "case_dir", *, metavar: str | None = None, exists: bool = False) -> Decorator:
    """The case directory as a positional argument (passed to the command as `name`)."""
    return click.argument(name, metavar=metavar, type=_case_type(exists))


def case_option(help: str | None = None, *, required: bool = False, exists: bool = False) -> Decorator:
    """`--case DIR`: the case directory as an option (passed to the command as `case_dir`)."""
    return click.option("--case", "case_dir", required=required, type=_case_type(exists), help=help)


def controller_options() -> Decorator:
    """The app's controller as the case records it (`case new`, `audit`): passed as `controller`,
    `controller_source` and `controller_domains`; turn them into the record with `declared_controller`."""
    options = (
        click.option("--controller", help="The app's controller (the exporter; its recipients are never third "
                                          "parties)."),
        click.option("--controller-source", help="Where the controller is stated (store listing, privacy policy, "
                                                 "date)."),
        click.option("--controller-domain", "controller_domains", multiple=True,
                     help="A domain the controller declares as its own (repeatable)."),
    )

    def apply(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command
    return apply


def declared_controller(controller: str | None, source: str | None, domains: tuple[str, ...]) -> dict[str, Any] | None:
    """case.json `controller` from the options (analyze/recipients.py Controller reads it); None if not given."""
    if (source or domains) and not controller:
        raise click.UsageError("--controller-source and --controller-domain need --controller")
    if not controller:
        return None
    return {"name": controller, "source": source or "not stated",
            "domains": sorted({d.lower().rstrip(".") for d in domains})}
