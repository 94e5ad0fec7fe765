"""The reference APK (built from sources on branch `reference`): every call site and its attribution equals
the documented fixture tests/reference/expected_apk_facts.json, which androguard's full analysis produced."""

from __future__ import annotations

import json

from tests.static.conftest import REFERENCE_APK, ROOT, scanned

FACTS = json.loads((ROOT / "tests" / "reference" / "expected_apk_facts.json").read_text(encoding="utf-8"))
# the fixture's finer categories -> the scan contract's; network_* are not privacy-API categories here
CATEGORY = {"accounts": "accounts", "advertising_id": "identifier", "device_id": "identifier",
            "phone_number": "identifier", "biometric_auth": "biometric_auth", "biometric_capture": "biometric_capture",
            "clipboard": "clipboard", "location": "location", "microphone": "microphone", "camera": "camera",
            "screen_capture": "screen_capture"}
# Exodus names the com.bytedance.sdk signature "Pangle" (ByteDance's ad network)
PARTY = {"first-party": ("first_party", None), "sdk:AppsFlyer": ("sdk", "AppsFlyer"),
         "sdk:ByteDance": ("sdk", "Pangle"), "sdk:Sentry": ("sdk", "Sentry")}


def _dotted(descriptor: str) -> str:
    return descriptor[1:-1].replace("/", ".")


def test_manifest_and_signer_match_the_fixture() -> None:
    report = scanned(REFERENCE_APK)
    assert report["input"]["sha256"] == FACTS["sha256"]
    assert (report["package"], str(report["version_code"]), report["version_name"]) == (
        FACTS["package"], FACTS["version_code"], FACTS["version_name"])
    assert (str(report["min_sdk"]), str(report["target_sdk"])) == (FACTS["min_sdk"], FACTS["target_sdk"])
    assert report["main_activity"] == FACTS["main_activity"]
    assert report["permissions"] == FACTS["permissions"]
    assert [c["sha256"] for c in report["certificates"]] == FACTS["signer_cert_sha256"]
    assert report["signing_schemes"] == ["v1", "v2", "v3"]
    assert [e["url"] for e in report["endpoints"]] == FACTS["url_strings"]
    packages = FACTS["classes_by_package"]
    assert [(s["name"], s["class_count"], s["evidence"][0]) for s in report["sdks"]] == [
        ("AppsFlyer", packages["com.appsflyer"], "com.appsflyer.AppsFlyerConversionListener"),
        ("Pangle", packages["com.bytedance.sdk"], "com.bytedance.sdk.AppLog"),
        ("Sentry", packages["io.sentry"], "io.sentry.Sentry")]


def test_every_call_site_and_its_attribution_match_the_fixture() -> None:
    report = scanned(REFERENCE_APK)
    expected = sorted(
        (site["api"], CATEGORY[site["category"]], _dotted(site["caller"].split("->")[0]),
         site["caller"].split("->")[1], *PARTY[site["party"]])
        for site in FACTS["call_sites"] if site["category"] in CATEGORY)
    found = sorted(
        (call["reference"], call["category"], call["caller"], call["caller_method"], call["attribution"], call["sdk"])
        for call in report["api_calls"]
        if not call["api"].endswith(("ANDROID_ID", "PROPERTY_DEVICE_UNIQUE_ID", "DEVICE_NAME")))
    # + EventLog.onEvent's Settings.Secure.getString (issue #17); issue #16's EnvironmentProbe (getAccounts, the
    # device name's Settings.Global.getString, BluetoothAdapter.getName) and CaptureProbe's 8 camera, microphone
    # and screen-capture calls (the contacts query is hooked only: not scanned)
    assert len(expected) == 46
    assert found == expected
    # each of these is made by first-party or SDK code directly: it is its own origin
    for call in report["api_calls"]:
        assert call["reachable_from"] == [{"caller": call["caller"], "method": call["caller_method"],
                                           "attribution": call["attribution"], "sdk": call["sdk"]}]


def test_android_id_is_found_as_the_inlined_string() -> None:
    report = scanned(REFERENCE_APK)
    users = sorted({f"L{c['caller'].replace('.', '/')};->{c['caller_method'].split('(')[0]}"
                    for c in report["api_calls"] if c["api"] == "android.provider.Settings$Secure.ANDROID_ID"})
    assert users == FACTS["android_id_string_used_in"]
    loads = [(c["caller"], c["offset"]) for c in report["api_calls"] if c["api"].endswith("ANDROID_ID")]
    assert len(loads) == 5          # AppsFlyerLib.start loads the string twice; EventLog.onEvent once


def test_endpoints_name_the_code_that_loads_them() -> None:
    report = scanned(REFERENCE_APK)
    loaded = {e["url"]: [(o["caller"], o["method"].split("(")[0], o["attribution"], o["sdk"]) for o in e["loaded_by"]]
              for e in report["endpoints"]}
    assert loaded["https://log.snssdk.com/service/2/device_register/?aid="] == [
        ("com.bytedance.sdk.AppLog", "registerDevice", "sdk", "Pangle")]
    assert loaded["https://launches.appsflyer.com/api/v6.9/androidevent?app_id="] == [
        ("com.appsflyer.AppsFlyerLib", "start", "sdk", "AppsFlyer")]
    assert loaded["https://cfg.kumo-analytics.jp/v1/events"] == [
        ("com.example.reference.AppOpenEvent", "send", "first_party", None)]
    # a static final String's value stays in the string table, but code loads the inlined longer string
    assert loaded["https://launches.appsflyer.com/api/v6.9/androidevent"] == []
    # Sentry's envelope URL and its DSN (a key as URL user information, on the app's own domain)
    assert loaded["https://api.example-reference.eu/api/4501/envelope/"] == [("io.sentry.Sentry", "send", "sdk",
                                                                              "Sentry")]
    # EventLog's app_log beacon and AgeGate's profile URL too (issue #17)
    assert loaded["https://log.snssdk.com/service/2/app_log/"] == [
        ("com.bytedance.sdk.EventLog", "onEvent", "sdk", "Pangle")]
    assert sum(1 for urls in loaded.values() if urls) == 14
