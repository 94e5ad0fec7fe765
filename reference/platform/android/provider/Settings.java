package android.provider;

import android.content.ContentResolver;
import org.auditor.reference.device.DeviceState;

public final class Settings {
    public Settings() {}

    public static final class Secure {
        public static final String ANDROID_ID = "android_id";

        public Secure() {}

        public static String getString(ContentResolver resolver, String name) {
            return ANDROID_ID.equals(name) ? DeviceState.current().androidId : null;
        }
    }

    public static final class Global {
        public static final String DEVICE_NAME = "device_name";

        public Global() {}

        /** The name the user gave the device (Settings > About phone; `settings put global device_name`). */
        public static String getString(ContentResolver resolver, String name) {
            return DEVICE_NAME.equals(name) ? DeviceState.current().deviceName : null;
        }
    }
}
