"""Attribution and reachability rules on synthetic dex code where every call is known (tests/static/dexbuilder).

The manifest is a2dp.Vol's, so first-party code is the a2dp.Vol package; com.appsflyer matches the Exodus
AppsFlyer signature; lib.* stands for an unrecognised library."""

from __future__ import annotations

import zipfile
from pathlib import Path

from auditor.static.scan import scan_apk
from tests.static.conftest import REAL_APKS
from tests.static.dexbuilder import ACC_CONSTRUCTOR, ACC_PUBLIC, ACC_STATIC, Cls, Meth, build_dex

LM = "Landroid/location/LocationManager;"
LAST = "(Ljava/lang/String;)Landroid/location/Location;"
UPDATES = "(Ljava/lang/String;JFLandroid/location/LocationListener;)V"
GET_STRING = ("Landroid/provider/Settings$Secure;", "getString",
              "(Landroid/content/ContentResolver;Ljava/lang/String;)Ljava/lang/String;")
FP_DETECTED = ("Landroid/hardware/fingerprint/FingerprintManager;", "isHardwareDetected", "()Z")
CLIP = ("Landroid/content/ClipboardManager;", "getPrimaryClip", "()Landroid/content/ClipData;")
STATIC = ACC_PUBLIC | ACC_STATIC
INIT = ACC_PUBLIC | ACC_CONSTRUCTOR


def synthetic_classes() -> list[Cls]:
    return [
        Cls("La2dp/Vol/Main;", "Landroid/app/Activity;", [
            # receiver's static type is an app subclass of LocationManager: resolves to the framework API
            Meth("grab", "()V", code=[("invoke-virtual", ("La2dp/Vol/MyLocMgr;", "getLastKnownLocation", LAST)),
                                      ("return-void",),
                                      ("packed-switch-payload-lookalike", (LM, "getLastKnownLocation", LAST))]),
            # Shadow redeclares the method: calling it is calling the app's own code, not the API
            Meth("own", "()V", code=[("invoke-virtual", ("La2dp/Vol/Shadow;", "getLastKnownLocation", LAST)),
                                     ("const-wide-lookalike", (LM, "getLastKnownLocation", LAST)),
                                     ("return-void",)]),
            Meth("start", "()V", code=[("invoke-direct", ("Llib/Helper;", "<init>", "()V")), ("return-void",)]),
        ]),
        Cls("La2dp/Vol/MyLocMgr;", LM),
        Cls("La2dp/Vol/Shadow;", LM, [Meth("getLastKnownLocation", LAST, code=[("return-void",)])]),
        # a library object the app creates: the framework or library plumbing calls run() back
        Cls("Llib/Helper;", methods=[Meth("<init>", "()V", INIT),
                                     Meth("run", "()V", code=[("invoke-virtual", FP_DETECTED), ("return-void",)])]),
        # library code nothing calls
        Cls("Llib/Orphan;", methods=[
            Meth("poll", "()V", STATIC, code=[("invoke-virtual", CLIP), ("return-void",)]),
            Meth("chain", "()V", STATIC, code=[("invoke-static", ("Llib/Orphan;", "poll", "()V")), ("return-void",)])]),
        # an SDK that loads "android_id" with const-string/jumbo and asks a library helper for location
        Cls("Lcom/appsflyer/Lib;", methods=[Meth("id", "()V", STATIC, code=[
            ("const-string/jumbo", "android_id"), ("invoke-static", GET_STRING),
            ("invoke-static", ("Llib/Util;", "where", "()V")), ("return-void",)])]),
        Cls("Llib/Util;", methods=[Meth("where", "()V", STATIC, code=[
            ("invoke-virtual", (LM, "requestLocationUpdates", UPDATES)), ("return-void",)])]),
    ]


def make_apk(path: Path) -> Path:
    with zipfile.ZipFile(REAL_APKS / "a2dp.Vol_137.apk") as real:
        manifest = real.read("AndroidManifest.xml")
    with zipfile.ZipFile(path, "w") as apk:
        apk.writestr("AndroidManifest.xml", manifest)
        apk.writestr("classes.dex", build_dex(synthetic_classes()))
    return path


def test_each_rule_attributes_the_call_to_the_right_code(tmp_path: Path) -> None:
    report = scan_apk(make_apk(tmp_path / "synthetic.apk"))
    found = [(c["api"], c["reference"].split("->")[0], c["caller"], c["caller_method"], c["offset"], c["attribution"],
              c["sdk"], [(o["caller"], o["method"]) for o in c["reachable_from"]]) for c in report["api_calls"]]
    assert found == [
        ("android.content.ClipboardManager.getPrimaryClip", "Landroid/content/ClipboardManager;", "lib.Orphan",
         "poll()V", 0, "library_internal", None, []),
        ("android.hardware.fingerprint.FingerprintManager.isHardwareDetected",
         "Landroid/hardware/fingerprint/FingerprintManager;", "lib.Helper", "run()V", 0, "library", None,
         [("a2dp.Vol.Main", "start()V")]),
        ("android.location.LocationManager.getLastKnownLocation", "La2dp/Vol/MyLocMgr;", "a2dp.Vol.Main", "grab()V", 0,
         "first_party", None, [("a2dp.Vol.Main", "grab()V")]),
        ("android.location.LocationManager.requestLocationUpdates", LM, "lib.Util", "where()V", 0, "library", None,
         [("com.appsflyer.Lib", "id()V")]),
        ("android.provider.Settings$Secure.ANDROID_ID", 'const-string "android_id"', "com.appsflyer.Lib", "id()V", 0,
         "sdk", "AppsFlyer", [("com.appsflyer.Lib", "id()V")]),
        ("android.provider.Settings$Secure.getString", "Landroid/provider/Settings$Secure;", "com.appsflyer.Lib",
         "id()V", 6, "sdk", "AppsFlyer", [("com.appsflyer.Lib", "id()V")]),
    ]
    assert [s["name"] for s in report["sdks"]] == ["AppsFlyer"]
