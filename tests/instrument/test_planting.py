"""Planted values come back from the hooked APIs, and the case records what was planted, where and when."""

from __future__ import annotations

import collections
import json

from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, run
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies

CANARY = "AUDITOR-CANARY-5f1c0e"
SPOT = (10.123456, -20.654321)


def test_clipboard_canary_and_spoofed_location(case, proxy_sink, reference_argv, capfd):
    request = Request(device=DeviceChoice("local"), spawn=reference_argv(proxy_sink.port),
                      app_package=APP_PACKAGE, plants=Plants(clipboard=CANARY, location=SPOT))
    assert run(case, request).verdict == "exited(0)"
    captured = capfd.readouterr()
    app_output = captured.out + captured.err

    # recorded before the run: case.json and the ledger
    planned = {"clipboard": CANARY, "location": {"latitude": SPOT[0], "longitude": SPOT[1]}}
    assert json.loads((case.root / "case.json").read_text())["planted"] == planned
    assert [p for p in bodies(case, "hook.planted") if p["phase"] == "configured"] == [
        {"phase": "configured", **planned}]

    # every clipboard read returned the canary, and says so
    clip = {e["api"].rsplit(".", 1)[1]: e for e in bodies(case, "hook.event")
            if e["category"] == "clipboard" and actor(e)["first_party"]}
    assert clip["hasPrimaryClip"]["result"] is True
    assert clip["getPrimaryClip"]["planted"]["value"] == CANARY
    assert CANARY in clip["getPrimaryClip"]["result"]["value"]
    assert clip["coerceToText"]["result"] == CANARY
    sdk_text = next(e for e in bodies(case, "hook.event") if e["api"] == "android.content.ClipData$Item.getText")
    assert sdk_text["result"] == CANARY and actor(sdk_text)["sdk"] == "Pangle"
    sdk_clip = next(e for e in bodies(case, "hook.event") if e["api"].endswith("getPrimaryClip")
                    and actor(e)["sdk"] == "Pangle")
    assert sdk_clip["planted"]["what"] == "clipboard" and CANARY not in sdk_clip["planted"]["original"]["value"]

    # every coordinate read returned the spoofed fix; each replacement is recorded with who read it and when
    returned = [p for p in bodies(case, "hook.planted") if p["phase"] == "returned"]
    readers = collections.Counter((p["what"], actor(p)["class"]) for p in returned)
    assert readers == {
        ("location.latitude", "com.bytedance.sdk.DeviceInfo"): 1,
        ("location.longitude", "com.bytedance.sdk.DeviceInfo"): 1,
        ("location.latitude", "com.appsflyer.AppsFlyerLib"): 1,
        ("location.longitude", "com.appsflyer.AppsFlyerLib"): 1,
        ("location.latitude", "com.example.reference.ConsentDialog"): 1,
        ("location.longitude", "com.example.reference.ConsentDialog"): 1,
        # the NMEA sentence the stand-in builds for the SDK's listener, from the (spoofed) fix
        ("location.latitude", "com.bytedance.sdk.EnvironmentProbe"): 1,
        ("location.longitude", "com.bytedance.sdk.EnvironmentProbe"): 1,
    }
    for p in returned:
        axis = 0 if p["what"] == "location.latitude" else 1
        assert p["value"] == SPOT[axis]
        assert p["original"] == (52.370216 if axis == 0 else 4.895168)
        assert p["time"].endswith("Z") and p["stack"][0].startswith("android.location.Location.get")

    # the app really used them: the consent pixel's URL carries the spoofed, rounded coordinates
    assert "&lat=10.12&lon=-20.65" in app_output
