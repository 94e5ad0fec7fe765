package android.content;

import android.content.pm.PackageManager;

/** Runtime stand-in for android.content.Context: the real constants and the real method signatures. */
public abstract class Context {
    public static final String ACCOUNT_SERVICE = "account";
    public static final String CAMERA_SERVICE = "camera";
    public static final String CLIPBOARD_SERVICE = "clipboard";
    public static final String FINGERPRINT_SERVICE = "fingerprint";
    public static final String LOCATION_SERVICE = "location";
    public static final String MEDIA_PROJECTION_SERVICE = "media_projection";
    public static final String TELEPHONY_SERVICE = "phone";
    public static final String WIFI_SERVICE = "wifi";

    public Context() {}

    public abstract Object getSystemService(String name);

    public abstract ContentResolver getContentResolver();

    public abstract PackageManager getPackageManager();

    public abstract Context getApplicationContext();

    public abstract String getPackageName();
}
