package android.os;

import org.auditor.reference.device.DeviceState;

public class Build {
    // Not compile-time constants on a device (read from system properties), so callers keep field references.
    public static final String MANUFACTURER;
    public static final String MODEL;

    static {
        MANUFACTURER = "samsung";
        MODEL = "SM-G991B";
    }

    public Build() {}

    /** API 26; needs READ_PHONE_STATE (READ_PRIVILEGED_PHONE_STATE from API 29). */
    public static String getSerial() {
        return DeviceState.current().serial;
    }

    public static class VERSION {
        public static final int SDK_INT;

        static {
            SDK_INT = 29;
        }

        public VERSION() {}
    }
}
