"""Personal data in a decoded message: known values in every encoding (one automaton), and identifiers
recognised by field name and format when no value was planted (an imported HAR).

Known values come from the planted canaries, the device attestation, and face measurements the app read
through a hooked face API (auditor/analyze/biometrics.py). Each is expanded into the forms
apps and SDKs really send (DESIGN §5); all forms of all values go into one Aho-Corasick automaton that runs
over the lower-cased text of every decoded segment. Case-sensitive forms (base64) are re-checked against
the original text; numeric forms (coordinates) must not sit inside a longer number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import ahocorasick

from auditor.analyze.biometrics import number_forms
from auditor.analyze.decode import Decoded
from auditor.analyze.recipients import _psl
from auditor.contract.document import Bilingual

MIN_VALUE_LENGTH = 6            # shorter values would match by chance
PRECISE_PLACES = 4              # decimals (about 11 m) from which a coordinate is a precise location
MAX_VALUE_SHOWN = 200

DEVICE_KEYS = {"advertising_id": "advertising_id", "gaid": "advertising_id", "android_id": "android_id",
               "imei": "imei", "meid": "imei", "serial": "device_serial", "phone_number": "phone",
               "wifi_mac": "device_identifier", "bluetooth_mac": "device_identifier", "device_name": "device_name",
               "email": "email", "account": "email"}
PLANTED_CATEGORIES = {"clipboard": "clipboard", "location": "location", "gps": "location", "email": "email",
                      "device_name": "device_name", "contact": "contact", "phone": "phone"}


@dataclass(frozen=True)
class Needle:
    category: str
    what: str           # which known value (e.g. "advertising_id", "clipboard")
    form: str           # how it was encoded (raw, urlencoded, base64, md5(lower), e6, ...)
    text: str           # the exact form
    case_sensitive: bool
    numeric: bool       # must not be part of a longer number
    source: str         # planted | device | observed (read by the app through a hooked API)
    origin: int | None = None   # observed: the ledger seq of the hook event where the app read it
    keyed: bool = False         # counts only as the value of a coordinate key (a 2-decimal form: chance)


@dataclass(frozen=True)
class Hit:
    category: str
    what: str
    form: str
    location: str
    value: str
    source: str         # planted | device | observed | recognised:<rule>
    origin: int | None = None
    reasoning: Bilingual | None = None    # a recognition ruleset rule's reasoning (recognition.py)


def _digests(value: str) -> list[tuple[str, str]]:
    variants = {"raw": value, "lower": value.lower(), "upper": value.upper(), "trimmed": value.strip()}
    out = []
    for name in ("md5", "sha1", "sha256"):
        labels: dict[str, list[str]] = {}      # digest -> every normalisation that gives it
        for label, variant in variants.items():
            labels.setdefault(hashlib.new(name, variant.encode("utf-8")).hexdigest(), []).append(label)
        out += [(f"{name}({'|'.join(names)})", digest) for digest, names in labels.items()]
    return out


def _identifier_forms(value: str) -> list[tuple[str, str, bool]]:
    """The other shapes of an identifier: a UUID without dashes (also how its 16 raw bytes are searched,
    as hex), and a 64-bit hex ID (an Android ID) as unsigned and signed decimal and as a protobuf fixed64
    (read as a double by the decoder, or as little-endian hex)."""
    forms: list[tuple[str, str, bool]] = []
    if UUID.match(value):
        forms.append(("uuid-undashed", value.replace("-", "").lower(), False))
    if HEX16.match(value):
        number = int(value, 16)
        packed = struct.pack("<Q", number)
        forms += [("decimal", str(number), False), ("decimal-signed", str(struct.unpack("<q", packed)[0]), False),
                  ("fixed64-le-hex", packed.hex(), False)]
        double = struct.unpack("<d", packed)[0]
        if double == double and abs(double) not in (0.0, float("inf")):
            forms.append(("fixed64-as-double", repr(double), False))
    return forms


def string_forms(value: str) -> list[tuple[str, str, bool]]:
    """(form, text, case_sensitive) for one known string value."""
    raw = value.encode("utf-8")
    forms: list[tuple[str, str, bool]] = [("raw", value, False)]
    once = quote(value, safe="")
    forms += [("urlencoded", once, False), ("urlencoded-twice", quote(once, safe=""), False)]
    std = base64.b64encode(raw).decode("ascii")
    url = base64.urlsafe_b64encode(raw).decode("ascii")
    forms += [("base64", std, True), ("base64-unpadded", std.rstrip("="), True),
              ("base64url", url, True), ("base64url-unpadded", url.rstrip("="), True)]
    forms.append(("hex", raw.hex(), False))
    for label, digest in _digests(value):
        forms += [(label, digest, False), (f"{label}-base64", base64.b64encode(bytes.fromhex(digest)).decode(), True)]
    forms += _identifier_forms(value)
    forms.append(("json-escaped", json.dumps(value)[1:-1], False))
    unique: dict[str, tuple[str, str, bool]] = {}
    for form, text, sensitive in forms:
        if len(text) >= MIN_VALUE_LENGTH and text not in unique:
            unique[text] = (form, text, sensitive)
    return list(unique.values())


def _places(value: str) -> int:
    """Decimals a planted coordinate was given with ("52.37" -> 2)."""
    return len(value.strip().partition(".")[2])


def coordinate_forms(degrees: float) -> list[tuple[str, str, int]]:
    """(form, text, decimals) for one coordinate: rounded and truncated at 2..6 decimals (also with trailing
    zeros dropped and with a decimal comma), the shortest float, the float32 value widened to double, and
    the E6 and E7 integers (decimals 6 and 7)."""
    out: dict[str, tuple[str, int]] = {}

    def add(text: str, form: str, places: int) -> None:
        out.setdefault(text, (form, places))
        if "." in text:
            out.setdefault(text.replace(".", ","), (f"{form}-comma", places))

    padded = []
    for places in range(6, 1, -1):
        factor = 10 ** places
        padded += [(f"rounded-{places}", f"{degrees:.{places}f}", places),
                   (f"truncated-{places}", f"{int(degrees * factor) / factor:.{places}f}", places)]
    for form, text, places in padded:
        add(text, form, places)
    for form, text, _ in padded:            # after: a shorter form is named for its own precision first
        short = text.rstrip("0").rstrip(".")
        if short != text and "." in short:
            add(short, f"{form}-unpadded", len(short.partition(".")[2]))
    add(repr(degrees), "shortest", len(repr(degrees).partition(".")[2]))
    add(repr(struct.unpack("<f", struct.pack("<f", degrees))[0]), "float32", 7)
    out.setdefault(str(int(round(degrees * 1_000_000))), ("e6", 6))
    out.setdefault(str(int(round(degrees * 10_000_000))), ("e7", 7))
    return [(form, text, places) for text, (form, places) in out.items()]


def parse_coordinates(value: str) -> tuple[float, float] | None:
    parts = [p.strip() for p in value.replace(";", ",").split(",")]
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return (lat, lon) if -90 <= lat <= 90 and -180 <= lon <= 180 else None


class KnownValues:
    """One automaton over every form of every known value."""

    def __init__(self, planted: list[dict[str, str]], device: dict[str, object],
                 observed: Sequence[dict[str, Any]] = ()):
        self.needles: list[Needle] = []
        self.location_places: int | None = None     # decimals the planted location was given with
        self.coordinates: list[tuple[float, float]] = []
        for item in planted:
            what = item["what"]
            category = PLANTED_CATEGORIES.get(what, "planted")
            coords = parse_coordinates(item["value"]) if category == "location" else None
            if coords:
                given = min(_places(part) for part in item["value"].replace(";", ",").split(","))
                self.location_places = max(given, self.location_places or 0)
                self.coordinates.append(coords)
                for axis, degrees in zip(("latitude", "longitude"), coords, strict=True):
                    for form, text, places in coordinate_forms(degrees):
                        # two decimals match prices and versions by chance: only under a coordinate key,
                        # unless the device itself was given no more
                        self.needles.append(Needle("location", axis, form, text, False, True, "planted",
                                                   keyed=places <= 2 < given))
            else:
                self._add_string(category, what, item["value"], "planted")
        for key in sorted(device):
            value = device[key]
            if key in DEVICE_KEYS and isinstance(value, str) and value.strip():
                self._add_string(DEVICE_KEYS[key], key, value, "device")
        for item in observed:
            for form, text in number_forms(item["value"]):
                self.needles.append(Needle("biometric", item["what"], form, text, False, True, "observed",
                                           item["seq"]))
        self.automaton = ahocorasick.Automaton()
        by_text: dict[str, list[int]] = {}
        for position, needle in enumerate(self.needles):
            by_text.setdefault(needle.text.lower(), []).append(position)
        for text, positions in by_text.items():
            self.automaton.add_word(text, (len(text), positions))
        self.empty = not by_text
        if not self.empty:
            self.automaton.make_automaton()

    def classify_locations(self, hits: list[Hit]) -> list[Hit]:
        """Location hits by what they show: "location" (precise: at least PRECISE_PLACES decimals, or as many as
        the device was given), "approximate_location" (fewer), and "other_location" for coordinates recognised
        under location keys that are not the planted ones (never counted as the planted location)."""
        out = []
        for hit in hits:
            if hit.category != "location" or hit.what not in ("latitude", "longitude"):
                out.append(hit)
                continue
            if hit.source.startswith("recognised:") and self.coordinates and not self._planted(hit):
                out.append(replace(hit, category="other_location"))
                continue
            precise = _decimals(hit) >= min(PRECISE_PLACES, self.location_places or PRECISE_PLACES)
            out.append(hit if precise else replace(hit, category="approximate_location"))
        return out

    def _planted(self, hit: Hit) -> bool:
        """A recognised coordinate that is a planted one, rounded or truncated to the decimals it shows."""
        axis = 0 if hit.what == "latitude" else 1
        try:
            value = float(hit.value.replace(",", "."))
        except ValueError:
            return False
        return any(abs(value - pair[axis]) < 10 ** -_decimals(hit) for pair in self.coordinates)

    def _add_string(self, category: str, what: str, value: str, source: str) -> None:
        for form, text, sensitive in string_forms(value):
            self.needles.append(Needle(category, what, form, text, sensitive, False, source))

    def search(self, decoded: Decoded) -> list[Hit]:
        return complete_locations(self.search_part(decoded))

    def search_part(self, decoded: Decoded) -> list[Hit]:
        """The known values in one part of a message (locations not yet paired: complete_locations)."""
        if self.empty:
            return []
        hits: dict[tuple[str, str, str, str], Hit] = {}
        for location, text in decoded.segments:
            lower = text.lower()
            if len(lower) != len(text):      # rare Unicode case-mapping change of length: search as is
                lower = text
            for end, (length, positions) in self.automaton.iter(lower):
                start = end - length + 1
                original = text[start:end + 1]
                for position in positions:
                    needle = self.needles[position]
                    if needle.case_sensitive and original != needle.text:
                        continue
                    if needle.numeric and not _number_bounded(text, start, end):
                        continue
                    if needle.keyed and _key_of(location) not in COORDINATE_KEYS:
                        continue
                    form = needle.form
                    if form == "raw" and original != needle.text:
                        form = "case-folded"
                    key = (needle.what, form, location, needle.category)
                    hits.setdefault(key, Hit(needle.category, needle.what, form, location,
                                             original[:MAX_VALUE_SHOWN], needle.source, needle.origin))
        return list(hits.values())


def _number_bounded(text: str, start: int, end: int) -> bool:
    """The whole numeric token must match: "52.37" inside "152.37", "-52.37", "52.3702" or the version
    "52.37.0" is another value."""
    before = text[start - 1] if start > 0 else ""
    after = text[end + 1:end + 3]
    if before.isdigit() or before in (".", "-") or after[:1].isdigit():
        return False
    return not (after[:1] == "." and after[1:2].isdigit())      # a comma after is a list: "52.37,4.89"


def _decimals(hit: Hit) -> int:
    """The precision a coordinate hit shows: its decimals, or 6 and 7 for the E6 and E7 integers."""
    if hit.form in ("e6", "e7"):
        return int(hit.form[1])
    return len(hit.value.replace(",", ".").partition(".")[2])


def _key_of(location: str) -> str:
    """The field name a segment's location ends in, normalised (body.device.geo.Lat -> lat)."""
    return location.rsplit(".", 1)[-1].split("<", 1)[0].lower()


def complete_locations(hits: list[Hit]) -> list[Hit]:
    """A coordinate counts only when both latitude and longitude were found in the same message."""
    axes = {h.what for h in hits if h.category == "location" and h.what in ("latitude", "longitude")}
    if axes == {"latitude", "longitude"}:
        return hits
    return [h for h in hits if not (h.category == "location" and h.what in ("latitude", "longitude"))]


# ---- recognition without planted values -------------------------------------------------------

UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
HEX16 = re.compile(r"^[0-9a-fA-F]{16}$")
EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,24}")
DECIMAL = re.compile(r"^-?[0-9]{1,3}\.([0-9]{3,})$")
ZERO_UUID = "00000000-0000-0000-0000-000000000000"


LATITUDE_KEYS = frozenset({"lat", "latitude"})
LONGITUDE_KEYS = frozenset({"lon", "lng", "long", "longitude"})
COORDINATE_KEYS = LATITUDE_KEYS | LONGITUDE_KEYS
LOCATION_REASONING = Bilingual(
    en="Latitude and longitude with at least 3 decimals (about 110 m or better) under coordinate field names in "
       "the same message.",
    nl="Breedte- en lengtegraad met ten minste 3 decimalen (ongeveer 110 m of nauwkeuriger) onder veldnamen voor "
       "coördinaten in hetzelfde bericht.")
EMAIL_REASONING = Bilingual(
    en="An e-mail address anywhere in the message: local part @ a domain registrable under the Public Suffix List "
       "(so banner@2x.png, a file name, is not one).",
    nl="Een e-mailadres waar dan ook in het bericht: lokaal deel @ een domein dat volgens de Public Suffix List "
       "registreerbaar is (banner@2x.png, een bestandsnaam, is er dus geen).")


DENSITY = re.compile(r"^[0-9]+(\.[0-9]+)?x\.", re.IGNORECASE)     # banner@2x.png, icon@1.5x.webp


@lru_cache(maxsize=1 << 17)       # fields repeat across a capture's messages
def _coordinate_axis(key: str, value: str) -> str | None:
    """latitude or longitude for a decimal coordinate under a coordinate key, else None."""
    value = value.strip()
    if not DECIMAL.match(value):
        return None
    name = key.strip().lower().rsplit(".", 1)[-1]
    if name in LATITUDE_KEYS and abs(float(value)) <= 90:
        return "latitude"
    if name in LONGITUDE_KEYS and abs(float(value)) <= 180:
        return "longitude"
    return None


@lru_cache(maxsize=1 << 14)       # a capture repeats its texts; the scan of each is done once
def emails_in(text: str) -> tuple[str, ...]:
    return tuple(match.group(0) for match in EMAIL.finditer(text)
                 if real_mail_domain(match.group(0).rpartition("@")[2]) and not _url_userinfo(text, match.start()))


URL_USERINFO = re.compile(r"(?:\\?/){2}[A-Za-z0-9._~%!$&'()*+,;=:-]*$")     # also JSON's escaped "\/\/"


def _url_userinfo(text: str, start: int) -> bool:
    """key@host right after "scheme://" is a URL's user information (a Sentry DSN's key, a proxy login), not
    an e-mail address."""
    return URL_USERINFO.search(text, max(0, start - 256), start) is not None


def real_mail_domain(domain: str) -> bool:
    """A domain mail can go to: registrable under a suffix of the Public Suffix List (ICANN section), and
    not an image density suffix."""
    return not DENSITY.match(domain) and _psl().privatesuffix(domain.lower(), accept_unknown=False) is not None


def luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        number = int(char)
        if position % 2:
            number = number * 2 - 9 if number > 4 else number * 2
        total += number
    return total % 10 == 0


@dataclass(frozen=True)
class Formats:
    """What format recognition finds in one part of a message: its first coordinate of each axis and the
    first place of each e-mail address (format_hits pairs and merges the parts)."""
    latitude: Hit | None
    longitude: Hit | None
    emails: dict[str, Hit]


def formats(decoded: Decoded) -> Formats:
    lat: Hit | None = None
    lon: Hit | None = None
    for location, key, value in decoded.fields:
        axis = _coordinate_axis(key, value) if "." in value else None      # a coordinate has decimals
        if axis == "latitude":
            lat = lat or Hit("location", "latitude", "raw", location, value.strip(), "recognised:coordinates-by-key")
        elif axis == "longitude":
            lon = lon or Hit("location", "longitude", "raw", location, value.strip(), "recognised:coordinates-by-key")
    emails: dict[str, Hit] = {}
    for location, text in decoded.segments:
        for address in emails_in(text[:1 << 20]) if "@" in text else ():
            emails.setdefault(address.lower(),
                              Hit("email", "email", "raw", location, address, "recognised:email-format"))
    return Formats(lat, lon, emails)


def format_hits(parts: Sequence[Formats]) -> list[Hit]:
    """A message's format hits from its parts in order: a coordinate when the message has both axes, each
    e-mail address once, where it first appears."""
    hits: dict[tuple[str, str], Hit] = {}
    lat = next((part.latitude for part in parts if part.latitude), None)
    lon = next((part.longitude for part in parts if part.longitude), None)
    if lat and lon:
        hits[("coordinates", lat.location)] = lat
        hits[("coordinates", lon.location)] = lon
    for part in parts:
        for address, hit in part.emails.items():
            hits.setdefault(("email", address), hit)
    return list(hits.values())


def recognise(decoded: Decoded) -> list[Hit]:
    """Coordinates under coordinate keys and e-mail addresses by format (field-name and endpoint rules are
    data: recognition.py); each hit names its rule."""
    return format_hits([formats(decoded)])


RECOGNITION_REASONING = {"coordinates-by-key": LOCATION_REASONING, "email-format": EMAIL_REASONING}
