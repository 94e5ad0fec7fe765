"""Fitting a flow's `proxy.flow` body into one ledger line when the flow is too large for it.

The audited app controls its traffic: a header over 1 MiB, a 4 MB URL, 100k headers or header bytes that are
not UTF-8 must not stop the capture recording. The whole flow is already in flows.mitm; here each part that
cannot go in the event is stored whole as an artifact, a bounded prefix stays in the event, and the cut is on
record in the body's `cuts` list (docs/events.md) — so the event says exactly what it does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

STRING_CAP = 4096           # characters of a long string kept in the event
LIST_CAP = 128 * 1024       # bytes (as JSON) of a long list's leading items kept in the event

PutArtifact = Callable[[bytes], str]


class CutReason(StrEnum):
    TOO_LONG = "too_long"           # a string over STRING_CAP characters: the first STRING_CAP are kept
    NOT_UTF8 = "not_utf8"           # bytes that are not UTF-8: kept with U+FFFD in their place
    TOO_MANY = "too_many"           # a list over LIST_CAP bytes: its leading items are kept


@dataclass(frozen=True)
class Cut:
    field: str          # where in the body, e.g. "request.headers[3][1]"
    reason: CutReason
    size: int           # the whole: bytes of a string, items of a list
    kept: int           # characters or items left in the event
    sha256: str         # the artifact holding the whole (a string's bytes; a list as JSON)


def _json_size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=True, separators=(",", ":")))


def _fit_string(value: str, where: str, put: PutArtifact, cuts: list[Cut]) -> str:
    raw = value.encode("utf-8", "surrogateescape")     # header bytes as received (flowfacts.headers)
    try:
        value.encode("utf-8")
        reason = CutReason.TOO_LONG if len(value) > STRING_CAP else None
    except UnicodeEncodeError:
        value, reason = raw.decode("utf-8", "replace"), CutReason.NOT_UTF8
    if reason is None:
        return value
    kept = value[:STRING_CAP]
    cuts.append(Cut(where, reason, len(raw), len(kept), put(raw)))
    return kept


def _fit(value: Any, where: str, put: PutArtifact, cuts: list[Cut]) -> Any:
    if isinstance(value, str):
        return _fit_string(value, where, put, cuts)
    if isinstance(value, dict):
        return {key: _fit(item, f"{where}.{key}" if where else key, put, cuts) for key, item in value.items()}
    if not isinstance(value, list):
        return value
    item_cuts: list[list[Cut]] = []
    items = []
    for index, item in enumerate(value):
        item_cuts.append([])
        items.append(_fit(item, f"{where}[{index}]", put, item_cuts[-1]))
    kept, used = 0, 0
    for item in items:
        used += _json_size(item) + 1
        if used > LIST_CAP:
            break
        kept += 1
    for cut_list in item_cuts[:kept]:
        cuts.extend(cut_list)
    if kept < len(items):
        whole = json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")
        cuts.append(Cut(where, CutReason.TOO_MANY, len(value), kept, put(whole)))
    return items[:kept]


def fit_event(body: dict[str, Any], put: PutArtifact) -> dict[str, Any]:
    """The body with every part too large (or not UTF-8) for a ledger line cut, and `cuts` naming each."""
    cuts: list[Cut] = []
    fitted = _fit(body, "", put, cuts)
    fitted["cuts"] = [asdict(cut) for cut in cuts]
    return fitted
