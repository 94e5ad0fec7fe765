"""Validating an analysis document against the schema published in docs/ (not the models it came from)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

DOCS = Path(__file__).resolve().parents[2] / "docs"


def schema_errors(document: Path, name: str) -> list[str]:
    schema = json.loads((DOCS / f"{name}.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(json.loads(document.read_text("utf-8")))]
