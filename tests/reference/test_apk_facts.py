"""The committed APK's static facts equal the documented fixture (expected_apk_facts.json), which other
rooms' static analysis is tested against; and the fixture says what the sources say."""

from __future__ import annotations

import json

from .apk_facts import APK, EXPECTED, apk_facts


def test_apk_facts_match_the_fixture():
    assert apk_facts(APK) == json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_fixture_attributes_each_data_category_to_the_code_that_reads_it():
    facts = json.loads(EXPECTED.read_text(encoding="utf-8"))
    sites = {(s["category"], s["api"].split("->")[1].split("(")[0], s["caller"].split("(")[0])
             for s in facts["call_sites"]}
    assert ("clipboard", "getPrimaryClip", "Lcom/bytedance/sdk/DeviceInfo;->collect") in sites
    assert ("clipboard", "getPrimaryClip", "Lcom/example/reference/PasteHandler;->pasteVoucher") in sites
    assert ("location", "getLastKnownLocation", "Lcom/bytedance/sdk/DeviceInfo;->collect") in sites
    assert ("location", "getLastKnownLocation", "Lcom/appsflyer/AppsFlyerLib;->start") in sites
    assert ("location", "getLastLocation", "Lcom/example/reference/ConsentDialog;->sendPixel") in sites
    assert ("biometric_capture", "findFaces", "Lcom/example/reference/BiometricLogin;->uploadLogin") in sites
    assert ("biometric_auth", "authenticate", "Lcom/example/reference/BiometricLogin;->start") in sites
    assert facts["android_id_string_used_in"] == ["Lcom/appsflyer/AppsFlyerLib;->start",
                                                  "Lcom/bytedance/sdk/DeviceInfo;->collect",
                                                  "Lcom/bytedance/sdk/EventLog;->onEvent",
                                                  "Lcom/example/reference/AppOpenEvent;->send"]
    assert ("network_request", "openConnection", "Lio/sentry/Sentry;->send") in sites
    # 41, and issue #16's EnvironmentProbe (getAccounts, the device and Bluetooth names, the contacts query) and
    # CaptureProbe (AudioRecord's constructor and start, MediaRecorder's audio source and start, both cameras,
    # the screen-capture intent and virtual display)
    assert len(facts["call_sites"]) == 53
    assert {s["party"] for s in facts["call_sites"]} == {"first-party", "sdk:ByteDance", "sdk:AppsFlyer", "sdk:Sentry"}
