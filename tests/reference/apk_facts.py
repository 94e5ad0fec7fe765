"""The reference APK's static facts, as androguard reads them: manifest, signer, and every call site of a
privacy-relevant API with the calling method and its package. `python tests/reference/apk_facts.py` rewrites
expected_apk_facts.json (review the diff: that file is the fixture other rooms test their analysis against).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APK = ROOT / "auditor" / "reference" / "data" / "reference.apk"
EXPECTED = Path(__file__).with_name("expected_apk_facts.json")

# (class descriptor, method name) -> category. Names, not descriptors: every overload counts.
PRIVACY_APIS: dict[tuple[str, str], str] = {
    **{("Landroid/content/ClipboardManager;", m): "clipboard" for m in (
        "getPrimaryClip", "getPrimaryClipDescription", "hasPrimaryClip", "getText", "hasText",
        "addPrimaryClipChangedListener")},
    ("Landroid/content/ClipData$Item;", "getText"): "clipboard",
    ("Landroid/content/ClipData$Item;", "coerceToText"): "clipboard",
    **{("Landroid/location/LocationManager;", m): "location" for m in (
        "getLastKnownLocation", "requestLocationUpdates", "requestSingleUpdate", "getCurrentLocation")},
    ("Lcom/google/android/gms/location/FusedLocationProviderClient;", "getLastLocation"): "location",
    ("Lcom/google/android/gms/location/FusedLocationProviderClient;", "getCurrentLocation"): "location",
    ("Landroid/telephony/TelephonyManager;", "getAllCellInfo"): "location",
    ("Landroid/telephony/TelephonyManager;", "getCellLocation"): "location",
    ("Landroid/telephony/TelephonyManager;", "listen"): "location",
    ("Landroid/location/LocationManager;", "addNmeaListener"): "location",
    ("Landroid/net/wifi/WifiInfo;", "getSSID"): "location",
    ("Landroid/net/wifi/WifiInfo;", "getBSSID"): "location",
    ("Landroid/net/wifi/WifiManager;", "getConnectionInfo"): "location",
    ("Landroid/media/MediaDrm;", "getPropertyByteArray"): "device_id",
    ("Landroid/provider/Settings$Secure;", "getString"): "device_id",
    ("Landroid/os/Build;", "getSerial"): "device_id",
    **{("Landroid/telephony/TelephonyManager;", m): "device_id" for m in (
        "getDeviceId", "getImei", "getSubscriberId", "getSimSerialNumber")},
    ("Landroid/telephony/TelephonyManager;", "getLine1Number"): "phone_number",
    ("Landroid/telephony/TelephonyManager;", "getNetworkOperatorName"): "network_info",
    ("Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;", "getAdvertisingIdInfo"): "advertising_id",
    ("Lcom/google/android/gms/ads/identifier/AdvertisingIdClient$Info;", "getId"): "advertising_id",
    ("Landroid/accounts/AccountManager;", "getAccounts"): "accounts",
    ("Landroid/accounts/AccountManager;", "getAccountsByType"): "accounts",
    ("Landroid/content/pm/PackageManager;", "getInstalledPackages"): "installed_apps",
    ("Landroid/content/pm/PackageManager;", "getInstalledApplications"): "installed_apps",
    ("Landroid/media/FaceDetector;", "findFaces"): "biometric_capture",
    ("Landroid/media/FaceDetector$Face;", "getMidPoint"): "biometric_capture",
    ("Landroid/media/FaceDetector$Face;", "eyesDistance"): "biometric_capture",
    ("Landroid/media/AudioRecord;", "<init>"): "microphone",
    ("Landroid/media/AudioRecord;", "startRecording"): "microphone",
    ("Landroid/media/MediaRecorder;", "setAudioSource"): "microphone",
    ("Landroid/media/MediaRecorder;", "start"): "microphone",
    ("Landroid/hardware/Camera;", "open"): "camera",
    ("Landroid/hardware/camera2/CameraManager;", "openCamera"): "camera",
    ("Landroid/media/projection/MediaProjectionManager;", "createScreenCaptureIntent"): "screen_capture",
    ("Landroid/media/projection/MediaProjection;", "createVirtualDisplay"): "screen_capture",
    ("Landroid/provider/Settings$Global;", "getString"): "device_id",
    ("Landroid/bluetooth/BluetoothAdapter;", "getName"): "device_id",
    ("Landroid/content/ContentResolver;", "query"): "contacts",
    ("Landroid/hardware/biometrics/BiometricPrompt;", "authenticate"): "biometric_auth",
    ("Landroid/hardware/fingerprint/FingerprintManager;", "authenticate"): "biometric_auth",
    ("Ljava/net/URL;", "openConnection"): "network_request",
}
PARTIES = {"com.example.reference": "first-party", "com.bytedance.sdk": "sdk:ByteDance",
           "com.appsflyer": "sdk:AppsFlyer", "io.sentry": "sdk:Sentry"}


def _package(class_descriptor: str) -> str:
    return class_descriptor[1:-1].rsplit("/", 1)[0].replace("/", ".")


def _party(package: str) -> str:
    for prefix, party in PARTIES.items():
        if package == prefix or package.startswith(prefix + "."):
            return party
    return "unknown"


def apk_facts(apk_path: Path) -> dict[str, object]:
    from loguru import logger

    logger.remove()  # androguard logs every step at DEBUG through loguru
    from androguard.misc import AnalyzeAPK

    apk, _dex, analysis = AnalyzeAPK(str(apk_path))
    call_sites = []
    for method in analysis.get_methods():
        callee = method.get_method()
        category = PRIVACY_APIS.get((callee.get_class_name(), callee.get_name()))
        if category is None or not method.is_external():
            continue
        api = f"{callee.get_class_name()}->{callee.get_name()}{callee.get_descriptor().replace(' ', '')}"
        for caller_class, caller, _offset in method.get_xref_from():
            caller_method = caller.get_method()
            package = _package(caller_class.name)
            call_sites.append({
                "category": category, "api": api,
                "caller": f"{caller_class.name}->{caller_method.get_name()}"
                          f"{caller_method.get_descriptor().replace(' ', '')}",
                "caller_package": package, "party": _party(package)})
    android_id_users = sorted({f"{c.name}->{m.name}" for s in analysis.find_strings("^android_id$")
                               for c, m in s.get_xref_from()})
    urls = sorted({s.get_value() for s in analysis.find_strings("^https://")})
    return {
        "apk": "auditor/reference/data/reference.apk",
        "sha256": hashlib.sha256(apk_path.read_bytes()).hexdigest(),
        "package": apk.get_package(),
        "version_code": apk.get_androidversion_code(),
        "version_name": apk.get_androidversion_name(),
        "min_sdk": apk.get_min_sdk_version(),
        "target_sdk": apk.get_target_sdk_version(),
        "application": apk.get_attribute_value("application", "name"),
        "main_activity": apk.get_main_activity(),
        "permissions": sorted(apk.get_permissions()),
        "signed": {"v1": apk.is_signed_v1(), "v2": apk.is_signed_v2(), "v3": apk.is_signed_v3()},
        "signer_cert_sha256": [c.sha256.hex() for c in apk.get_certificates()],
        "classes_by_package": _classes_by_package(analysis),
        "call_sites": sorted(call_sites, key=lambda s: (s["category"], s["api"], s["caller"])),
        "android_id_string_used_in": android_id_users,
        "url_strings": urls,
    }


def _classes_by_package(analysis) -> dict[str, int]:  # type: ignore[no-untyped-def]
    counts: dict[str, int] = {}
    for cls in analysis.get_classes():
        if not cls.is_external():
            package = _package(cls.name)
            counts[package] = counts.get(package, 0) + 1
    return dict(sorted(counts.items()))


if __name__ == "__main__":
    EXPECTED.write_text(json.dumps(apk_facts(APK), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    sys.exit(0)
