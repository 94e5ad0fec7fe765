"""JSON Schemas of the analysis documents, generated from the contract models, and the finding fields a rule
may read. `python -m auditor.contract.schemas DIR` writes the schemas (docs/ holds the published copies; a
test keeps them equal to the models)."""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from types import UnionType
from typing import Any

from pydantic import BaseModel

from auditor.contract.findings import Finding, Findings
from auditor.contract.inputs import Inputs
from auditor.contract.observed import Observed
from auditor.contract.verdicts import Verdicts

DOCUMENTS: dict[str, type[BaseModel]] = {"findings": Findings, "verdicts": Verdicts, "inputs": Inputs,
                                         "observed": Observed}
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(name: str) -> dict[str, Any]:
    schema = DOCUMENTS[name].model_json_schema(by_alias=True, mode="serialization")
    return {"$schema": SCHEMA_DIALECT, "$id": f"{name}.schema.json", **schema}


def schema_text(name: str) -> str:
    return json.dumps(schema_of(name), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The contract model inside `X | None`, if the annotation is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        models = [a for a in typing.get_args(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else None
    return None


def _is_scalar(annotation: Any) -> bool:
    args = typing.get_args(annotation) if typing.get_origin(annotation) in (typing.Union, UnionType) else \
        (annotation,)
    return all(a is type(None) or (isinstance(a, type) and issubclass(a, (str, int, float, bool))) for a in args)


# Fields of the case a rule may read beside the finding's own (rules/evaluate.py fills them in).
# consent_choice: the first consent choice recorded (accepted, refused or none; ConsentChoiceMade).
CASE_FIELDS = frozenset({"case.child_persona", "case.consent_recorded", "case.consent_choice"})


def finding_fields() -> frozenset[str]:
    """Every scalar field of a finding, nested ones as `actor.sdk`, by the names findings.json uses."""
    names: set[str] = set()
    for name, info in Finding.model_fields.items():
        if name in ("id", "time", "time_last"):
            continue
        nested = _model_in(info.annotation)
        if nested is None:
            if _is_scalar(info.annotation):
                names.add(info.alias or name)
            continue
        for inner, inner_info in nested.model_fields.items():
            if _is_scalar(inner_info.annotation):
                names.add(f"{info.alias or name}.{inner_info.alias or inner}")
    return frozenset(names)


def rule_fields() -> frozenset[str]:
    return finding_fields() | CASE_FIELDS


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else Path("docs")
    for name in DOCUMENTS:
        (out / f"{name}.schema.json").write_text(schema_text(name), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
