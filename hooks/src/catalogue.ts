// The privacy-sensitive APIs auditor watches. Pure data: no Frida calls here, so the list reads like a table.

/** Event categories, as written in the ledger (docs/events.md). Biometric capture and on-device
 *  authentication are distinct: only capture collects biometric data for the app's own use. */
export type Category = "clipboard" | "location" | "biometric_capture" | "biometric_auth" | "identifier" | "socket";

export interface HookSpec {
    category: Category;
    className: string;
    method: string;
    /** Interface or abstract class: hook every loaded concrete class that implements it. */
    viaImplementations?: boolean;
    /** Only report calls whose argument `index`, as text, contains `contains` (e.g. Settings.Secure "android_id"). */
    argMatch?: { index: number; contains: string };
    /** Hook only this overload (Java type names); default: every overload. */
    overload?: string[];
}

const CLIPBOARD = "android.content.ClipboardManager";
const LOCATION_MANAGER = "android.location.LocationManager";
const FUSED = "com.google.android.gms.location.FusedLocationProviderClient";
const TELEPHONY = "android.telephony.TelephonyManager";

function many(category: Category, className: string, methods: string[], extra: Partial<HookSpec> = {}): HookSpec[] {
    return methods.map(method => ({ category, className, method, ...extra }));
}

export const CATALOGUE: HookSpec[] = [
    ...many("clipboard", CLIPBOARD, ["getPrimaryClip", "getPrimaryClipDescription", "hasPrimaryClip", "getText",
        "hasText", "addPrimaryClipChangedListener"]),
    ...many("clipboard", "android.content.ClipData$Item", ["getText", "coerceToText"]),

    ...many("location", LOCATION_MANAGER, ["getLastKnownLocation", "requestLocationUpdates", "requestSingleUpdate",
        "getCurrentLocation"]),
    ...many("location", FUSED, ["getLastLocation", "getCurrentLocation", "requestLocationUpdates"],
        { viaImplementations: true }),
    ...many("location", "android.net.wifi.WifiManager", ["getScanResults", "getConnectionInfo"]),
    ...many("location", "android.net.wifi.WifiInfo", ["getBSSID"]),
    ...many("location", TELEPHONY, ["getAllCellInfo", "getCellLocation"]),

    ...many("biometric_capture", "android.media.FaceDetector", ["findFaces"]),
    // The face's geometry as the app reads it: the values a later transmission is matched against.
    ...many("biometric_capture", "android.media.FaceDetector$Face", ["getMidPoint", "eyesDistance"]),
    ...many("biometric_capture", "com.google.mlkit.vision.face.FaceDetector", ["process"], { viaImplementations: true }),
    ...many("biometric_capture", "com.google.android.gms.vision.face.FaceDetector", ["detect"]),
    { category: "biometric_capture", className: "android.hardware.camera2.CaptureRequest$Builder", method: "set",
      argMatch: { index: 0, contains: "android.statistics.faceDetectMode" } },
    ...many("biometric_capture", "android.media.AudioRecord", ["startRecording"]),
    ...many("biometric_auth", "android.hardware.biometrics.BiometricPrompt", ["authenticate"]),
    ...many("biometric_auth", "android.hardware.fingerprint.FingerprintManager", ["authenticate"]),
    ...many("biometric_auth", "androidx.biometric.BiometricPrompt", ["authenticate"]),

    { category: "identifier", className: "android.provider.Settings$Secure", method: "getString",
      argMatch: { index: 1, contains: "android_id" } },
    ...many("identifier", "com.google.android.gms.ads.identifier.AdvertisingIdClient", ["getAdvertisingIdInfo"]),
    ...many("identifier", "com.google.android.gms.ads.identifier.AdvertisingIdClient$Info", ["getId"]),
    ...many("identifier", TELEPHONY, ["getDeviceId", "getImei", "getSubscriberId", "getLine1Number",
        "getSimSerialNumber"]),
    ...many("identifier", "android.net.wifi.WifiInfo", ["getMacAddress"]),
    ...many("identifier", "android.os.Build", ["getSerial"]),
    ...many("identifier", "android.accounts.AccountManager", ["getAccounts"]),
    ...many("identifier", "android.content.pm.PackageManager", ["getInstalledPackages", "getInstalledApplications"],
        { viaImplementations: true }),

    // Every Socket.connect path (constructors, connect(addr)) ends in this overload: hooking it alone counts once.
    { category: "socket", className: "java.net.Socket", method: "connect",
      overload: ["java.net.SocketAddress", "int"] },
];
