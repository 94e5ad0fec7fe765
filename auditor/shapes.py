"""Reading records another room wrote (ledger bodies, case.json sections) without trusting their shape: a
member that is not the type the reader needs reads as empty."""

from __future__ import annotations

from typing import Any


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else ("" if value is None else str(value))
