package io.sentry;

import android.os.Build;
import android.util.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * A Sentry-style crash and event reporter, configured (as apps often do) with a DSN on the app's own domain
 * (a self-hosted relay), so its envelopes share the HTTP keep-alive connection the app's own requests opened.
 * That is the case per-request attribution must get right: one connection, two senders.
 */
public final class Sentry {
    static final String ENVELOPE = "https://api.example-reference.eu/api/4501/envelope/";
    static final String KEY = "3f1c2a9e5b7d4c60a8e2f1b0c9d8e7f6";
    static final String CLIENT = "sentry.java.android/6.34.0";

    // The SDK's installation ID: a random UUID kept for the app's installation, sent as the event's user ID
    // when the app sets none (as sentry-android's event processor does).
    private static final String INSTALLATION = UUID.randomUUID().toString();

    private Sentry() {}

    /** Reports a message event with the device context, synchronously (the real SDK queues it). */
    public static void captureMessage(String message) {
        String eventId = UUID.randomUUID().toString().replace("-", "");
        try {
            JSONObject header = new JSONObject().put("event_id", eventId)
                    .put("dsn", "https://" + KEY + "@api.example-reference.eu/4501");
            JSONObject event = new JSONObject().put("event_id", eventId).put("level", "info")
                    .put("platform", "java")
                    .put("message", new JSONObject().put("formatted", message))
                    .put("contexts", new JSONObject()
                            .put("device", new JSONObject().put("manufacturer", Build.MANUFACTURER)
                                    .put("model", Build.MODEL))
                            .put("os", new JSONObject().put("name", "Android")
                                    .put("version", String.valueOf(Build.VERSION.SDK_INT))))
                    .put("user", new JSONObject().put("id", INSTALLATION));
            String envelope = header + "\n" + new JSONObject().put("type", "event") + "\n" + event + "\n";
            send(envelope.getBytes(StandardCharsets.UTF_8));
        } catch (JSONException | IOException e) {
            Log.e("Sentry", "event not sent: " + e);
        }
    }

    private static void send(byte[] envelope) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(ENVELOPE).openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/x-sentry-envelope");
        connection.setRequestProperty("X-Sentry-Auth",
                "Sentry sentry_version=7, sentry_client=" + CLIENT + ", sentry_key=" + KEY);
        OutputStream out = connection.getOutputStream();
        out.write(envelope);
        out.close();
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        if (in != null) {
            // read to the end, so the connection goes back to the keep-alive pool now, not after a cleaner
            // thread has drained it (the next request to the host then reuses it, as a real HTTP stack does)
            byte[] drain = new byte[4096];
            while (in.read(drain) != -1) {
                continue;
            }
            in.close();
        }
        Log.i("Sentry", "envelope -> " + status);
    }
}
