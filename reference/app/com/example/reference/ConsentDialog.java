package com.example.reference;

import android.app.Activity;
import android.location.Location;
import android.util.Log;
import com.appsflyer.AppsFlyerLib;
import com.bytedance.sdk.EventLog;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;
import com.google.android.gms.location.FusedLocationProviderClient;
import com.google.android.gms.location.LocationServices;
import java.util.Locale;

/**
 * The consent dialog's two buttons. Accept starts attribution and the advertising pixel; either choice is
 * reported to the ByteDance SDK, which sends it with the Android ID (after a refusal too).
 */
final class ConsentDialog {
    static final String PIXEL = "https://t.brightpixel-ads.com/px";

    private ConsentDialog() {}

    static void accept(Activity activity) {
        Log.i("Reference", "consent: accepted");
        EventLog.onEvent(activity, "consent_accepted");
        AppsFlyerLib.getInstance().start(activity);
        sendPixel(activity);
    }

    static void decline(Activity activity) {
        Log.i("Reference", "consent: declined");
        EventLog.onEvent(activity, "consent_declined");
    }

    /** Advertising pixel (US ad network): hashed advertising ID and a coarse (2-decimal) location. */
    private static void sendPixel(Activity activity) {
        String adId;
        try {
            adId = AdvertisingIdClient.getAdvertisingIdInfo(activity).getId();
        } catch (Exception e) {
            return;
        }
        FusedLocationProviderClient fused = LocationServices.getFusedLocationProviderClient(activity);
        Location location = fused.getLastLocation().getResult();
        String url = PIXEL + "?ev=consent&aid_sha256=" + Backend.sha256Hex(adId)
                + String.format(Locale.ROOT, "&lat=%.2f&lon=%.2f", location.getLatitude(), location.getLongitude());
        Backend.get(url);
    }
}
