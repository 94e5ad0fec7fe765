package com.example.reference;

import android.content.Context;
import android.provider.Settings;
import org.json.JSONException;
import org.json.JSONObject;

/** Product analytics at Kumo Analytics (Japan): the Android ID, pseudonymised with SHA-256. */
final class AppOpenEvent {
    static final String URL = "https://cfg.kumo-analytics.jp/v1/events";

    private AppOpenEvent() {}

    static void send(Context context) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        try {
            JSONObject event = new JSONObject()
                    .put("app", context.getPackageName())
                    .put("event", "app_open")
                    .put("install_id", Backend.sha256Hex(androidId));
            Backend.postJson(URL, event.toString());
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
    }
}
