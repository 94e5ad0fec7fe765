package android.net.wifi;

public class ScanResult {
    public String BSSID;
    public String SSID;
    public int level;

    ScanResult() {}
}
