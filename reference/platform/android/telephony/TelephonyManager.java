package android.telephony;

import java.util.Collections;
import java.util.List;
import org.auditor.reference.device.DeviceState;

public class TelephonyManager {
    TelephonyManager() {}

    public String getDeviceId() {
        return DeviceState.current().imei;
    }

    public String getDeviceId(int slotIndex) {
        return DeviceState.current().imei;
    }

    /** API 26. */
    public String getImei() {
        return DeviceState.current().imei;
    }

    /** API 26. */
    public String getImei(int slotIndex) {
        return DeviceState.current().imei;
    }

    public String getSubscriberId() {
        return DeviceState.current().subscriberId;
    }

    public String getLine1Number() {
        return DeviceState.current().line1Number;
    }

    public String getSimSerialNumber() {
        return DeviceState.current().simSerialNumber;
    }

    public String getNetworkOperatorName() {
        return DeviceState.current().networkOperatorName;
    }

    public List<CellInfo> getAllCellInfo() {
        return Collections.emptyList();
    }

    public CellLocation getCellLocation() {
        return null;
    }

    /** Registers for the events in `events`; the stand-in has no radio, so no callback follows. */
    public void listen(PhoneStateListener listener, int events) {}
}
