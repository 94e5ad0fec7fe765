"""What the reference app does with --consent auto, read from its sources (reference/app): per hooked API,
the calling class and its SDK (Exodus name, id). Shared by the spawn and the standalone tests."""

BYTEDANCE, APPSFLYER, SENTRY = ("Pangle", 363), ("AppsFlyer", 12), ("Sentry", 447)
FIRST = (None, None)

ANDROID_ID = "android.provider.Settings$Secure.getString"
AD_ID_INFO = "com.google.android.gms.ads.identifier.AdvertisingIdClient.getAdvertisingIdInfo"
AD_ID = "com.google.android.gms.ads.identifier.AdvertisingIdClient$Info.getId"
LAST_LOCATION = "android.location.LocationManager.getLastKnownLocation"
CLIPBOARD = "android.content.ClipboardManager."
CONNECT = "java.net.Socket.connect"

# calling class, its SDK, {api: calls}
_CALLERS = (
    # ByteDance SDK at start-up (DeviceInfo.collect, AppLog.watchClipboard), before any consent
    ("com.bytedance.sdk.DeviceInfo", BYTEDANCE, {
        ANDROID_ID: 1, AD_ID_INFO: 1, AD_ID: 1, "android.telephony.TelephonyManager.getImei": 1,
        "android.os.Build.getSerial": 1, CLIPBOARD + "getPrimaryClip": 1, "android.content.ClipData$Item.getText": 1,
        LAST_LOCATION: 1}),
    ("com.bytedance.sdk.AppLog", BYTEDANCE, {CLIPBOARD + "addPrimaryClipChangedListener": 1}),
    # the wider surface (EnvironmentProbe.collect, for the sealed registration)
    ("com.bytedance.sdk.EnvironmentProbe", BYTEDANCE, {
        "android.net.wifi.WifiManager.getConnectionInfo": 1, "android.net.wifi.WifiInfo.getSSID": 1,
        "android.net.wifi.WifiInfo.getBSSID": 1, "android.media.MediaDrm.getPropertyByteArray": 1,
        "android.accounts.AccountManager.getAccountsByType": 1, "android.location.LocationManager.addNmeaListener": 1,
        "android.telephony.TelephonyManager.listen": 1,
        # the device and Bluetooth names, every account, the address book's phone numbers
        "android.provider.Settings$Global.getString": 1, "android.bluetooth.BluetoothAdapter.getName": 1,
        "android.accounts.AccountManager.getAccounts": 1, "android.content.ContentResolver.query": 1}),
    # the capture surface (CaptureProbe.start): camera (legacy and camera2), microphone, screen capture
    ("com.bytedance.sdk.CaptureProbe", BYTEDANCE, {
        "android.hardware.Camera.open": 1, "android.hardware.camera2.CameraManager.openCamera": 1,
        "android.media.AudioRecord.startRecording": 1, "android.media.MediaRecorder.start": 1,
        "android.media.projection.MediaProjectionManager.createScreenCaptureIntent": 1,
        "android.media.projection.MediaProjection.createVirtualDisplay": 1}),
    # device_register, the AES-sealed device_register (SecureReporter, to ib.snssdk.com), monitor, alert check,
    # and the consent choice
    ("com.bytedance.sdk.LogSender", BYTEDANCE, {CONNECT: 5}),
    # told the consent choice, it sends it with the Android ID (after a refusal too)
    ("com.bytedance.sdk.EventLog", BYTEDANCE, {ANDROID_ID: 1}),
    # the SDK's in-app browser loading the merchant's page (through the WebView stand-in)
    ("com.bytedance.sdk.InAppBrowser", BYTEDANCE, {CONNECT: 1}),
    # first party: app-open analytics, the Paste button, the consent pixel, the login
    ("com.example.reference.AppOpenEvent", FIRST, {ANDROID_ID: 1}),
    ("com.example.reference.PasteHandler", FIRST, {
        CLIPBOARD + "hasPrimaryClip": 1, CLIPBOARD + "getPrimaryClip": 1,
        "android.content.ClipData$Item.coerceToText": 1}),
    ("com.example.reference.ConsentDialog", FIRST, {
        AD_ID_INFO: 1, AD_ID: 1, "com.google.android.gms.location.FusedLocationProviderClient.getLastLocation": 1}),
    ("com.example.reference.BiometricLogin", FIRST, {
        "android.hardware.biometrics.BiometricPrompt.authenticate": 1, "android.media.FaceDetector.findFaces": 1,
        "android.media.FaceDetector$Face.getMidPoint": 1, "android.media.FaceDetector$Face.eyesDistance": 1,
        "android.accounts.AccountManager.getAccounts": 1, "android.telephony.TelephonyManager.getLine1Number": 1}),
    ("com.example.reference.Backend", FIRST, {CONNECT: 4}),
    # Sentry, called by the Paste handler, to the app's own domain (a connection of its own only when the
    # paste's connection cannot be reused, as with a proxy that refuses every tunnel)
    ("io.sentry.Sentry", SENTRY, {CONNECT: 1}),
    # AppsFlyer, started by the consent
    ("com.appsflyer.AppsFlyerLib", APPSFLYER, {AD_ID_INFO: 1, AD_ID: 1, ANDROID_ID: 1, LAST_LOCATION: 1, CONNECT: 1}),
)

EXPECTED = {(api, caller, sdk): calls for caller, sdk, apis in _CALLERS for api, calls in apis.items()}
