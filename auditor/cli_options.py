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
