"""A case shaped like the reference app's session (reference/README.md), written with the real case API:
hook events with socket ports, flows in the reference world, a consent mark, a static scan, a child persona."""

import base64
import gzip
import hashlib
import json
import struct
from datetime import UTC, datetime

import pytest

from auditor.analyze.run import analyze
from auditor.case.bundle import Case
from auditor.reference.assets import default_world as world_path
from tests.analysis.builders import add_flow, attestation
from tests.analysis.conftest import load

CLIP = "IBAN NL91 ABNA 0417 1643 00"
ANDROID_ID = "9a3c1f7e5b2d4e60"
AAID = "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
IMEI = "490154203237518"
SERIAL = "R58N12ABCDE"
BYTEDANCE = {"class": "com.bytedance.sdk.LogSender", "package": "com.bytedance.sdk", "sdk": "Pangle",
             "first_party": False}
DEVICE_INFO = {**BYTEDANCE, "class": "com.bytedance.sdk.DeviceInfo"}
APPSFLYER = {"class": "com.appsflyer.AppsFlyerLib", "package": "com.appsflyer", "sdk": "AppsFlyer",
             "first_party": False}


def first(package: str, cls: str) -> dict:
    return {"class": f"{package}.{cls}", "package": package, "sdk": None, "first_party": True}


APP = "com.example.reference"


def now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class Session:
    def __init__(self, case: Case, ledger):
        self.case, self.ledger, self.port = case, ledger, 50000

    def hook(self, category: str, api: str, actor: dict, stack: list[str], **extra) -> None:
        """A hook event as the capture records it: the stack, no actor (`actor` is what analysis must find)."""
        self.ledger.append("hook", "hook.event", {"api": api, "category": category, "args": [], "result": None,
                                                  "stack": stack, "thread": "main", "time": now(), "pid": 4242,
                                                  "planted": None, **extra})

    def request(self, actor: dict, url: str, body: bytes | None = None, headers=None) -> None:
        self.port += 1
        self.hook("socket", "java.net.Socket.connect", actor, [f"{actor['class']}.send({actor['class']}.java:1)"],
                  socket={"local_ip": "127.0.0.1", "local_port": self.port, "remote_ip": "127.0.0.1",
                          "remote_port": 443})
        host = url.split("/")[2]
        add_flow(self.case, self.ledger, url, body, headers=headers or [], client_port=self.port,
                 server_ip=json.loads(world_path().read_text())["hosts"][host], start=now())


@pytest.fixture(scope="module")
def reference_case(tmp_path_factory):
    base = tmp_path_factory.mktemp("ref")
    world = json.loads(world_path().read_text())
    world["entities"]["example-reference.eu"]["first_party"] = True
    (base / "world.json").write_text(json.dumps(world))
    case = Case.create(base / "case", operator="test")
    case.set_section("persona", {"name": "child, 12", "age": 12})
    # as the instrument room writes it (auditor/instrument/planting.py)
    case.set_section("planted", {"clipboard": CLIP, "location": {"latitude": 52.370216, "longitude": 4.895168}})
    case.set_section("instrumentation", {"app_package": APP})   # as auditor/instrument/run.py records it
    case.set_section("device", attestation(android_id=ANDROID_ID, advertising_id=AAID, imei=IMEI, serial=SERIAL,
                                           phone_number="+31612345678", account="jan.jansen@example.nl"))
    scan = {"package": APP, "version_code": 1, "version_name": "1.0", "permissions": [],
            "sdks": [{"name": "Pangle", "evidence": ["com.bytedance.sdk.AppLog"]},
                     {"name": "AppsFlyer", "evidence": ["com.appsflyer.AppsFlyerLib"]}],
            "api_calls": [], "certificates": []}
    with case.ledger(fsync_interval=0) as ledger:
        s = Session(case, ledger)
        ledger.append("static", "static.scan", {"summary": "2 sdks"},
                      artifact=case.artifacts.put_bytes(json.dumps(scan).encode()))
        collect = ["com.bytedance.sdk.DeviceInfo.collect(DeviceInfo.java:30)",
                   "com.example.reference.ReferenceApplication.onCreate(ReferenceApplication.java:12)"]
        s.hook("identifier", "android.provider.Settings$Secure.getString", DEVICE_INFO, collect)
        s.hook("clipboard", "android.content.ClipboardManager.getPrimaryClip", DEVICE_INFO, collect)
        s.hook("location", "android.location.LocationManager.getLastKnownLocation", DEVICE_INFO, collect)
        register = {"android_id": ANDROID_ID, "aaid": AAID, "imei": IMEI, "serial": SERIAL,
                    "clip": base64.b64encode(CLIP.encode()).decode()}
        s.request(BYTEDANCE, "https://log.snssdk.com/service/2/device_register/",
                  gzip.compress(json.dumps(register).encode()),
                  [["Content-Encoding", "gzip"], ["Content-Type", "application/json"]])
        proto = (bytes([0x0a, 16]) + ANDROID_ID.encode() + b"\x11" + struct.pack("<d", 52.370216) + b"\x19" +
                 struct.pack("<d", 4.895168) + bytes([0x20, 12, 0x2a, 36]) + AAID.encode() + b"\x32\x03gps")
        s.request(BYTEDANCE, "https://mon.snssdk.com/monitor/collect/", proto,
                  [["Content-Type", "application/x-protobuf"]])
        s.request(BYTEDANCE, "https://log.byteoversea.com/service/2/app_alert_check/?device_id="
                  + hashlib.md5(ANDROID_ID.encode()).hexdigest())
        s.request(first(APP, "AppOpenEvent"), "https://cfg.kumo-analytics.jp/v1/events",
                  json.dumps({"uid": hashlib.sha256(ANDROID_ID.encode()).hexdigest()}).encode())
        s.hook("clipboard", "android.content.ClipboardManager.getPrimaryClip", first(APP, "PasteHandler"),
               ["com.example.reference.PasteHandler.pasteVoucher(PasteHandler.java:20)",
                "android.view.View.performClick(View.java:7448)"])
        s.request(first(APP, "Backend"), "https://api.example-reference.eu/v1/paste",
                  json.dumps({"voucher": CLIP}).encode())
        ledger.append("operator", "operator.consent_accepted", {"text": "accepted in the consent dialog"})
        s.request(APPSFLYER, "https://launches.appsflyer.com/api/v6.9/androidevent",
                  json.dumps({"advertiserId": AAID, "android_id": ANDROID_ID}).encode())
        s.request(first(APP, "ConsentDialog"), "https://t.brightpixel-ads.com/px?aid_sha256="
                  + hashlib.sha256(AAID.encode()).hexdigest() + "&lat=52.37&lon=4.90")
        login = first(APP, "BiometricLogin")
        s.hook("biometric_auth", "android.hardware.biometrics.BiometricPrompt.authenticate", login,
               ["android.hardware.biometrics.BiometricPrompt.authenticate(Native Method)",
                "com.example.reference.BiometricLogin.login(BiometricLogin.java:20)"])
        s.hook("biometric_capture", "android.media.FaceDetector.findFaces", login,
               ["android.media.FaceDetector.findFaces(Native Method)",
                "com.example.reference.BiometricLogin.login(BiometricLogin.java:31)"])
        s.request(login, "https://api.example-reference.eu/v1/login",
                  json.dumps({"phone": "+31612345678", "account": "jan.jansen@example.nl",
                              "face": {"mid": [120.5, 160.25], "eyes": 42.75}}).encode())
    analyze(case.root, world=base / "world.json")
    return case.root


def table(root) -> list[tuple]:
    rows = []
    for f in load(root, "findings"):
        recipient = f["recipient"] or {}
        rows.append((f["type"], f["data_category"], recipient.get("host"), (f["actor"] or {}).get("class"),
                     f["before_consent"], (f.get("transfer") or {}).get("outcome")))
    return sorted(rows, key=repr)


BD, AF, KUMO = "com.bytedance.sdk.LogSender", "com.appsflyer.AppsFlyerLib", f"{APP}.AppOpenEvent"
DI, PIXEL, LOGIN, BACKEND = "com.bytedance.sdk.DeviceInfo", f"{APP}.ConsentDialog", f"{APP}.BiometricLogin", \
    f"{APP}.Backend"
NO = "third_country_no_adequacy"
EXPECTED = [
    ("biometric_auth", "biometric", None, LOGIN, False, None),
    ("biometric_capture", "biometric", None, LOGIN, False, None),
    ("clipboard_read", "clipboard", None, DI, True, None),
    ("clipboard_read", "clipboard", None, f"{APP}.PasteHandler", True, None),
    ("clipboard_transmitted", "clipboard", "api.example-reference.eu", BACKEND, True, None),
    ("clipboard_transmitted", "clipboard", "log.snssdk.com", BD, True, None),
    # a server outside the EEA is a network fact; BrightPixel's address is Cloudflare's (anycast): no location
    ("destination_outside_eea", None, "cfg.kumo-analytics.jp", KUMO, True, None),
    ("destination_outside_eea", None, "log.byteoversea.com", BD, True, None),
    ("destination_outside_eea", None, "log.snssdk.com", BD, True, None),
    ("destination_outside_eea", None, "mon.snssdk.com", BD, True, None),
    ("identifier_access", "device_identifier", None, DI, True, None),
    ("location_access", "location", None, DI, True, None),
    ("personal_data_transmitted", "advertising_id", "launches.appsflyer.com", AF, False, None),
    ("personal_data_transmitted", "advertising_id", "log.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "advertising_id", "mon.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "advertising_id", "t.brightpixel-ads.com", PIXEL, False, None),
    ("personal_data_transmitted", "android_id", "cfg.kumo-analytics.jp", KUMO, True, None),
    ("personal_data_transmitted", "android_id", "launches.appsflyer.com", AF, False, None),
    ("personal_data_transmitted", "android_id", "log.byteoversea.com", BD, True, None),
    # ByteDance's own device_id (query), recognised by the device-fingerprint-by-key family of the ruleset
    ("personal_data_transmitted", "device_identifier", "log.byteoversea.com", BD, True, None),
    ("personal_data_transmitted", "android_id", "log.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "android_id", "mon.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "clipboard", "api.example-reference.eu", BACKEND, True, None),
    ("personal_data_transmitted", "clipboard", "log.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "device_serial", "log.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "email", "api.example-reference.eu", LOGIN, False, None),
    ("personal_data_transmitted", "imei", "log.snssdk.com", BD, True, None),
    ("personal_data_transmitted", "location", "mon.snssdk.com", BD, True, None),
    # lat=52.37&lon=4.90: the planted location at two decimals (about 1 km) is approximate, not precise
    ("personal_data_transmitted", "approximate_location", "t.brightpixel-ads.com", PIXEL, False, None),
    ("personal_data_transmitted", "phone", "api.example-reference.eu", LOGIN, False, None),
    # every recipient but the first party (api.example-reference.eu)
    ("recipient_contacted", None, "cfg.kumo-analytics.jp", KUMO, True, None),
    ("recipient_contacted", None, "launches.appsflyer.com", AF, False, None),
    ("recipient_contacted", None, "log.byteoversea.com", BD, True, None),
    ("recipient_contacted", None, "log.snssdk.com", BD, True, None),
    ("recipient_contacted", None, "mon.snssdk.com", BD, True, None),
    ("recipient_contacted", None, "t.brightpixel-ads.com", PIXEL, False, None),
    ("sdk_embedded", None, None, None, None, None),
    ("sdk_embedded", None, None, None, None, None),
    # one per exchange, decided by the recipient entity's establishment
    ("third_country_transfer", None, "cfg.kumo-analytics.jp", KUMO, True, "adequate"),
    ("third_country_transfer", None, "launches.appsflyer.com", AF, False, "adequate"),
    ("third_country_transfer", None, "log.byteoversea.com", BD, True, NO),
    ("third_country_transfer", None, "log.snssdk.com", BD, True, NO),
    ("third_country_transfer", None, "mon.snssdk.com", BD, True, NO),
    ("third_country_transfer", None, "t.brightpixel-ads.com", PIXEL, False, "adequacy_not_covering_recipient"),
    ("tracker_contacted", None, "launches.appsflyer.com", AF, False, None),
]


def test_findings_with_actor_attribution(reference_case):
    assert table(reference_case) == sorted(EXPECTED, key=repr)
    findings = load(reference_case, "findings")
    snssdk = next(f for f in findings if f["type"] == "third_country_transfer"
                  and f["recipient"]["host"] == "log.snssdk.com")
    assert snssdk["recipient"]["entity"] == "Beijing Douyin Information Service Co., Ltd."
    assert snssdk["recipient"]["parent"] == "ByteDance Ltd." and snssdk["recipient"]["entity_country"] == "CN"
    assert snssdk["destination"] == {"ip": "127.0.0.21", "country_physical": "CN", "location_source": "world-overrides",
                                     "location_established": True, "location_note": None, "country_registered": "CN",
                                     "asn": 4134, "operator": "CHINANET-BACKBONE, China Telecom"}
    assert snssdk["actor"]["sdk"] == "Pangle" and snssdk["actor"]["hook_seq"] > 0
    # an Irish server of an Israeli company in a US-registered block: the company's establishment decides
    appsflyer = next(f for f in findings if f["type"] == "third_country_transfer"
                     and f["recipient"]["host"] == "launches.appsflyer.com")
    moved = appsflyer["transfer"]
    assert (moved["outcome"], moved["instrument"], moved["recipient_entity"], moved["recipient_country"],
            moved["chapter_v"]) == ("adequate", {"en": "Commission Decision 2011/61/EU",
                                                 "nl": "Besluit 2011/61/EU van de Commissie"}, "AppsFlyer Ltd.", "IL",
                                    True)
    assert (appsflyer["destination"]["country_physical"], appsflyer["destination"]["country_registered"]) == \
        ("IE", "US")
    paste = next(f for f in findings if f["type"] == "clipboard_transmitted"
                 and f["recipient"]["host"] == "api.example-reference.eu")
    assert (paste["user_action"], paste["recipient"]["role"], paste["recipient"]["third_party"]) == \
        (True, "first_party", False)
    location = next(f for f in findings if f["type"] == "personal_data_transmitted"
                    and f["data_category"] == "location" and f["recipient"]["host"] == "mon.snssdk.com")
    # the exchange's evidence lists all its values, the location among them
    assert sorted((v["what"], v["form"], v["location"]) for v in location["evidence"]["shown"][0]["values"]
                  if v["what"] in ("latitude", "longitude")) == [
        ("latitude", "rounded-6", "body<protobuf>"), ("latitude", "rounded-6", "body<protobuf>.2"),
        ("longitude", "rounded-6", "body<protobuf>"), ("longitude", "rounded-6", "body<protobuf>.3")]
    clip = next(f for f in findings if f["type"] == "clipboard_transmitted" and f["recipient"]["host"] ==
                "log.snssdk.com")
    assert [(v["form"], v["location"]) for v in clip["evidence"]["shown"][0]["values"] if v["what"] == "clipboard"] == [
        ("base64", "body<gzip>"), ("base64", "body<gzip>.clip"), ("raw", "body<gzip>.clip<base64>")]


def test_verdicts(reference_case):
    findings = {f["id"]: f for f in load(reference_case, "findings")}
    summary = {v["rule_id"]: (v["severity"], sorted({(findings[i]["type"], (findings[i]["recipient"] or {}).get(
        "host") or findings[i]["actor"]["sdk"] or findings[i]["actor"]["class"]) for i in v["findings"]}))
        for v in load(reference_case, "verdicts")}
    assert summary == {
        "face-data-processed-by-app": ("medium", [("biometric_capture", LOGIN)]),
        "biometric-on-device-authentication": ("info", [("biometric_auth", LOGIN)]),
        "child-profiling-or-advertising": ("high", [
            ("personal_data_transmitted", "launches.appsflyer.com"), ("personal_data_transmitted", "log.snssdk.com"),
            ("personal_data_transmitted", "mon.snssdk.com"), ("personal_data_transmitted", "t.brightpixel-ads.com"),
            ("tracker_contacted", "launches.appsflyer.com")]),
        "clipboard-content-transmitted": ("high", [("clipboard_transmitted", "log.snssdk.com")]),
        "clipboard-read-without-user-action": ("high", [("clipboard_read", "Pangle")]),
        "identifiers-before-consent": ("high", [
            ("personal_data_transmitted", "cfg.kumo-analytics.jp"),
            ("personal_data_transmitted", "log.byteoversea.com"),
            ("personal_data_transmitted", "log.snssdk.com"), ("personal_data_transmitted", "mon.snssdk.com")]),
        # the pixel's two-decimal location is approximate: not this verdict (issue #13), but its own
        "precise-location": ("high", [("location_access", "Pangle"), ("personal_data_transmitted", "mon.snssdk.com")]),
        "approximate-location": ("medium", [("personal_data_transmitted", "t.brightpixel-ads.com")]),
        "third-country-transfer-without-adequacy": ("high", [
            ("third_country_transfer", "log.byteoversea.com"), ("third_country_transfer", "log.snssdk.com"),
            ("third_country_transfer", "mon.snssdk.com")]),
        "third-country-transfer-undetermined": ("low", [("third_country_transfer", "t.brightpixel-ads.com")]),
        "tracker-sdk-embedded-and-active": ("medium", [("sdk_embedded", "AppsFlyer"), ("sdk_embedded", "Pangle")]),
    }
