"""The reference app's JVM program through a real mitmdump (real TLS both ways) to the world's upstream
servers: exactly which request reached which address, under which name, carrying which encoded values."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import struct
from urllib.parse import parse_qsl, urlsplit

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from auditor.reference.upstream import ReceivedRequest

# The defaults of reference/platform/org/auditor/reference/device/DeviceState.java.
CLIP = "IBAN NL91 ABNA 0417 1643 00"
ANDROID_ID = "9a3c1f7e5b2d4e60"
AD_ID = "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
IMEI = "490154203237518"
SERIAL = "R58N12ABCDE"
LAT, LON = 52.370216, 4.895168

PHASES = ["AUDITOR-PHASE launch", "AUDITOR-PHASE paste", "AUDITOR-AWAIT consent"]


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def route(request: ReceivedRequest) -> tuple[str, str | None, str, str]:
    return request.address, request.sni, request.method, urlsplit(request.target).path


def query(request: ReceivedRequest) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(request.target).query, strict_parsing=True))


def protobuf_fields(data: bytes) -> dict[int, object]:
    """Decode a flat protobuf message (varint, fixed64 as double, length-delimited as UTF-8)."""
    fields: dict[int, object] = {}
    pos = 0

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while pos < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            fields[number] = varint()
        elif wire == 1:
            fields[number] = struct.unpack("<d", data[pos:pos + 8])[0]
            pos += 8
        elif wire == 2:
            length = varint()
            fields[number] = data[pos:pos + length].decode("utf-8")
            pos += length
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    assert pos == len(data)
    return fields


def unseal(body: bytes) -> bytes:
    """SecureReporter's body decrypted (reference/app/com/bytedance/sdk/SecureReporter.java)."""
    decryptor = Cipher(algorithms.AES(b"rf-sdk-0123456789abcdef-secret!!"), modes.CBC(b"0000111122223333")).decryptor()
    padded = decryptor.update(base64.b64decode(body, validate=True)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


BEFORE_CONSENT = [
    ("127.0.0.21", "log.snssdk.com", "POST", "/service/2/device_register/"),
    ("127.0.0.21", "ib.snssdk.com", "POST", "/service/2/device_register/"),
    ("127.0.0.21", "mon.snssdk.com", "POST", "/monitor/collect/"),
    ("127.0.0.22", "log.byteoversea.com", "GET", "/service/2/app_alert_check/"),
    ("127.0.0.11", "shop.example-merchant.de", "GET", "/offer"),     # the SDK's in-app browser
    ("127.0.0.41", "cfg.kumo-analytics.jp", "POST", "/v1/events"),
    ("127.0.0.11", "api.example-reference.eu", "POST", "/v1/paste"),
    ("127.0.0.11", "api.example-reference.eu", "POST", "/api/4501/envelope/"),     # Sentry, same connection
]
# the ByteDance SDK is told the choice and sends it with the Android ID, whichever it was
CHOICE_EVENT = [("127.0.0.21", "log.snssdk.com", "POST", "/service/2/app_log/")]
AFTER_CONSENT = [
    *CHOICE_EVENT,
    ("127.0.0.31", "launches.appsflyer.com", "POST", "/api/v6.9/androidevent"),
    ("127.0.0.51", "t.brightpixel-ads.com", "GET", "/px"),
]
LOGIN = [("127.0.0.11", "api.example-reference.eu", "POST", "/v1/login")]


def test_consented_session_sends_exactly_these_requests(run_app, upstream):
    run = run_app("consent")
    assert run.returncode == 0, run.stderr
    assert run.stdout[1:] == [*PHASES, "AUDITOR-PHASE consent", "AUDITOR-PHASE login", "AUDITOR-DONE"]
    assert [route(r) for r in run.before_answer] == BEFORE_CONSENT
    assert [route(r) for r in run.after] == BEFORE_CONSENT + AFTER_CONSENT + LOGIN
    assert {(r.port, r.protocol) for r in run.after} == {(upstream.port, "HTTP/1.1")}
    register, sealed, session, alert, _offer, app_open, paste, envelope, choice, appsflyer, pixel, login = run.after
    assert json.loads(gzip.decompress(choice.body)) == {"event": "consent_accepted", "openudid": ANDROID_ID,
                                                        "package": "com.example.reference"}

    # ByteDance device_register: gzip-compressed JSON, the clipboard base64-encoded inside it.
    assert register.header("Content-Encoding") == "gzip"
    assert query(register) == {"aid": "1128", "device_platform": "android"}
    header = json.loads(gzip.decompress(register.body))["header"]
    assert header == {"aid": 1128, "channel": "reference_channel", "package": "com.example.reference",
                      "device_model": "SM-G991B", "openudid": ANDROID_ID, "google_aid": AD_ID, "udid": IMEI,
                      "serial_number": SERIAL, "clipboard": base64.b64encode(CLIP.encode()).decode()}
    # ByteDance's sealed device_register: AES-256-CBC (the SDK's constant key and IV), base64 (ttEncrypt-like).
    assert (sealed.header("Content-Type"), query(sealed)) == ("application/octet-stream", {"tt_data": "a"})
    assert json.loads(unseal(sealed.body)) == {
        "openudid": ANDROID_ID, "google_aid": AD_ID, "clipboard": CLIP, "latitude": LAT, "longitude": LON,
        "wifi_ssid": '"HomeNet"', "wifi_bssid": "a4:2b:b0:12:34:56", "drm_id": sha256(ANDROID_ID),
        "account": "jan.jansen@example.nl", "device_name": "Pixel van Jan", "bt_name": "Pixel van Jan",
        "accounts": ["jan.jansen@example.nl"], "contacts": ["Anna de Vries +31687654321"]}
    # ByteDance monitor: protobuf.
    assert session.header("Content-Type") == "application/x-protobuf"
    assert protobuf_fields(session.body) == {1: ANDROID_ID, 2: LAT, 3: LON, 4: 12, 5: AD_ID, 6: "gps"}
    # ByteDance (hosted in the US): MD5 of the Android ID in the query string.
    assert query(alert) == {"aid": "1128", "os": "android", "device_id": md5(ANDROID_ID)}
    assert alert.body == b""
    # First party -> Japan: SHA-256 of the Android ID in JSON.
    assert json.loads(app_open.body) == {"app": "com.example.reference", "event": "app_open",
                                         "install_id": sha256(ANDROID_ID)}
    # Paste button: the clipboard, plain.
    assert json.loads(paste.body) == {"text": CLIP}
    # The app reports the redemption through Sentry to its own domain: a three-line envelope (header, item
    # header, event) with the SDK's installation ID and the device model; same host, so the same connection.
    assert envelope.header("X-Sentry-Auth").startswith("Sentry sentry_version=7, sentry_client=sentry.java.android/")
    header_line, item, event = (json.loads(line) for line in envelope.body.decode().splitlines())
    assert (header_line["dsn"], item) == ("https://3f1c2a9e5b7d4c60a8e2f1b0c9d8e7f6@api.example-reference.eu/4501",
                                          {"type": "event"})
    assert event["message"] == {"formatted": "voucher redeemed: 200"}
    assert event["contexts"] == {"device": {"manufacturer": "samsung", "model": "SM-G991B"},
                                 "os": {"name": "Android", "version": "29"}}
    assert len(event["user"]["id"]) == 36 and event["event_id"] == header_line["event_id"]
    # After consent: AppsFlyer launch (JSON) and the US pixel (SHA-256 of the ad ID, 2-decimal location).
    assert query(appsflyer) == {"app_id": "com.example.reference", "buildnumber": "6.9.0"}
    assert json.loads(appsflyer.body) == {"devkey": "rEfErEnCeDeVkEy2026", "advertiserId": AD_ID,
                                          "android_id": ANDROID_ID, "carrier": "KPN", "lat": LAT, "lon": LON}
    assert query(pixel) == {"ev": "consent", "aid_sha256": sha256(AD_ID), "lat": "52.37", "lon": "4.90"}
    # Biometric login: face geometry from FaceDetector, account name and phone number.
    assert json.loads(login.body) == {"account": "jan.jansen@example.nl", "phone": "+31612345678",
                                      "biometric": "passed",
                                      "face": {"count": 1, "mid_x": 120.5, "mid_y": 160.25, "eyes_distance": 42.75}}


def test_declined_session_with_planted_values(run_app):
    planted = {"clipboard.text": "CANARY-CLIP-7Q2", "android_id": "00c0ffee00c0ffee", "face.count": "0",
               "advertising_id": "11111111-2222-3333-4444-555555555555", "location.latitude": "48.8584",
               "location.longitude": "2.2945", "biometric.result": "accept", "line1_number": "+33600000000"}
    run = run_app("decline", planted)
    assert run.returncode == 0, run.stderr
    assert run.stdout[1:] == [*PHASES, "AUDITOR-PHASE decline", "AUDITOR-PHASE login", "AUDITOR-DONE"]
    assert [route(r) for r in run.after] == BEFORE_CONSENT + CHOICE_EVENT + LOGIN
    register, sealed, session, alert, _offer, app_open, paste, _envelope, choice, login = run.after
    assert json.loads(unseal(sealed.body))["clipboard"] == "CANARY-CLIP-7Q2"
    # refused, and still sent: the Android ID, to ByteDance
    assert json.loads(gzip.decompress(choice.body))["event"] == "consent_declined"
    assert json.loads(gzip.decompress(choice.body))["openudid"] == "00c0ffee00c0ffee"
    header = json.loads(gzip.decompress(register.body))["header"]
    assert (header["openudid"], header["google_aid"], base64.b64decode(header["clipboard"])) == \
        ("00c0ffee00c0ffee", "11111111-2222-3333-4444-555555555555", b"CANARY-CLIP-7Q2")
    assert protobuf_fields(session.body)[2] == 48.8584
    assert query(alert)["device_id"] == md5("00c0ffee00c0ffee")
    assert json.loads(paste.body) == {"text": "CANARY-CLIP-7Q2"}
    assert json.loads(login.body)["face"] == {"count": 0}
    assert json.loads(login.body)["phone"] == "+33600000000"


def test_biometric_refusal_sends_no_login(run_app):
    run = run_app("consent", {"biometric.result": "reject"})
    assert run.returncode == 0, run.stderr
    assert [route(r) for r in run.after] == BEFORE_CONSENT + AFTER_CONSENT
    assert "W/Reference: biometric login failed: Authentication canceled" in run.stderr


def test_no_consent_answer_stops_the_program(run_app):
    run = run_app(None)
    assert run.returncode == 3
    assert run.stdout[-1] == "AUDITOR-ERROR consent answer must be consent, decline or leave, got 0 characters"
    assert [route(r) for r in run.after] == BEFORE_CONSENT


def test_age_gate_then_leaving_the_dialog_unanswered(run_app):
    run = run_app("leave", birthdate="01-11-2013")
    assert run.returncode == 0, run.stderr
    assert run.stdout[1:] == ["AUDITOR-PHASE launch", "AUDITOR-AWAIT birthdate", "AUDITOR-PHASE agegate",
                              "AUDITOR-PHASE paste", "AUDITOR-AWAIT consent", "AUDITOR-PHASE leave", "AUDITOR-DONE"]
    profile = ("127.0.0.11", "api.example-reference.eu", "POST", "/v1/profile")
    launch = 6              # the requests of the launch phase (BEFORE_CONSENT up to the app-open event)
    assert [route(r) for r in run.after] == BEFORE_CONSENT[:launch] + [profile] + BEFORE_CONSENT[launch:]
    # the birthdate typed at the age gate reaches the app: it is in its own traffic
    assert json.loads(run.after[launch].body) == {"birthdate": "01-11-2013", "app": "com.example.reference"}
