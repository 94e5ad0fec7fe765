package com.bytedance.sdk;

import android.content.ClipData;
import android.content.ClipboardManager;
import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.os.Build;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;

/** Everything the SDK collects at start-up, read through the platform APIs a device audit hooks. */
final class DeviceInfo {
    String model;
    String androidId;
    String advertisingId;
    String imei;
    String serial;
    String clipboardText;
    double latitude;
    double longitude;
    float accuracyMeters;
    String locationProvider;

    private DeviceInfo() {}

    @SuppressWarnings({"MissingPermission", "HardwareIds"})
    static DeviceInfo collect(Context context) {
        DeviceInfo info = new DeviceInfo();
        info.model = Build.MODEL;
        info.androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        try {
            info.advertisingId = AdvertisingIdClient.getAdvertisingIdInfo(context).getId();
        } catch (Exception e) {
            info.advertisingId = "";
        }
        TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        info.imei = telephony.getImei();
        info.serial = Build.getSerial();

        ClipboardManager clipboard = (ClipboardManager) context.getSystemService(Context.CLIPBOARD_SERVICE);
        ClipData clip = clipboard.getPrimaryClip();
        info.clipboardText = clip == null ? "" : String.valueOf(clip.getItemAt(0).getText());

        LocationManager locations = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        Location fix = locations.getLastKnownLocation(LocationManager.GPS_PROVIDER);
        if (fix != null) {
            info.latitude = fix.getLatitude();
            info.longitude = fix.getLongitude();
            info.accuracyMeters = fix.getAccuracy();
            info.locationProvider = fix.getProvider();
        } else {
            info.locationProvider = "";
        }
        return info;
    }
}
