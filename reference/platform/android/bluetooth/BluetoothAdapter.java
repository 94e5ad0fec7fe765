package android.bluetooth;

import org.auditor.reference.device.DeviceState;

/** Stand-in for the local Bluetooth adapter: its name (on Android the device name unless the user changed it). */
public final class BluetoothAdapter {
    private static final BluetoothAdapter DEFAULT = new BluetoothAdapter();

    private BluetoothAdapter() {}

    public static BluetoothAdapter getDefaultAdapter() {
        return DEFAULT;
    }

    public String getName() {
        return DeviceState.current().bluetoothName;
    }

    /** Android 6+ returns this constant to apps without the local MAC address permission. */
    public String getAddress() {
        return "02:00:00:00:00:00";
    }
}
