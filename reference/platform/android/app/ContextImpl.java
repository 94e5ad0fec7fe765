package android.app;

import android.content.ContentResolver;
import android.content.Context;
import android.content.pm.PackageManager;
import java.lang.reflect.Constructor;
import java.util.HashMap;
import java.util.Map;

/** The application's base context (hidden on Android): hands out system services as SystemServiceRegistry does. */
public final class ContextImpl extends Context {
    private static final Map<String, String> SERVICES = new HashMap<String, String>();

    static {
        SERVICES.put(ACCOUNT_SERVICE, "android.accounts.AccountManager");
        SERVICES.put(CAMERA_SERVICE, "android.hardware.camera2.CameraManager");
        SERVICES.put(CLIPBOARD_SERVICE, "android.content.ClipboardManager");
        SERVICES.put(FINGERPRINT_SERVICE, "android.hardware.fingerprint.FingerprintManager");
        SERVICES.put(LOCATION_SERVICE, "android.location.LocationManager");
        SERVICES.put(MEDIA_PROJECTION_SERVICE, "android.media.projection.MediaProjectionManager");
        SERVICES.put(TELEPHONY_SERVICE, "android.telephony.TelephonyManager");
        SERVICES.put(WIFI_SERVICE, "android.net.wifi.WifiManager");
    }

    private final String packageName;
    private final Map<String, Object> created = new HashMap<String, Object>();
    private final ContentResolver resolver = new ApplicationContentResolver(this);
    private PackageManager packageManager;

    private ContextImpl(String packageName) {
        this.packageName = packageName;
    }

    /** The context an app process starts with; the JVM host passes it to Instrumentation.newApplication. */
    public static Context createAppContext(String packageName) {
        return new ContextImpl(packageName);
    }

    @Override
    public synchronized Object getSystemService(String name) {
        String className = SERVICES.get(name);
        if (className == null) {
            return null;
        }
        Object service = created.get(name);
        if (service == null) {
            service = instantiate(className);
            created.put(name, service);
        }
        return service;
    }

    @Override
    public ContentResolver getContentResolver() {
        return resolver;
    }

    /** Created on first use, as on Android. */
    @Override
    public synchronized PackageManager getPackageManager() {
        if (packageManager == null) {
            packageManager = new ApplicationPackageManager();
        }
        return packageManager;
    }

    @Override
    public Context getApplicationContext() {
        return this;
    }

    @Override
    public String getPackageName() {
        return packageName;
    }

    /** The managers' constructors are hidden, as on Android. */
    private static Object instantiate(String className) {
        try {
            Constructor<?> constructor = Class.forName(className).getDeclaredConstructor();
            constructor.setAccessible(true);
            return constructor.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot create system service " + className, e);
        }
    }

    private static final class ApplicationContentResolver extends ContentResolver {
        ApplicationContentResolver(Context context) {
            super(context);
        }
    }
}
