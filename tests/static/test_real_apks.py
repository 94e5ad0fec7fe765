"""Exact scan results on three real APKs (../shared/data/apks): every call site and who makes it."""

from __future__ import annotations

from tests.static.conftest import REAL_APKS, scanned, short_calls

SUPPORT_FINGERPRINT = "android.support.v4.hardware.fingerprint.FingerprintManagerCompatApi23"


def test_a2dp_location_by_the_apps_own_package_and_no_trackers() -> None:
    report = scanned(REAL_APKS / "a2dp.Vol_137.apk")
    assert (report["package"], report["version_code"], report["version_name"]) == ("a2dp.Vol", 137, "2.12.9.2")
    assert (report["min_sdk"], report["target_sdk"]) == (15, 25)
    assert report["certificates"][0]["sha256"] == "1e3bf46f964d494c9094cbf1a7ebec99b63d4acf6ae7519287d94faf5ea6871b"
    assert report["signing_schemes"] == ["v1"]
    assert report["sdks"] == []
    assert report["dangerous_permissions"] == [
        "android.permission.ACCESS_COARSE_LOCATION", "android.permission.ACCESS_FINE_LOCATION",
        "android.permission.GET_ACCOUNTS", "android.permission.READ_CONTACTS", "android.permission.READ_PHONE_STATE",
        "android.permission.RECEIVE_SMS", "android.permission.WRITE_EXTERNAL_STORAGE"]
    assert len(report["permissions"]) == 17
    assert short_calls(report) == [
        ("PackageManager.getInstalledApplications", "installed_apps", "a2dp.Vol.AppChooser$6", "run", 34,
         "first_party", None, 1),
        ("PackageManager.getInstalledApplications", "installed_apps", "a2dp.Vol.EditDevice$6", "onLongClick", 14,
         "first_party", None, 1),
        ("PackageManager.getInstalledApplications", "installed_apps", "a2dp.Vol.PackagesChooser$1", "run", 34,
         "first_party", None, 1),
        # the support library's own fingerprint wrapper: referenced, but nothing in the app reaches it
        ("FingerprintManager.authenticate", "biometric_auth", SUPPORT_FINGERPRINT, "authenticate", 34,
         "library_internal", None, 0),
        ("FingerprintManager.hasEnrolledFingerprints", "biometric_auth", SUPPORT_FINGERPRINT, "hasEnrolledFingerprints",
         8, "library_internal", None, 0),
        ("FingerprintManager.isHardwareDetected", "biometric_auth", SUPPORT_FINGERPRINT, "isHardwareDetected", 8,
         "library_internal", None, 0),
        ("LocationManager.getLastKnownLocation", "location", "a2dp.Vol.StoreLoc", "grabGPS", 336, "first_party",
         None, 1),
        ("LocationManager.requestLocationUpdates", "location", "a2dp.Vol.StoreLoc", "registerListeners", 72,
         "first_party", None, 1),
        ("LocationManager.requestLocationUpdates", "location", "a2dp.Vol.StoreLoc", "registerListeners", 124,
         "first_party", None, 1),
        ("LocationManager.requestLocationUpdates", "location", "a2dp.Vol.StoreLoc", "registerListeners", 170,
         "first_party", None, 1),
    ]
    location = [c for c in report["api_calls"] if c["category"] == "location"]
    assert {c["caller_package"] for c in location} == {"a2dp.Vol"}
    assert all(c["reachable_from"] == [{"caller": c["caller"], "method": c["caller_method"],
                                        "attribution": "first_party", "sdk": None}] for c in location)
    assert [e["url"] for e in report["endpoints"]] == [
        "http://listen.googlelabs.com/listen?id=@@", "http://maps.google.com/maps?q=",
        "https://github.com/jroal/a2dpvolume/wiki"]


def test_dvba_biometric_calls_reached_from_the_app_and_no_trackers() -> None:
    report = scanned(REAL_APKS / "dvba.apk")
    assert (report["package"], report["version_code"], report["version_name"]) == (
        "com.app.damnvulnerablebank", 1, "1.0")
    assert report["permissions"] == ["android.permission.INTERNET", "android.permission.USE_BIOMETRIC",
                                     "android.permission.USE_FINGERPRINT"]
    assert report["certificates"][0]["sha256"] == "0d770dd2df7f63e949e8ca87b7e97ba6827762e289bd281679910609568acdde"
    assert report["signing_schemes"] == ["v2"]
    assert report["sdks"] == []
    # obfuscated androidx.biometric (b.d.a = BiometricFragment, b.d.e = FingerprintDialogFragment,
    # b.i.g.a.b = FingerprintManagerCompat) makes the calls; the app's SendMoney.Biometrics reaches them
    assert short_calls(report) == [
        ("BiometricPrompt.authenticate", "biometric_auth", "b.d.a", "B", 440, "library", None, 1),
        ("BiometricPrompt.authenticate", "biometric_auth", "b.d.a", "B", 336, "library", None, 1),
        ("FingerprintManager.authenticate", "biometric_auth", "b.d.e", "B", 432, "library", None, 1),
        ("FingerprintManager.hasEnrolledFingerprints", "biometric_auth", "b.d.e", "B", 108, "library", None, 1),
        ("FingerprintManager.hasEnrolledFingerprints", "biometric_auth", "b.i.g.a.b", "b", 30, "library", None, 1),
        ("FingerprintManager.isHardwareDetected", "biometric_auth", "b.d.e", "B", 60, "library", None, 1),
        ("FingerprintManager.isHardwareDetected", "biometric_auth", "b.i.g.a.b", "c", 30, "library", None, 1),
        # AppCompat's TwilightManager (night mode) reads the last known location; every activity reaches it
        ("LocationManager.getLastKnownLocation", "location", "b.b.k.t", "a", 20, "library", None, 42),
    ]
    for call in report["api_calls"][:7]:
        assert call["reachable_from"] == [{"caller": "com.app.damnvulnerablebank.SendMoney",
                                           "method": "Biometrics(Landroid/view/View;)V",
                                           "attribution": "first_party", "sdk": None}]
    assert [(n["abi"], n["name"]) for n in report["native_libraries"]] == [
        (abi, lib) for abi in ("arm64-v8a", "armeabi-v7a", "x86", "x86_64")
        for lib in ("libfrida-check.so", "libtool-checker.so")]


def test_insecurebank_trackers_and_the_apps_own_phone_number_read() -> None:
    report = scanned(REAL_APKS / "InsecureBankv2.apk")
    assert (report["package"], report["version_code"], report["version_name"]) == (
        "com.android.insecurebankv2", 1, "1.0")
    assert report["certificates"][0]["sha256"] == "8092db81ae717486631a1534977def465ee112903e1553d38d41df8abd57a375"
    # three of these are declared as <android:uses-permission>, which Android honours
    assert {"android.permission.READ_PHONE_STATE", "android.permission.READ_CALL_LOG",
            "android.permission.SEND_SMS", "android.permission.READ_CONTACTS"} <= set(report["dangerous_permissions"])
    assert [(s["name"], s["class_count"]) for s in report["sdks"]] == [
        ("Google AdMob", 61), ("Google Analytics", 118), ("Google Tag Manager", 193)]
    assert report["sdks"][0]["evidence"][:2] == ["com.google.ads.AdRequest", "com.google.ads.AdRequest$ErrorCode"]
    gms_ads_util = "com.google.android.gms.ads.internal.util.client.zza"
    fitness = "com.google.android.gms.fitness.data.Device"
    gtm = "Google Tag Manager"
    tm_aa, tm_bk = "com.google.android.gms.tagmanager.zzaa", "com.google.android.gms.tagmanager.zzbk"
    assert short_calls(report) == [
        ("Settings$Secure.ANDROID_ID", "identifier", gms_ads_util, "zzO", 44, "library", None, 16),
        ("Settings$Secure.ANDROID_ID", "identifier", fitness, "zzal", 8, "library_internal", None, 0),
        ("Settings$Secure.ANDROID_ID", "identifier", tm_aa, "zzaG", 8, "sdk", gtm, 1),
        ("Settings$Secure.ANDROID_ID", "identifier", tm_bk, "zzaG", 8, "sdk", gtm, 1),
        ("Settings$Secure.getString", "identifier", gms_ads_util, "zzO", 48, "library", None, 16),
        ("Settings$Secure.getString", "identifier", fitness, "zzal", 12, "library_internal", None, 0),
        ("Settings$Secure.getString", "identifier", tm_aa, "zzaG", 12, "sdk", gtm, 1),
        ("Settings$Secure.getString", "identifier", tm_bk, "zzaG", 12, "sdk", gtm, 1),
        ("TelephonyManager.getLine1Number", "identifier",
         "com.android.insecurebankv2.ChangePassword$RequestChangePasswordTask$1", "run", 182, "first_party", None, 1),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.ads.internal.request.zzl", "zza",
         192, "library", None, 11),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.analytics.internal.zza", "zza", 26,
         "sdk", "Google Analytics", 1),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.analytics.internal.zza", "zza", 220,
         "sdk", "Google Analytics", 1),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.analytics.internal.zza", "zzhC", 20,
         "sdk", "Google Analytics", 1),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.internal.zzam", "zzY", 114,
         "library", None, 11),
        ("AdvertisingIdClient$Info.getId", "identifier", "com.google.android.gms.tagmanager.zza", "zzyd", 22, "sdk",
         gtm, 1),
        ("AdvertisingIdClient.getAdvertisingIdInfo", "identifier", "com.google.android.gms.ads.internal.request.zzl",
         "zza", 126, "library", None, 11),
        ("AdvertisingIdClient.getAdvertisingIdInfo", "identifier", "com.google.android.gms.analytics.internal.zza",
         "zzhE", 10, "sdk", "Google Analytics", 1),
        ("AdvertisingIdClient.getAdvertisingIdInfo", "identifier", "com.google.android.gms.tagmanager.zza$1", "zzyg",
         14, "sdk", gtm, 1),
    ]
    # the AdMob-internal ANDROID_ID read is reached from AdMob's own classes, not from the app
    ads_id = report["api_calls"][0]
    assert {o["attribution"] for o in ads_id["reachable_from"]} == {"sdk"}
    assert {o["sdk"] for o in ads_id["reachable_from"]} == {"Google AdMob"}
