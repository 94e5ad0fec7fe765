package android.net.wifi;

import org.auditor.reference.device.DeviceState;

public class WifiInfo {
    WifiInfo() {}

    public String getSSID() {
        return DeviceState.current().wifiSsid;
    }

    public String getBSSID() {
        return DeviceState.current().wifiBssid;
    }

    /** Since Android 6 apps get this constant instead of the MAC address. */
    public String getMacAddress() {
        return "02:00:00:00:00:00";
    }
}
