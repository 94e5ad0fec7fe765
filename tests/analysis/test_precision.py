"""Known values in the shapes SDKs send them, and decoys that are not them: coordinates as whole numeric
tokens (not versions, prices, longer numbers), two-decimal forms only under coordinate keys, e-mail only
with a real domain."""

from __future__ import annotations

import base64
import hashlib
import json
import struct

import pytest

from auditor.analyze.decode import Decoder
from auditor.analyze.personal import KnownValues, recognise

LOCATION = {"what": "location", "value": "52.370216,4.895168"}
AAID = "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c"
ANDROID_ID = "a1b2c3d4e5f60718"


def hits_in(body: str, planted: list[dict] | None = None, device: dict | None = None,
            content_type: str = "application/json") -> list[tuple[str, str, str]]:
    decoder = Decoder()
    decoder.body(body.encode(), content_type, [], "body")
    known = KnownValues(planted or [LOCATION], device or {})
    return sorted((h.what, h.form, h.location) for h in known.search(decoder.decoded))


@pytest.mark.parametrize(("body", "forms"), [
    ('{"a": 523702160, "b": 48951680}', [("latitude", "e7", "body"), ("longitude", "e7", "body")]),
    ('{"a": 52.370216369628906, "b": 4.895167827606201}',
     [("latitude", "float32", "body"), ("longitude", "float32", "body")]),
    ("lat=52,370216;lon=4,895168", [("latitude", "rounded-6-comma", "body"),
                                    ("longitude", "rounded-6-comma", "body")]),
    ('{"a": 52.3702, "b": 4.8952}', [("latitude", "rounded-4", "body"), ("longitude", "rounded-4", "body")]),
])
def test_coordinates_in_the_forms_sdks_send(body, forms):
    assert hits_in(body, content_type="text/plain") == forms


@pytest.mark.parametrize("decoy", [
    '{"webview": "webview=52.37.0", "os": "4.89.1"}',          # version strings
    '{"price": "52.37", "tax": "4.90"}',                          # two decimals, not under coordinate keys
    '{"a": 152.370216, "b": 14.8951680}',                         # inside longer numbers
    '{"a": -52.370216, "b": -4.895168}',                          # the other hemisphere
])
def test_decoys_are_not_the_planted_location(decoy):
    assert hits_in(decoy, content_type="text/plain") == []


def test_two_decimals_count_under_coordinate_keys_or_when_planted_with_two():
    assert hits_in('{"lat": "52.37", "lng": "4.90"}') == [("latitude", "rounded-2", "body.lat"),
                                                            ("longitude", "rounded-2", "body.lng")]
    planted = [{"what": "location", "value": "52.37,4.90"}]
    assert hits_in('{"price": "52.37", "tax": "4.90"}', planted) == [
        ("latitude", "rounded-2", "body"), ("latitude", "rounded-2", "body.price"),
        ("longitude", "rounded-2", "body"), ("longitude", "rounded-2", "body.tax")]


def test_identifiers_in_their_other_shapes():
    number = int(ANDROID_ID, 16)
    fixed64 = struct.pack("<Q", number)
    body = json.dumps({"adid": AAID.replace("-", ""), "raw": base64.b64encode(bytes.fromhex(AAID.replace("-", "")))
                       .decode(), "aid": str(number), "digest": base64.b64encode(
                           hashlib.sha256(AAID.encode()).digest()).decode(), "f": fixed64.hex()})
    found = hits_in(body, planted=[], device={"advertising_id": AAID, "android_id": ANDROID_ID})
    # each twice: in the raw body text, and in the field (the decoded 16 bytes and digest bytes as hex)
    assert found == [("advertising_id", "sha256(raw|lower|trimmed)", "body.digest<base64><hex>"),
                     ("advertising_id", "sha256(raw|lower|trimmed)-base64", "body"),
                     ("advertising_id", "sha256(raw|lower|trimmed)-base64", "body.digest"),
                     ("advertising_id", "uuid-undashed", "body"),
                     ("advertising_id", "uuid-undashed", "body.adid"),
                     ("advertising_id", "uuid-undashed", "body.raw<base64><hex>"),
                     ("android_id", "decimal", "body"), ("android_id", "decimal", "body.aid"),
                     ("android_id", "fixed64-le-hex", "body"), ("android_id", "fixed64-le-hex", "body.f")]


@pytest.mark.parametrize(("text", "emails"), [
    ("see banner@2x.png and icon@1.5x.webp", []),
    ("from alice@example.org to bob@mail.example.co.uk", ["alice@example.org", "bob@mail.example.co.uk"]),
    ("user@host.local and x@y.invalidtld", []),
    # a URL's user information is not an address: a Sentry DSN's key, a proxy login; an address after it is
    ('{"dsn": "https://3f1c2a9e5b7d@relay.example.org/4501", "proxy": "http://bob:pw@proxy.example.net:8080"}', []),
    ("https://x@example.org/ then carol@example.org", ["carol@example.org"]),
    (r'{"dsn":"https:\/\/3f1c2a9e@relay.example.org\/4501"}', []),       # org.json escapes "/"
    ("mailto:dave@example.org", ["dave@example.org"]),
])
def test_email_needs_a_real_domain(text, emails):
    decoder = Decoder()
    decoder.body(text.encode(), "text/plain", [], "body")
    assert sorted(h.value for h in recognise(decoder.decoded) if h.category == "email") == emails


def classified(body: str, planted: list[dict]) -> list[tuple[str, str, str]]:
    decoder = Decoder()
    decoder.body(body.encode(), "application/json", [], "body")
    known = KnownValues(planted, {})
    return sorted((h.category, h.what, h.location) for h in
                  known.classify_locations(known.search(decoder.decoded) + recognise(decoder.decoded)))


def test_precise_approximate_and_other_locations():
    # four decimals: precise; the same under lat/lng keys, recognised, is the planted one too
    assert classified('{"lat": "52.3702", "lng": "4.8952"}', [LOCATION]) == [
        ("location", "latitude", "body"), ("location", "latitude", "body.lat"), ("location", "latitude", "body.lat"),
        ("location", "longitude", "body"), ("location", "longitude", "body.lng"),
        ("location", "longitude", "body.lng")]
    # two decimals under location keys: the planted location, approximately
    assert {c for c, _, _ in classified('{"lat": "52.37", "lng": "4.90"}', [LOCATION])} == {"approximate_location"}
    # another place under location keys: its own category, never the planted location
    assert classified('{"lat": "48.856614", "lng": "2.352222"}', [LOCATION]) == [
        ("other_location", "latitude", "body.lat"), ("other_location", "longitude", "body.lng")]
    # planted with two decimals: two decimals are all the device had, so precise
    assert {c for c, _, _ in classified('{"lat": "52.37", "lng": "4.90"}',
                                        [{"what": "location", "value": "52.37,4.90"}])} == {"location"}
    # no planted location (an imported capture): recognised coordinates are the location, by their precision
    assert {c for c, _, _ in classified('{"lat": "48.856614", "lng": "2.352222"}', [])} == {"location"}
    assert {c for c, _, _ in classified('{"lat": "48.857", "lng": "2.352"}', [])} == {"approximate_location"}
