"""Values planted into the app through the hooked APIs, so that their later transmission is recognisable.

The case records what was planted before the run (case.json `planted` and a `hook.planted` event with phase
"configured"), and each time a hooked API returned a planted value (phase "returned", with the stack).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from typing import Any

from auditor.errors import InputError

MAX_CANARY = 200


@dataclass(frozen=True)
class Plants:
    clipboard: str | None = None
    location: tuple[float, float] | None = None

    def agent_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.clipboard is not None:
            config["clipboard"] = self.clipboard
        if self.location is not None:
            config["location"] = {"latitude": self.location[0], "longitude": self.location[1]}
        return config

    def describe(self) -> dict[str, Any]:
        return {"clipboard": self.clipboard,
                "location": None if self.location is None else {"latitude": self.location[0],
                                                                "longitude": self.location[1]}}

    @property
    def any(self) -> bool:
        return self.clipboard is not None or self.location is not None


def clipboard_canary(value: str | None) -> str | None:
    """'auto' makes a fresh, unguessable canary; other text is planted as given (printable, bounded)."""
    if value is None:
        return None
    if value == "auto":
        return f"AUDITOR-CANARY-{secrets.token_hex(8)}"
    if not value or len(value) > MAX_CANARY or not value.isprintable():
        raise InputError("--plant-clipboard", f"expected 'auto' or printable text of at most {MAX_CANARY} characters")
    return value


def coordinates(value: str | None) -> tuple[float, float] | None:
    """'LAT,LON' in decimal degrees."""
    if value is None:
        return None
    try:
        lat_text, lon_text = value.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise InputError("--plant-location", "expected LAT,LON in decimal degrees, e.g. 48.8584,2.2945") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError("--plant-location", "latitude must be within ±90 and longitude within ±180")
    return lat, lon
