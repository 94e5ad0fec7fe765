"""Benchmarks (not tests): each prints figures against a baseline measured in the same run."""

from __future__ import annotations

from pathlib import Path


def runs_and_against(arguments: list[str], default_runs: int) -> tuple[int, Path | None]:
    """`[RUNS] [--against PATH]` from a benchmark's command line: how many runs, and the other build (a
    checkout, or an agent file) measured beside this one in the same run."""
    arguments = list(arguments)
    against = None
    if "--against" in arguments:
        at = arguments.index("--against")
        against = Path(arguments[at + 1]).resolve()
        del arguments[at:at + 2]
    return (int(arguments[0]) if arguments else default_runs), against
