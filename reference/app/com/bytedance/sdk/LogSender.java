package com.bytedance.sdk;

import android.util.Log;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.HttpsURLConnection;

/** The SDK's own HTTPS client. */
final class LogSender {
    private LogSender() {}

    static int postGzipJson(String url, String json) {
        ByteArrayOutputStream compressed = new ByteArrayOutputStream();
        try {
            GZIPOutputStream gzip = new GZIPOutputStream(compressed);
            gzip.write(json.getBytes(StandardCharsets.UTF_8));
            gzip.close();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return post(url, "application/json; charset=utf-8", compressed.toByteArray(), true);
    }

    static int post(String url, String contentType, byte[] body, boolean gzipped) {
        try {
            HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
            connection.setRequestMethod("POST");
            connection.setDoOutput(true);
            connection.setRequestProperty("Content-Type", contentType);
            if (gzipped) {
                connection.setRequestProperty("Content-Encoding", "gzip");
            }
            connection.setRequestProperty("User-Agent", "com.example.reference/1402 (Linux; U; Android 10)");
            OutputStream out = connection.getOutputStream();
            out.write(body);
            out.close();
            return finish(connection, url);
        } catch (IOException e) {
            Log.e(AppLog.TAG, "POST " + url + " failed: " + e);
            return -1;
        }
    }

    static int get(String url) {
        try {
            HttpsURLConnection connection = (HttpsURLConnection) new URL(url).openConnection();
            connection.setRequestProperty("User-Agent", "com.example.reference/1402 (Linux; U; Android 10)");
            return finish(connection, url);
        } catch (IOException e) {
            Log.e(AppLog.TAG, "GET " + url + " failed: " + e);
            return -1;
        }
    }

    private static int finish(HttpsURLConnection connection, String url) throws IOException {
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        if (in != null) {
            in.close();
        }
        Log.d(AppLog.TAG, url + " -> " + status);
        return status;
    }

    static String md5Hex(String value) {
        try {
            return hex(MessageDigest.getInstance("MD5").digest(value.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String hex(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) {
            hex.append(Integer.toHexString((b & 0xff) | 0x100).substring(1));
        }
        return hex.toString();
    }
}
