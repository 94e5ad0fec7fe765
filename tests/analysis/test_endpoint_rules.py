"""Endpoint rules for Firebase Analytics (app-measurement), Crashlytics, AppLovin and Mintegral, on requests
built here in each SDK's shape: exact hits (data type, location, value, rule), and decoys that must not match
(the same paths on other hosts, values not of the field's format)."""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlencode

from auditor.analyze.decode import Decoder
from auditor.analyze.recognition import default

AAID = "3f9c2b1e-8d4a-4e6f-9b0c-1d2e3f4a5b6c"
INSTANCE = "8b6a1f0c2d3e4f5a6b7c8d9e0f1a2b3c"
ANDROID_ID = "e1f2a3b4c5d6e7f8"


def varint(number: int) -> bytes:
    out = b""
    while True:
        low, number = number & 0x7F, number >> 7
        if not number:
            return out + bytes([low])
        out += bytes([low | 0x80])


def text(field: int, value: str | bytes) -> bytes:
    raw = value.encode() if isinstance(value, str) else value
    return varint(field << 3 | 2) + varint(len(raw)) + raw


def number(field: int, value: int) -> bytes:
    return varint(field << 3) + varint(value)


def bundle(ad_id: str = AAID) -> bytes:
    """One app-measurement Bundle (its field numbers as the SDK writes them)."""
    return (number(1, 1) + text(8, "android") + text(9, "13") + text(10, "Pixel 7") + text(11, "en-us")
            + number(12, 60) + text(14, "com.example.app") + text(16, "1.2.3") + text(19, ad_id)
            + text(21, INSTANCE) + text(27, ANDROID_ID) + text(30, "fAbCdEfGhIjKlMnOpQrStU"))


def found(host: str, url: str = "", headers: dict[str, str] | None = None, body: bytes = b"",
          content_type: str = "", encodings: tuple[str, ...] = ()) -> list[tuple[str, str, str, str]]:
    decoder = Decoder()
    if url:
        decoder.url(url)
    for name, value in (headers or {}).items():
        decoder.header(name, value)
    if body:
        decoder.body(body, content_type, list(encodings), "body")
    return sorted((h.category, h.location, h.value, h.source)
                  for h in default().recognise(decoder.decoded, host))


MEASUREMENT = "recognised:firebase-app-measurement"


def test_an_app_measurement_batch_names_its_identifiers_and_device_attributes():
    batch = gzip.compress(text(1, bundle()), mtime=0)
    where = "body<gzip><protobuf>.1"
    assert found("app-measurement.com", body=batch, content_type="application/x-protobuf",
                 encodings=("gzip",)) == [
        ("advertising_id", f"{where}.19", AAID, MEASUREMENT),
        ("device_attribute", f"{where}.10", "Pixel 7", MEASUREMENT),
        ("device_attribute", f"{where}.11", "en-us", MEASUREMENT),   # also parses as a message: both kept
        ("device_attribute", f"{where}.12", "60", MEASUREMENT),
        ("device_attribute", f"{where}.16", "1.2.3", MEASUREMENT),
        ("device_attribute", f"{where}.8", "android", MEASUREMENT),
        ("device_attribute", f"{where}.9", "13", MEASUREMENT),
        ("device_identifier", f"{where}.21", INSTANCE, MEASUREMENT),
        ("device_identifier", f"{where}.27", ANDROID_ID, MEASUREMENT),
        ("device_identifier", f"{where}.30", "fAbCdEfGhIjKlMnOpQrStU", MEASUREMENT)]


def test_several_bundles_are_each_read_by_their_index():
    batch = text(1, bundle()) + text(1, bundle("5b2e7f0c-4d1a-4c3e-9f8b-2a6d1e0c9b7a"))
    ids = [(where, value) for category, where, value, _ in found("region1.app-measurement.com", body=batch,
                                                                   content_type="application/x-protobuf")
           if category == "advertising_id"]
    assert ids == [("body<protobuf>.1[0].19", AAID), ("body<protobuf>.1[1].19", "5b2e7f0c-4d1a-4c3e-9f8b-2a6d1e0c9b7a")]


def test_app_measurement_decoys():
    # the same protobuf to another host says nothing: field numbers mean something only to Firebase
    assert found("collector.example", body=text(1, bundle()), content_type="application/x-protobuf") == []
    # an all-zero advertising ID (personalised ads opted out) is not one
    zero = [row for row in found("app-measurement.com", body=text(1, bundle("00000000-0000-0000-0000-000000000000")),
                                 content_type="application/x-protobuf") if row[0] == "advertising_id"]
    assert zero == []


def test_crashlytics_settings_headers_and_parameters():
    url = ("https://firebase-settings.crashlytics.com/spi/v2/platforms/android/gmp/1:123:android:abc/settings"
           "?build_version=42&display_version=1.2.3&instance=0f4e&source=1")
    headers = {"X-CRASHLYTICS-INSTALLATION-ID": INSTANCE, "X-CRASHLYTICS-DEVICE-MODEL": "Google/Pixel 7",
               "X-CRASHLYTICS-OS-DISPLAY-VERSION": "13", "User-Agent": "Crashlytics Android SDK/18.6.0"}
    rule = "recognised:crashlytics-settings"
    assert found("firebase-settings.crashlytics.com", url, headers) == [
        ("device_attribute", "header.x-crashlytics-device-model", "Google/Pixel 7", rule),
        ("device_attribute", "header.x-crashlytics-os-display-version", "13", rule),
        ("device_attribute", "query.build_version", "42", rule),
        ("device_attribute", "query.display_version", "1.2.3", rule),
        ("device_identifier", "header.x-crashlytics-installation-id", INSTANCE, rule)]
    # a short or non-hex installation header is not an identifier; other hosts' headers are nothing
    assert found("firebase-settings.crashlytics.com", headers={"X-Crashlytics-Installation-Id": "none"}) == []
    assert found("collector.example", url, headers) == []


def test_a_crashlytics_report_in_the_transport_batch():
    report = {"installationUuid": INSTANCE, "platform": 4,
              "session": {"identifier": "65A1B2C3D4E5F60718293A4B5C6D7E8F", "user": {"identifier": "user-42"},
                          "device": {"model": "Pixel 7", "ram": 8_000_000_000, "simulator": False},
                          "os": {"version": "13", "jailbroken": False}}}
    batch = {"logRequest": [{"clientInfo": {"clientType": "ANDROID_FIREBASE",
                                            "androidClientInfo": {"model": "Pixel 7", "locale": "en_US"}},
                             "logEvent": [{"sourceExtensionJsonProto3": json.dumps(report)}]}]}
    rule = "recognised:crashlytics-reports"
    event = "body.logRequest[0].logEvent[0].sourceExtensionJsonProto3"
    client = "body.logRequest[0].clientInfo.androidClientInfo"
    assert found("crashlyticsreports-pa.googleapis.com", body=json.dumps(batch).encode(),
                 content_type="application/json") == [
        ("device_attribute", f"{client}.locale", "en_US", rule),
        ("device_attribute", f"{client}.model", "Pixel 7", rule),
        ("device_attribute", "body.logRequest[0].clientInfo.clientType", "ANDROID_FIREBASE", rule),
        ("device_attribute", f"{event}.platform", "4", rule),
        ("device_attribute", f"{event}.session.device.model", "Pixel 7", rule),
        ("device_attribute", f"{event}.session.device.ram", "8000000000", rule),
        ("device_attribute", f"{event}.session.device.simulator", "False", rule),
        ("device_attribute", f"{event}.session.os.jailbroken", "False", rule),
        ("device_attribute", f"{event}.session.os.version", "13", rule),
        ("device_identifier", f"{event}.installationUuid", INSTANCE, rule),
        ("session_id", f"{event}.session.identifier", "65A1B2C3D4E5F60718293A4B5C6D7E8F", rule),
        ("user_id", f"{event}.session.user.identifier", "user-42", rule)]


def test_applovin_device_info_and_device_request():
    body = {"device_info": {"idfa": AAID, "brand": "google", "model": "Pixel 7", "os": "13", "tz_offset": 1.0,
                            "locale": "en_US", "dnt": False}, "app_info": {"package_name": "com.example.app"}}
    rule = "recognised:applovin"
    assert found("ms4.applovin.com", body=json.dumps(body).encode(), content_type="application/json") == [
        ("advertising_id", "body.device_info.idfa", AAID, rule),
        ("device_attribute", "body.device_info.brand", "google", rule),
        ("device_attribute", "body.device_info.locale", "en_US", rule),
        ("device_attribute", "body.device_info.model", "Pixel 7", rule),
        ("device_attribute", "body.device_info.os", "13", rule),
        ("device_attribute", "body.device_info.tz_offset", "1.0", rule)]
    query = urlencode({"idfa": AAID, "model": "Pixel 7", "carrier": "T-Mobile", "sdk_key": "abc"})
    assert found("d.applovin.com", f"https://d.applovin.com/2.0/device?{query}") == [
        ("advertising_id", "query.idfa", AAID, rule),
        ("device_attribute", "query.carrier", "T-Mobile", rule),
        ("device_attribute", "query.model", "Pixel 7", rule)]
    # idfa that is no UUID (a placeholder) is not an advertising ID; "model" alone elsewhere is nothing
    assert found("d.applovin.com", "https://d.applovin.com/2.0/device?idfa=unknown") == []
    assert found("cdn.example", f"https://cdn.example/x?{urlencode({'model': 'Pixel 7'})}") == []


def test_mintegral_setting_query_and_analytics_data():
    setting = urlencode({"gaid": AAID, "os": "1", "osv": "13", "brand": "google", "model": "Pixel 7",
                         "timezone": "GMT+01:00", "app_version_name": "1.2.3", "ip": "192.0.2.10"})
    rule = "recognised:mintegral"
    assert found("configure.rayjump.com", f"https://configure.rayjump.com/setting?{setting}") == [
        ("advertising_id", "query.gaid", AAID, rule),
        ("device_attribute", "query.app_version_name", "1.2.3", rule),
        ("device_attribute", "query.brand", "google", rule),
        ("device_attribute", "query.model", "Pixel 7", rule),
        ("device_attribute", "query.os", "1", rule),
        ("device_attribute", "query.osv", "13", rule),
        ("device_attribute", "query.timezone", "GMT+01:00", rule),
        ("ip_address", "query.ip", "192.0.2.10", rule)]
    # the analytics body: a form whose data parameter is itself a query string (TrackHAR: data.gaid)
    analytics = urlencode({"key": "2000054", "model": "Pixel 7",
                           "data": urlencode({"gaid": AAID, "network_type": "9"})})
    assert found("analytics.rayjump.com", body=analytics.encode(),
                 content_type="application/x-www-form-urlencoded") == [
        ("advertising_id", "body.data.gaid", AAID, rule),
        ("device_attribute", "body.model", "Pixel 7", rule)]
    # an address that is not one, and the same fields to a host Mintegral does not run
    assert found("configure.rayjump.com", "https://configure.rayjump.com/setting?ip=local") == []
    assert [row for row in found("setting.example", f"https://setting.example/s?{setting}")
            if row[3] == rule] == []
