package com.bytedance.sdk;

import android.content.Context;
import android.provider.Settings;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * The SDK's event beacon. The app reports the user's consent choice to it, and it sends that event with the
 * device's Android ID whatever the choice was: an SDK that keeps sending after a refusal, as the claims allege.
 */
public final class EventLog {
    static final String APP_LOG = "https://log.snssdk.com/service/2/app_log/";

    private EventLog() {}

    public static void onEvent(Context context, String event) {
        String androidId = Settings.Secure.getString(context.getContentResolver(), Settings.Secure.ANDROID_ID);
        try {
            JSONObject body = new JSONObject().put("event", event).put("openudid", androidId)
                    .put("package", context.getPackageName());
            LogSender.postGzipJson(APP_LOG, body.toString());
        } catch (JSONException e) {
            throw new IllegalStateException(e);
        }
    }
}
