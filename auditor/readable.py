"""Structured data as a person reads it, for tables of a report and the details analysis states."""

from __future__ import annotations

from typing import Any


def readable(value: Any) -> str:
    """Structured data as a person reads it: "key: value; key: value", lists comma-separated, nested parts in
    parentheses, None as an empty string. Used where another room's record holds a mapping, instead of JSON."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        parts = []
        for key, item in sorted(value.items(), key=lambda pair: str(pair[0])):
            text = readable(item)
            nested = isinstance(item, (dict, list)) and len(item) > 1
            parts.append(f"{key}: ({text})" if nested else f"{key}: {text}")
        return "; ".join(parts)
    if isinstance(value, (list, tuple)):
        return ", ".join(f"({readable(item)})" if isinstance(item, dict) and len(item) > 1 else readable(item)
                         for item in value)
    return str(value)
