package com.appsflyer;

import android.content.Context;
import android.location.Location;
import android.location.LocationManager;
import android.provider.Settings;
import android.telephony.TelephonyManager;
import android.util.Log;
import com.google.android.gms.ads.identifier.AdvertisingIdClient;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.json.JSONException;
import org.json.JSONObject;

/** An AppsFlyer-style attribution SDK: init() only stores the key; start() sends the launch event. */
public final class AppsFlyerLib {
    static final String LAUNCHES = "https://launches.appsflyer.com/api/v6.9/androidevent";
    static final String SDK_BUILD = "6.9.0";
    private static final AppsFlyerLib INSTANCE = new AppsFlyerLib();
    private String devKey;

    private AppsFlyerLib() {}

    public static AppsFlyerLib getInstance() {
        return INSTANCE;
    }

    public AppsFlyerLib init(String key, AppsFlyerConversionListener conversionDataListener, Context context) {
        devKey = key;
        return this;
    }

    @SuppressWarnings({"MissingPermission", "HardwareIds"})
    public void start(Context context) {
        try {
            JSONObject event = new JSONObject()
                    .put("devkey", devKey)
                    .put("advertiserId", AdvertisingIdClient.getAdvertisingIdInfo(context).getId())
                    .put("android_id", Settings.Secure.getString(
                            context.getContentResolver(), Settings.Secure.ANDROID_ID));
            TelephonyManager telephony = (TelephonyManager) context.getSystemService(Context.TELEPHONY_SERVICE);
            event.put("carrier", telephony.getNetworkOperatorName());
            LocationManager locations = (LocationManager) context.getSystemService(Context.LOCATION_SERVICE);
            Location fix = locations.getLastKnownLocation(LocationManager.NETWORK_PROVIDER);
            if (fix != null) {
                event.put("lat", fix.getLatitude()).put("lon", fix.getLongitude());
            }
            send(LAUNCHES + "?app_id=" + context.getPackageName() + "&buildnumber=" + SDK_BUILD, event.toString());
        } catch (JSONException | IOException e) {
            Log.e("AppsFlyer", "launch event not sent: " + e);
        } catch (Exception e) {
            Log.e("AppsFlyer", "advertising ID unavailable: " + e);
        }
    }

    private static void send(String url, String json) throws IOException {
        HttpURLConnection connection = (HttpURLConnection) new URL(url).openConnection();
        connection.setRequestMethod("POST");
        connection.setDoOutput(true);
        connection.setRequestProperty("Content-Type", "application/json");
        OutputStream out = connection.getOutputStream();
        out.write(json.getBytes(StandardCharsets.UTF_8));
        out.close();
        int status = connection.getResponseCode();
        InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
        if (in != null) {
            in.close();
        }
        Log.i("AppsFlyer", "launch -> " + status);
    }
}
