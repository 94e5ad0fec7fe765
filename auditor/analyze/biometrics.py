"""Face geometry the app read through a hooked face-detection interface: the values a transmission of
biometric data is matched against.

A face detector hands the app measurements of a face (the midpoint between the eyes, the distance between
them). The hooks record them as the app received them (float, a JSON number in the ledger). Apps send them
as text in one of two ways: the float widened to a double (Java `(double) f`, most JSON libraries) or the
float's own shortest text (`Float.toString`). Whole numbers are left out: "120" in a request is far too
common to show that a face measurement left the phone.
"""

from __future__ import annotations

import math
import struct
from typing import Any

from auditor.analyze.observations import HookRow

EYES_DISTANCE = "android.media.FaceDetector$Face.eyesDistance"
MIDPOINT = "android.media.FaceDetector$Face.getMidPoint"
MIN_TEXT = 4            # "1.5" would match by chance


def face_measurements(hooks: list[HookRow]) -> list[dict[str, Any]]:
    """[{what, value, seq}] for each face measurement a hook saw the app read, in ledger order."""
    out: list[dict[str, Any]] = []
    for row in hooks:
        if row.api == EYES_DISTANCE and _number(row.result):
            out.append({"what": "face.eyes_distance", "value": float(row.result), "seq": row.seq})
        elif row.api == MIDPOINT:
            # the PointF the app passed in, filled by the call; the agent reads its fields x and y
            point = row.args[0] if isinstance(row.args, list) and row.args else None
            if isinstance(point, dict) and all(_number(point.get(axis)) for axis in ("x", "y")):
                out += [{"what": f"face.midpoint_{axis}", "value": float(point[axis]), "seq": row.seq}
                        for axis in ("x", "y")]
    return out


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _single(value: float) -> float:
    return struct.unpack("<f", struct.pack("<f", value))[0]


def number_forms(value: float) -> list[tuple[str, str]]:
    """(form, text) for one measurement: as a double and as the float's shortest text; none if whole."""
    if not math.isfinite(value) or value == int(value) or abs(value) >= 1e7:
        return []
    forms = {repr(value): "double"}
    single = _single(value)
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if "e" not in text and _single(float(text)) == single:
            forms.setdefault(text, "float")
            break
    return [(form, text) for text, form in forms.items() if len(text) >= MIN_TEXT]
