"""The privacy APIs the scanner looks for, by the framework class that declares them.

A call site is an invoke instruction whose method reference resolves (through the app's own class
hierarchy) to one of these classes and method names, any overload. ANDROID_ID is a `static final String`
that javac/d8 inline, so it is found as the const-string "android_id"; Settings.Secure.getString counts only
in a method that also loads that string (the same call with "enabled_notification_listeners" is not an
identifier read).
"""

from __future__ import annotations

CATEGORIES = ("clipboard", "location", "biometric", "identifier", "camera", "microphone", "accounts",
              "installed_apps")

# (class descriptor, method names, category)
_TABLE: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("Landroid/content/ClipboardManager;", ("getPrimaryClip", "getText", "hasPrimaryClip", "hasText",
                                            "getPrimaryClipDescription", "addPrimaryClipChangedListener"),
     "clipboard"),
    ("Landroid/text/ClipboardManager;", ("getText", "hasText"), "clipboard"),
    ("Landroid/content/ClipData$Item;", ("getText", "coerceToText"), "clipboard"),
    ("Landroid/location/LocationManager;", ("getLastKnownLocation", "requestLocationUpdates",
                                            "requestSingleUpdate", "getCurrentLocation", "addProximityAlert",
                                            "registerGnssStatusCallback", "addGpsStatusListener"), "location"),
    ("Landroid/telephony/TelephonyManager;", ("getCellLocation", "getAllCellInfo", "requestCellInfoUpdate"),
     "location"),
    ("Lcom/google/android/gms/location/FusedLocationProviderClient;", ("getLastLocation", "getCurrentLocation",
                                                                       "requestLocationUpdates"), "location"),
    ("Landroid/net/wifi/WifiManager;", ("getScanResults", "startScan"), "location"),
    ("Landroid/hardware/biometrics/BiometricPrompt;", ("authenticate",), "biometric"),
    ("Landroid/hardware/fingerprint/FingerprintManager;", ("authenticate", "isHardwareDetected",
                                                          "hasEnrolledFingerprints"), "biometric"),
    ("Landroid/media/FaceDetector;", ("findFaces",), "biometric"),
    ("Landroid/media/FaceDetector$Face;", ("getMidPoint", "eyesDistance"), "biometric"),
    ("Landroid/telephony/TelephonyManager;", ("getDeviceId", "getImei", "getMeid", "getSubscriberId",
                                              "getSimSerialNumber", "getLine1Number"), "identifier"),
    ("Landroid/os/Build;", ("getSerial",), "identifier"),
    ("Landroid/net/wifi/WifiInfo;", ("getMacAddress",), "identifier"),
    ("Landroid/bluetooth/BluetoothAdapter;", ("getAddress",), "identifier"),
    ("Landroid/provider/Settings$Secure;", ("getString",), "identifier"),
    ("Lcom/google/android/gms/ads/identifier/AdvertisingIdClient;", ("getAdvertisingIdInfo",), "identifier"),
    ("Lcom/google/android/gms/ads/identifier/AdvertisingIdClient$Info;", ("getId",), "identifier"),
    ("Landroid/hardware/Camera;", ("open",), "camera"),
    ("Landroid/hardware/camera2/CameraManager;", ("openCamera",), "camera"),
    ("Landroid/media/MediaRecorder;", ("setVideoSource",), "camera"),
    ("Landroid/media/AudioRecord;", ("<init>", "startRecording"), "microphone"),
    ("Landroid/media/MediaRecorder;", ("setAudioSource",), "microphone"),
    ("Landroid/speech/SpeechRecognizer;", ("startListening",), "microphone"),
    ("Landroid/accounts/AccountManager;", ("getAccounts", "getAccountsByType", "getAccountsByTypeAndFeatures",
                                           "getAuthToken"), "accounts"),
    ("Landroid/content/pm/PackageManager;", ("getInstalledPackages", "getInstalledApplications"),
     "installed_apps"),
)

API_METHODS: dict[tuple[str, str], str] = {(cls, name): cat for cls, names, cat in _TABLE for name in names}
API_NAMES = frozenset(name for _cls, name in API_METHODS)
API_CLASSES = frozenset(cls for cls, _name in API_METHODS)

ANDROID_ID_STRING = "android_id"
ANDROID_ID_API = "android.provider.Settings$Secure.ANDROID_ID"
SECURE_GET_STRING = ("Landroid/provider/Settings$Secure;", "getString")


def dotted(descriptor: str) -> str:
    """"Lcom/example/Foo$Bar;" -> "com.example.Foo$Bar" (the form stack traces and hook events use)."""
    return descriptor[1:-1].replace("/", ".") if descriptor.startswith("L") and descriptor.endswith(";") \
        else descriptor


def package_of(class_name: str) -> str:
    return class_name.rpartition(".")[0]
