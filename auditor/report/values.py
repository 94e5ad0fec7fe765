"""Captured content made safe to show: bounded in length, binary made visible, bidi tricks neutralised.

A value shown in a report is a dict {text, length, truncated, sha256?, binary?}: JSON-ready, and rendered by
the templates with autoescaping. A truncated or binary value carries the SHA-256 of the whole original, so a
reader can match it against the sealed evidence.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

# Characters that reorder or hide text (bidi overrides and isolates, zero-width marks) and C0/C1 controls:
# shown as ⟨U+XXXX⟩ so captured text cannot make a report say something it does not.
_INVISIBLE = re.compile("[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
TEXT_LIMIT = 2000
CELL_LIMIT = 300


def _visible(match: re.Match[str]) -> str:
    return f"⟨U+{ord(match.group()):04X}⟩"


def neutralise(text: str) -> str:
    return _INVISIBLE.sub(_visible, text)


def shown(value: Any, limit: int = TEXT_LIMIT) -> dict[str, Any]:
    """A bounded, displayable form of any captured value (str, bytes, number, list, dict, None)."""
    if value is None:
        return {"text": "", "length": 0, "truncated": False}
    if isinstance(value, (bytes, bytearray)):
        raw = bytes(value)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            head = raw[: max(1, limit // 3)].hex(" ")
            return {"text": head, "length": len(raw), "truncated": len(raw) > limit // 3, "binary": True,
                    "sha256": hashlib.sha256(raw).hexdigest()}
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (int, float, bool)):
        text = str(value)
    else:
        text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    result: dict[str, Any] = {"text": neutralise(text[:limit]), "length": len(text), "truncated": len(text) > limit}
    if result["truncated"]:
        result["sha256"] = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return result


def excerpt(text: str, needles: list[str], width: int = 240) -> list[dict[str, Any]]:
    """Segments [{text, mark}] of text around the first needle found, the needle marked; [] if none is found.

    Matching is exact first, then case-insensitive (hex and URL-encoded forms differ in case in the wild).
    """
    for fold in (False, True):
        haystack = text.lower() if fold else text
        for needle in sorted({n for n in needles if n}, key=len, reverse=True):
            at = haystack.find(needle.lower() if fold else needle)
            if at < 0:
                continue
            end = at + len(needle)
            start, stop = max(0, at - width), min(len(text), end + width)
            segments = [{"text": neutralise(text[start:at]), "mark": False},
                        {"text": neutralise(text[at:end][:TEXT_LIMIT]), "mark": True},
                        {"text": neutralise(text[end:stop]), "mark": False}]
            if start > 0:
                segments.insert(0, {"text": "…", "mark": False})
            if stop < len(text):
                segments.append({"text": "…", "mark": False})
            return [s for s in segments if s["text"]]
    return []
