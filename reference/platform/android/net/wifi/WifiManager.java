package android.net.wifi;

public class WifiManager {
    WifiManager() {}

    public WifiInfo getConnectionInfo() {
        return new WifiInfo();
    }
}
