package org.auditor.reference.host;

import android.content.ContentResolver;
import android.content.Context;
import android.content.pm.ApplicationInfo;
import android.content.pm.PackageInfo;
import android.content.pm.PackageManager;
import org.auditor.reference.device.DeviceState;
import java.lang.reflect.Constructor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The application's base context: hands out the system services, as SystemServiceRegistry does. */
final class HostContext extends Context {
    private static final Map<String, String> SERVICES = new HashMap<String, String>();

    static {
        SERVICES.put(ACCOUNT_SERVICE, "android.accounts.AccountManager");
        SERVICES.put(CLIPBOARD_SERVICE, "android.content.ClipboardManager");
        SERVICES.put(FINGERPRINT_SERVICE, "android.hardware.fingerprint.FingerprintManager");
        SERVICES.put(LOCATION_SERVICE, "android.location.LocationManager");
        SERVICES.put(TELEPHONY_SERVICE, "android.telephony.TelephonyManager");
        SERVICES.put(WIFI_SERVICE, "android.net.wifi.WifiManager");
    }

    private final String packageName;
    private final Map<String, Object> created = new HashMap<String, Object>();
    private final ContentResolver resolver = new ContentResolver(this) {};
    private final PackageManager packageManager = new HostPackageManager();

    HostContext(String packageName) {
        this.packageName = packageName;
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

    @Override
    public PackageManager getPackageManager() {
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

    private static final class HostPackageManager extends PackageManager {
        @Override
        public List<PackageInfo> getInstalledPackages(int flags) {
            List<PackageInfo> packages = new ArrayList<PackageInfo>();
            for (String name : DeviceState.current().installedPackages()) {
                PackageInfo info = new PackageInfo();
                info.packageName = name;
                packages.add(info);
            }
            return packages;
        }

        @Override
        public List<ApplicationInfo> getInstalledApplications(int flags) {
            List<ApplicationInfo> applications = new ArrayList<ApplicationInfo>();
            for (String name : DeviceState.current().installedPackages()) {
                ApplicationInfo info = new ApplicationInfo();
                info.packageName = name;
                applications.add(info);
            }
            return applications;
        }
    }
}
