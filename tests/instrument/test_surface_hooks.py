"""The wider privacy-API surface (issue #16) under the real agent: each new hooked API's event on the reference
app, with the SDK its stack names and the value the app got."""

from __future__ import annotations

import hashlib

from tests.hook_actor import actor

from .conftest import bodies
from .test_reference_spawn import _spawn

PROBE = "com.bytedance.sdk.EnvironmentProbe"


def test_each_new_api_is_reported_with_the_sdk_and_what_it_returned(case, proxy_sink, reference_argv):
    _spawn(case, proxy_sink, reference_argv)
    events = {e["api"]: e for e in bodies(case, "hook.event") if actor(e)["class"] == PROBE}
    assert {api: (e["category"], e["args"]) for api, e in events.items()} == {
        "android.net.wifi.WifiManager.getConnectionInfo": ("location", []),
        "android.net.wifi.WifiInfo.getSSID": ("location", []),
        "android.net.wifi.WifiInfo.getBSSID": ("location", []),
        "android.media.MediaDrm.getPropertyByteArray": ("identifier", ["deviceUniqueId"]),
        "android.accounts.AccountManager.getAccountsByType": ("accounts", ["com.google"]),
        "android.location.LocationManager.addNmeaListener": (
            "location", [{"class": PROBE + "$1", "value": events["android.location.LocationManager.addNmeaListener"]
                          ["args"][0]["value"]}]),
        "android.telephony.TelephonyManager.listen": (
            "location", [{"class": "android.telephony.PhoneStateListener",
                          "value": events["android.telephony.TelephonyManager.listen"]["args"][0]["value"]}, 16]),
        # issue #16's honey surface: the device name, the Bluetooth name, every account, the address book
        "android.provider.Settings$Global.getString": (
            "identifier", [{"class": "android.app.ContextImpl$ApplicationContentResolver",
                            "value": events["android.provider.Settings$Global.getString"]["args"][0]["value"]},
                           "device_name"]),
        "android.bluetooth.BluetoothAdapter.getName": ("identifier", []),
        "android.accounts.AccountManager.getAccounts": ("accounts", []),
        "android.content.ContentResolver.query": (
            "contacts", [{"class": "android.net.Uri$StringUri", "value": "content://com.android.contacts/data/phones"},
                         {"class": "array", "items": ["display_name", "data1"], "size": 2}, None, None, None]),
    }
    for event in events.values():
        assert (actor(event)["sdk"], actor(event)["first_party"]) == ("Pangle", False)
    assert events["android.net.wifi.WifiInfo.getSSID"]["result"] == '"HomeNet"'
    assert events["android.net.wifi.WifiInfo.getBSSID"]["result"] == "a4:2b:b0:12:34:56"
    drm = events["android.media.MediaDrm.getPropertyByteArray"]["result"]
    assert (drm["class"], drm["size"]) == ("array", 32)
    assert bytes(b & 0xff for b in drm["items"]) == hashlib.sha256(b"9a3c1f7e5b2d4e60").digest()[:16]
    [account] = events["android.accounts.AccountManager.getAccountsByType"]["result"]["items"]
    assert account["class"] == "android.accounts.Account"
    assert events["android.location.LocationManager.addNmeaListener"]["result"] is True
    assert events["android.provider.Settings$Global.getString"]["result"] == "Pixel van Jan"
    assert events["android.bluetooth.BluetoothAdapter.getName"]["result"] == "Pixel van Jan"
    assert events["android.content.ContentResolver.query"]["result"]["class"] == "android.content.ContentResolver$Rows"
