package android.net.wifi;

import java.util.Collections;
import java.util.List;
import org.auditor.reference.device.DeviceState;

public class WifiManager {
    WifiManager() {}

    public WifiInfo getConnectionInfo() {
        return new WifiInfo();
    }

    /** The access point the phone is connected to, as the only one in range. */
    public List<ScanResult> getScanResults() {
        ScanResult result = new ScanResult();
        result.BSSID = DeviceState.current().wifiBssid;
        result.SSID = DeviceState.current().wifiSsid.replace("\"", "");
        result.level = -55;
        return Collections.singletonList(result);
    }
}
