"""Values planted into the app through the hooked APIs, so that their later transmission is recognisable.

The case records what was planted before the run (case.json `planted` and a `hook.planted` event with phase
"configured"), and each time a hooked API returned a planted value (phase "returned", with the stack).
"""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from auditor.errors import InputError

MAX_CANARY = 200


# Honey values the agent returns as text from the API that reads them (hooks/src/planting.ts VALUE_PLANTERS).
HONEY = ("wifi_ssid", "wifi_bssid", "phone")


@dataclass(frozen=True)
class Plants:
    clipboard: str | None = None
    location: tuple[float, float] | None = None
    wifi_ssid: str | None = None        # WifiInfo.getSSID (returned in double quotes, as Android does)
    wifi_bssid: str | None = None       # WifiInfo.getBSSID
    phone: str | None = None            # TelephonyManager.getLine1Number

    def _honey(self) -> dict[str, str]:
        return {what: value for what in HONEY if (value := getattr(self, what)) is not None}

    def agent_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {}
        if self.clipboard is not None:
            config["clipboard"] = self.clipboard
        if self.location is not None:
            config["location"] = {"latitude": self.location[0], "longitude": self.location[1]}
        return config | self._honey()

    def describe(self) -> dict[str, Any]:
        return {"clipboard": self.clipboard,
                "location": None if self.location is None else {"latitude": self.location[0],
                                                                "longitude": self.location[1]},
                **self._honey()}

    @property
    def any(self) -> bool:
        return self.clipboard is not None or self.location is not None or bool(self._honey())


def clipboard_canary(value: str | None) -> str | None:
    """'auto' makes a fresh, unguessable canary; other text is planted as given (printable, bounded)."""
    if value is None:
        return None
    if value == "auto":
        return f"AUDITOR-CANARY-{secrets.token_hex(8)}"
    if not value or len(value) > MAX_CANARY or not value.isprintable():
        raise InputError("--plant-clipboard", f"expected 'auto' or printable text of at most {MAX_CANARY} characters")
    return value


BSSID = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")


def wifi(value: str | None) -> tuple[str | None, str | None]:
    """'SSID,BSSID' (the network name printable, at most 32 characters; the BSSID as aa:bb:cc:dd:ee:ff)."""
    if value is None:
        return None, None
    name, _, bssid = value.rpartition(",")
    if not name or len(name) > 32 or not name.isprintable() or '"' in name or not BSSID.match(bssid):
        raise InputError("--plant-wifi", "expected SSID,BSSID: a printable name of at most 32 characters without "
                                         "quotes, then six lower-case hex pairs (aa:bb:cc:dd:ee:ff)")
    return name, bssid


def phone_number(value: str | None) -> str | None:
    """An E.164 number: + and 8 to 15 digits."""
    if value is not None and not re.fullmatch(r"\+[0-9]{8,15}", value):
        raise InputError("--plant-phone", "expected + and 8 to 15 digits, e.g. +31600000042")
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
