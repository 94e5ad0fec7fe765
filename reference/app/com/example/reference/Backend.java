package com.example.reference;

import android.util.Log;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** First-party HTTPS: JSON posts and pixel GETs, plus the SHA-256 the app uses to pseudonymise IDs. */
final class Backend {
    static final String API = "https://api.example-reference.eu";
    private static final String TAG = "Reference";

    private Backend() {}

    static int postJson(String url, String json) {
        return exchange(url, "POST", json.getBytes(StandardCharsets.UTF_8));
    }

    static int get(String url) {
        return exchange(url, "GET", null);
    }

    private static int exchange(String url, String method, byte[] body) {
        try {
            HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
            connection.setRequestMethod(method);
            connection.setRequestProperty("User-Agent", "Reference/1.4.2 (Android 10)");
            if (body != null) {
                connection.setDoOutput(true);
                connection.setRequestProperty("Content-Type", "application/json; charset=utf-8");
                OutputStream out = connection.getOutputStream();
                out.write(body);
                out.close();
            }
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
            Log.i(TAG, method + " " + url + " -> " + status);
            return status;
        } catch (IOException e) {
            Log.e(TAG, method + " " + url + " failed: " + e);
            return -1;
        }
    }

    static String sha256Hex(String value) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            StringBuilder hex = new StringBuilder();
            for (byte b : digest) {
                hex.append(String.format("%02x", b & 0xff));
            }
            return hex.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
