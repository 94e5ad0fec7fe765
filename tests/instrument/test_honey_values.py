"""Honey values beyond clipboard and location (issue #16): a Wi-Fi network's name and BSSID and a phone number,
returned by the hooked APIs in place of the device's, recorded where they were handed to the code, and found
again in what the SDK sent (its sealed registration, decrypted from the Cipher hook's record)."""

from __future__ import annotations

import base64
import json

import pytest

from auditor.analyze.run import analyze
from auditor.errors import InputError
from auditor.importers.planted import Planted, declare
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants, phone_number, wifi
from auditor.instrument.run import Request, run
from auditor.reference.launcher import write_device_state
from tests.analysis.builders import add_flow
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies, ledger_records

SSID, BSSID, PHONE = "AUDITOR-HONEY-net-5c1e", "02:a1:b2:c3:d4:e5", "+31600000042"


def sent_and_analysed(case, cipher: dict) -> list[dict]:
    """The sealed registration's ciphertext posted as the capture would have recorded the request, then the
    case analysed: its findings."""
    ciphertext = case.artifacts.read_bytes(cipher["body"]["output"]["sha256"], 1 << 16)
    with case.ledger(fsync_interval=0) as ledger:
        add_flow(case, ledger, "https://ib.snssdk.com/service/2/device_register/?tt_data=a",
                 base64.b64encode(ciphertext), start="2026-12-01T10:00:01Z")
    analyze(case.root)
    return json.loads((case.root / "analysis" / "findings.json").read_text())["findings"]


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
    findings = sent_and_analysed(case, cipher)
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


# Planted in the simulated phone's device state (reference/platform/org/auditor/reference/device/DeviceState.java),
# as an operator plants them on a phone: a device name, an account, a contact in the address book.
DEVICE_NAME, EMAIL = "AUDITOR-HONEY-phone-7d2a", "auditor.honey.7d2a@example.org"
CONTACT, CONTACT_NUMBER = "AUDITOR-HONEY-contact-7d2a", "+31600007777"


def test_device_state_honey_values_are_read_by_the_sdk_and_found_on_the_wire(case, proxy_sink, reference_argv,
                                                                            tmp_path):
    state = write_device_state({"device_name": DEVICE_NAME, "accounts": f"{EMAIL}:com.google",
                                "contacts": f"{CONTACT}={CONTACT_NUMBER}"}, tmp_path / "device-state.properties")
    result = run(case, Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port, device_state=state),
                               app_package=APP_PACKAGE))
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    # the SDK read each through its API, the hooks saw the values it got
    probe = {e["api"]: e for e in bodies(case, "hook.event")
             if actor(e)["class"] == "com.bytedance.sdk.EnvironmentProbe"}
    assert probe["android.provider.Settings$Global.getString"]["result"] == DEVICE_NAME
    assert probe["android.bluetooth.BluetoothAdapter.getName"]["result"] == DEVICE_NAME   # defaults to it
    assert probe["android.content.ContentResolver.query"]["category"] == "contacts"
    [cipher] = [r for r in ledger_records(case) if r["kind"] == "hook.crypto" and "Cipher" in r["body"]["api"]]
    sealed = json.loads(case.artifacts.read_bytes(cipher["body"]["input"]["sha256"], 1 << 16))
    assert (sealed["device_name"], sealed["bt_name"], sealed["account"], sealed["accounts"], sealed["contacts"]) == (
        DEVICE_NAME, DEVICE_NAME, EMAIL, [EMAIL], [f"{CONTACT} {CONTACT_NUMBER}"])
    # declared as planted (auditor case plant), with the device-state file they were planted through
    declare(case.root, [Planted("device_name", DEVICE_NAME), Planted("email", EMAIL), Planted("contact", CONTACT)],
            state)
    findings = sent_and_analysed(case, cipher)
    layer = f"body<base64><plaintext@seq{cipher['seq']}>"
    sent = [f for f in findings if f["type"] == "personal_data_transmitted"]
    # one exchange is one piece of evidence listing every value found in it, whichever finding cites it
    found = {(v["what"], v["location"], v["value"]) for f in sent for v in f["evidence"]["shown"][0]["values"]
             if v["source"] == "planted" and v["what"] in ("device_name", "email", "contact")}
    assert found == {   # in the decrypted body as text, and under each JSON key that holds it
        ("device_name", layer, DEVICE_NAME), ("email", layer, EMAIL), ("contact", layer, CONTACT),
        ("device_name", layer + ".device_name", DEVICE_NAME), ("device_name", layer + ".bt_name", DEVICE_NAME),
        ("email", layer + ".account", EMAIL), ("email", layer + ".accounts[0]", EMAIL),
        ("contact", layer + ".contacts[0]", CONTACT)}
    # each planted kind is a finding of its category, to the SDK's host
    assert {f["data_category"] for f in sent if f["recipient"]["host"] == "ib.snssdk.com"} >= {
        "device_name", "email", "contact"}
    # the contacts query is a finding of its own, attributed to the SDK
    [read] = [f for f in findings if f["type"] == "contacts_access"]
    assert (read["data_category"], read["actor"]["class"], read["actor"]["sdk"]) == (
        "contact", "com.bytedance.sdk.EnvironmentProbe", "Pangle")
