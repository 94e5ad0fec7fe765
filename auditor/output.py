"""How commands print results: JSON for programs (--json), text for people."""

from __future__ import annotations

import json
from typing import Any

import click


def emit(data: Any, as_json: bool, text: str) -> None:
    if as_json:
        click.echo(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False))
    else:
        click.echo(text)
