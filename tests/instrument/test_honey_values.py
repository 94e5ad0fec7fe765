"""Honey values beyond clipboard and location (issue #16): a Wi-Fi network's name and BSSID and a phone number,
returned by the hooked APIs in place of the device's, recorded where they were handed to the code, and found
again in what the SDK sent (its sealed registration, decrypted from the Cipher hook's record)."""

from __future__ import annotations

import base64
import json

import pytest

from auditor.analyze.run import analyze
from auditor.errors import InputError
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants, phone_number, wifi
from auditor.instrument.run import Request, run
from tests.analysis.builders import add_flow
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies, ledger_records

SSID, BSSID, PHONE = "AUDITOR-HONEY-net-5c1e", "02:a1:b2:c3:d4:e5", "+31600000042"


def test_planted_wifi_and_phone_are_returned_recorded_and_found_on_the_wire(case, proxy_sink, reference_argv):
    plants = Plants(*(None, None), *wifi(f"{SSID},{BSSID}"), phone_number(PHONE))
    result = run(case, Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port),
                               app_package=APP_PACKAGE, plants=plants))
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    assert case.info["planted"] == {"clipboard": None, "location": None, "wifi_ssid": SSID, "wifi_bssid": BSSID,
                                    "phone": PHONE}
    planted = {e["api"].rsplit(".", 1)[1]: (e["planted"]["what"], e["planted"]["value"], e["result"], actor(e)["class"])
               for e in bodies(case, "hook.event") if e["planted"]}
    assert planted == {
        "getSSID": ("wifi_ssid", SSID, f'"{SSID}"', "com.bytedance.sdk.EnvironmentProbe"),
        "getBSSID": ("wifi_bssid", BSSID, BSSID, "com.bytedance.sdk.EnvironmentProbe"),
        "getLine1Number": ("phone", PHONE, PHONE, "com.example.reference.BiometricLogin")}

    # the SDK sealed them into its registration: the Cipher hook's plaintext has them as the SDK read them
    [cipher] = [r for r in ledger_records(case) if r["kind"] == "hook.crypto" and "Cipher" in r["body"]["api"]]
    sealed = json.loads(case.artifacts.read_bytes(cipher["body"]["input"]["sha256"], 1 << 16))
    assert (sealed["wifi_ssid"], sealed["wifi_bssid"]) == (f'"{SSID}"', BSSID)
    ciphertext = case.artifacts.read_bytes(cipher["body"]["output"]["sha256"], 1 << 16)
    with case.ledger(fsync_interval=0) as ledger:      # the request as the capture would have recorded it
        add_flow(case, ledger, "https://ib.snssdk.com/service/2/device_register/?tt_data=a",
                 base64.b64encode(ciphertext), start="2026-12-01T10:00:01Z")
    analyze(case.root)
    findings = json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]
    [sent] = [f for f in findings if f["type"] == "personal_data_transmitted" and f["data_category"] == "planted"]
    layer = f"body<base64><plaintext@seq{cipher['seq']}>"
    assert {(v["what"], v["location"], v["source"]) for v in sent["evidence"]["shown"][0]["values"]
            if v["what"].startswith("wifi_")} == {
        ("wifi_ssid", layer, "planted"), ("wifi_ssid", layer + ".wifi_ssid", "planted"),
        ("wifi_bssid", layer, "planted"), ("wifi_bssid", layer + ".wifi_bssid", "planted")}


@pytest.mark.parametrize(("call", "problem"), [
    (lambda: wifi("HomeNet"), "--plant-wifi: expected SSID,BSSID"),
    (lambda: wifi('"Home",02:a1:b2:c3:d4:e5'), "--plant-wifi: expected SSID,BSSID"),
    (lambda: wifi("Home,02:A1:B2:C3:D4:E5"), "--plant-wifi: expected SSID,BSSID"),
    (lambda: phone_number("0612345678"), "--plant-phone: expected + and 8 to 15 digits"),
])
def test_bad_honey_values_are_refused_naming_the_option(call, problem):
    with pytest.raises(InputError) as caught:
        call()
    assert str(caught.value).startswith(problem)
