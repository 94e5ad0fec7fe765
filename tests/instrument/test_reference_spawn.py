"""The reference app spawned under the real compiled agent: exact events, values and attributions."""

from __future__ import annotations

import collections

from auditor.case.seal import verify_case
from auditor.instrument.devices import DeviceChoice
from auditor.instrument.planting import Plants
from auditor.instrument.run import Request, run
from tests.hook_actor import actor

from .conftest import APP_PACKAGE, bodies
from .reference_expectations import EXPECTED

EXPECTED_APIS = {api for api, _, _ in EXPECTED}


def _spawn(case, sink, reference_argv, plants: Plants | None = None):
    request = Request(device=DeviceChoice("local"), spawn=reference_argv(sink.port),
                      app_package=APP_PACKAGE, plants=plants or Plants())
    return run(case, request)


def _key(event):
    who = actor(event)
    assert "actor" not in event          # the capture records the stack; analysis decides who called
    return event["api"], who["class"], (who["sdk"], who["exodus_id"])


def test_every_call_counted_and_attributed(case, proxy_sink, reference_argv):
    result = _spawn(case, proxy_sink, reference_argv)
    assert (result.ended_by_itself, result.verdict) == (True, "exited(0)")
    events = bodies(case, "hook.event")
    assert collections.Counter(_key(e) for e in events) == EXPECTED
    assert bodies(case, "hook.malformed") == [] and bodies(case, "hook.error") == []
    assert result.counts["hook.event"] == sum(EXPECTED.values())
    # first party exactly when the class is in the app's package
    assert all(actor(e)["first_party"] == actor(e)["class"].startswith(APP_PACKAGE + ".") for e in events)
    assert verify_case(case.root).ok


def test_clipboard_reads_by_the_sdk_and_by_the_paste_button(case, proxy_sink, reference_argv):
    _spawn(case, proxy_sink, reference_argv)
    reads = [e for e in bodies(case, "hook.event") if e["api"] == "android.content.ClipboardManager.getPrimaryClip"]
    sdk, paste = reads
    assert (actor(sdk)["package"], actor(sdk)["sdk"], actor(sdk)["first_party"]) == \
        ("com.bytedance.sdk", "Pangle", False)
    assert actor(sdk)["frame"].startswith("com.bytedance.sdk.DeviceInfo.collect(DeviceInfo.java:")
    assert (actor(paste)["package"], actor(paste)["sdk"], actor(paste)["first_party"]) == \
        (APP_PACKAGE, None, True)
    assert actor(paste)["frame"].startswith("com.example.reference.PasteHandler.pasteVoucher(PasteHandler.java:")
    assert sdk["category"] == paste["category"] == "clipboard"
    assert sdk["thread"] == "main" and sdk["stack"][0] == \
        "android.content.ClipboardManager.getPrimaryClip(Native Method)"
    assert sdk["time"] < paste["time"]   # the SDK read it at start-up, before the user pressed Paste


def test_arguments_and_return_values(case, proxy_sink, reference_argv):
    _spawn(case, proxy_sink, reference_argv)
    by_api = collections.defaultdict(list)
    for e in bodies(case, "hook.event"):
        by_api[e["api"]].append(e)
    android_id = by_api["android.provider.Settings$Secure.getString"][0]
    assert android_id["args"][1] == "android_id" and android_id["result"] == "9a3c1f7e5b2d4e60"
    assert android_id["category"] == "identifier"
    assert by_api["android.telephony.TelephonyManager.getImei"][0]["result"] == "490154203237518"
    assert by_api["android.os.Build.getSerial"][0]["result"] == "R58N12ABCDE"
    assert by_api["com.google.android.gms.ads.identifier.AdvertisingIdClient$Info.getId"][0]["result"] == \
        "4f6c8a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b"
    assert by_api["android.telephony.TelephonyManager.getLine1Number"][0]["result"] == "+31612345678"
    gps, network = by_api["android.location.LocationManager.getLastKnownLocation"]
    assert (gps["args"], network["args"]) == (["gps"], ["network"])
    assert gps["result"]["class"] == "android.location.Location"
    assert gps["result"]["value"].startswith("Location[gps 52.370216,4.895168")
    faces = by_api["android.media.FaceDetector.findFaces"][0]
    assert (faces["category"], faces["result"]) == ("biometric_capture", 1)
    # the face's geometry as the app read it (the device state's face): what a transmission is matched against
    assert by_api["android.media.FaceDetector$Face.getMidPoint"][0]["args"] == [
        {"class": "android.graphics.PointF", "x": 120.5, "y": 160.25}]
    assert by_api["android.media.FaceDetector$Face.eyesDistance"][0]["result"] == 42.75
    auth = by_api["android.hardware.biometrics.BiometricPrompt.authenticate"][0]
    assert auth["category"] == "biometric_auth" and auth["signature"].endswith(
        "authenticate(android.os.CancellationSignal, java.util.concurrent.Executor, "
        "android.hardware.biometrics.BiometricPrompt$AuthenticationCallback)")
    fused = by_api["com.google.android.gms.location.FusedLocationProviderClient.getLastLocation"][0]
    assert fused["hooked_class"] == "com.google.android.gms.internal.location.zzbi"   # via its implementation


def test_each_connection_is_tied_to_the_code_that_opened_it(case, proxy_sink, reference_argv):
    _spawn(case, proxy_sink, reference_argv)
    sockets = [e for e in bodies(case, "hook.event") if e["category"] == "socket"]
    assert len(sockets) == len(proxy_sink.connections) == 12   # + the choice beacon, Sentry, sealed, merchant
    ports = {e["socket"]["local_port"]: e for e in sockets}
    seen = dict(proxy_sink.connections)
    assert set(ports) == set(seen)   # the client port the hook saw is the one the server saw
    for event in ports.values():
        assert event["socket"]["remote_port"] == proxy_sink.port
        assert event["socket"]["local_ip"] == event["socket"]["remote_ip"] == "127.0.0.1"
    target_of = {port: line.split()[1] for port, line in proxy_sink.connections}
    by_actor = collections.defaultdict(set)
    for port, event in ports.items():
        by_actor[actor(event)["sdk"] or actor(event)["class"]].add(target_of[port])
    assert by_actor == {
        "Pangle": {"log.snssdk.com:443", "ib.snssdk.com:443", "mon.snssdk.com:443", "log.byteoversea.com:443",
                   "shop.example-merchant.de:443"},     # its in-app browser's page too
        "AppsFlyer": {"launches.appsflyer.com:443"},
        "Sentry": {"api.example-reference.eu:443"},
        "com.example.reference.Backend": {"cfg.kumo-analytics.jp:443", "api.example-reference.eu:443",
                                          "t.brightpixel-ads.com:443"},
    }


def test_what_could_not_be_watched_is_recorded(case, proxy_sink, reference_argv):
    _spawn(case, proxy_sink, reference_argv)
    [coverage] = bodies(case, "hook.coverage")
    missing = "java.lang.NoClassDefFoundError: "
    # Libraries the JVM stand-ins do not have: a report must say calls to these could not be seen.
    assert coverage["not_installed"] == {
        "android.hardware.camera2.CaptureRequest$Builder.set":
            missing + "android/hardware/camera2/CaptureRequest$Builder",
        "androidx.biometric.BiometricPrompt.authenticate": missing + "androidx/biometric/BiometricPrompt",
        "com.google.android.gms.vision.face.FaceDetector.detect":
            missing + "com/google/android/gms/vision/face/FaceDetector",
        "com.google.mlkit.vision.face.FaceDetector.process": missing + "com/google/mlkit/vision/face/FaceDetector",
        # the reference app sends through HttpsURLConnection: no OkHttp on its class path
        "okhttp3.Call.enqueue": missing + "okhttp3/Call", "okhttp3.Call.execute": missing + "okhttp3/Call",
        "okhttp3.internal.http.RealInterceptorChain.proceed": missing + "okhttp3/internal/http/RealInterceptorChain"}
    # Interfaces and abstract classes whose implementation loaded after start-up were hooked when it loaded.
    late = ("com.google.android.gms.location.FusedLocationProviderClient.", "android.content.pm.PackageManager.")
    assert sorted(api for api in coverage["installed"] if api.startswith(late)) == [
        "android.content.pm.PackageManager.getInstalledApplications",
        "android.content.pm.PackageManager.getInstalledPackages",
        "com.google.android.gms.location.FusedLocationProviderClient.getCurrentLocation",
        "com.google.android.gms.location.FusedLocationProviderClient.getLastLocation",
        "com.google.android.gms.location.FusedLocationProviderClient.requestLocationUpdates"]
    assert coverage["installed"]["android.location.LocationManager.requestLocationUpdates"] == 2   # every overload
    assert set(EXPECTED_APIS) <= set(coverage["installed"]) and coverage["overflow"] == 0
    # 40 privacy APIs, on the JVM only JSSE's TLS output stream, the plain socket's output stream and
    # java.net.http's sendAsync (request attribution; Conscrypt's and libcore's streams and Cronet, Android's,
    # are skipped; OkHttp is not on the class path: not installed, above),
    # the 8 crypto methods (cryptojava.ts: their byte[] overloads and Key-taking inits), the JVM's zlib
    # deflate (cryptonative.ts; libcrypto is not loaded in the JVM) and 6 WebView methods (webview.ts: 4 of
    # WebView, WebViewClient's 2 page callbacks) plus the SDK's own onPageFinished override, hooked when the SDK
    # set its client; of the privacy APIs, 10 added with issue #16 (getSSID, addNmeaListener, listen, MediaDrm,
    # getAccountsByType; Camera.open, openCamera, MediaRecorder.start, createScreenCaptureIntent,
    # createVirtualDisplay; Settings.Global.getString, BluetoothAdapter.getName, ContentResolver.query)
    assert len(coverage["installed"]) == 72
    assert coverage["installed"]["com.bytedance.sdk.InAppBrowser$1.onPageFinished"] == 1
    assert coverage["installed"]["deflate"] == 1
    assert coverage["installed"]["sun.security.ssl.SSLSocketImpl$AppOutputStream.write"] == 1
    assert coverage["installed"]["java.net.Socket$SocketOutputStream.write"] == 1
    assert coverage["installed"]["jdk.internal.net.http.HttpClientImpl.sendAsync"] == 1
    crypto = {api: n for api, n in coverage["installed"].items() if api.startswith(("javax.crypto.", "java.util.zip."))}
    assert crypto == {
        "javax.crypto.Cipher.init": 6, "javax.crypto.Cipher.update": 4, "javax.crypto.Cipher.doFinal": 6,
        "javax.crypto.Mac.init": 2, "javax.crypto.Mac.update": 2, "javax.crypto.Mac.doFinal": 3,
        "java.util.zip.Deflater.setInput": 2, "java.util.zip.Deflater.deflate": 3}
