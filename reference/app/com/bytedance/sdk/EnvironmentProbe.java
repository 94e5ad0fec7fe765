package com.bytedance.sdk;

import android.accounts.Account;
import android.accounts.AccountManager;
import android.content.Context;
import android.location.LocationManager;
import android.location.OnNmeaMessageListener;
import android.media.MediaDrm;
import android.net.wifi.WifiInfo;
import android.net.wifi.WifiManager;
import android.telephony.PhoneStateListener;
import android.telephony.TelephonyManager;
import android.util.Log;
import java.util.UUID;

/**
 * The wider surface a tracking SDK reads (issue #16): the connected Wi-Fi network's name and BSSID (which locate
 * the device), the DRM framework's device ID (no permission protects it), the Google accounts, raw GPS
 * sentences (NMEA) and cell-location updates.
 */
final class EnvironmentProbe {
    static final UUID WIDEVINE = new UUID(0xEDEF8BA979D64ACEL, 0xA3C827DCD51D21EDL);

    String wifiSsid;
    String wifiBssid;
    String drmId;
    String googleAccount;
    String nmea;

    private EnvironmentProbe() {}

    @SuppressWarnings("MissingPermission")
    static EnvironmentProbe collect(Context context) {
        final EnvironmentProbe probe = new EnvironmentProbe();
        WifiInfo wifi = ((WifiManager) context.getSystemService(Context.WIFI_SERVICE)).getConnectionInfo();
        probe.wifiSsid = wifi.getSSID();
        probe.wifiBssid = wifi.getBSSID();
        MediaDrm drm = new MediaDrm(WIDEVINE);
        probe.drmId = LogSender.hex(drm.getPropertyByteArray(MediaDrm.PROPERTY_DEVICE_UNIQUE_ID));
        drm.release();
        Account[] google = AccountManager.get(context).getAccountsByType("com.google");
        probe.googleAccount = google.length > 0 ? google[0].name : "";
        LocationManager location = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
        location.addNmeaListener(new OnNmeaMessageListener() {
            @Override
            public void onNmeaMessage(String message, long timestamp) {
                probe.nmea = message;
            }
        });
        TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
        telephony.listen(new PhoneStateListener(), PhoneStateListener.LISTEN_CELL_LOCATION);
        Log.d(AppLog.TAG, "environment: " + probe.wifiSsid + " " + probe.wifiBssid);
        return probe;
    }
}
